// readFile / writeFile / appendFile of a path (one linked submission each) against
// node:fs/promises side by side on both backends, and their edge cases: sizes around the first
// read, 100 MiB, /proc, FIFOs, files changing while read, aborts, 10 000 calls, EMFILE, leaks.
import { expect } from 'chai';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';

import { Ring } from '../index.mjs';
import { backendOf, describeBackends, makeFifo, patternBytes, runNode } from './helpers.mjs';
import { fsOn, outcome } from './fs-common.mjs';

const ENCODINGS = [
  'utf8',
  'utf-8',
  'UTF8',
  'utf16le',
  'utf-16le',
  'ucs2',
  'ucs-2',
  'latin1',
  'binary',
  'base64',
  'base64url',
  'hex',
  'ascii',
];
const FIRST_READ = 64 * 1024;
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

/**
 * Open fds of this process, as "number -> target": a leak is an entry that was not there before,
 * whatever else closed meanwhile (pipes of an earlier test's child process close late).
 */
function fdTable() {
  const table = new Set();
  for (const name of fs.readdirSync('/proc/self/fd')) {
    try {
      table.add(`${name} -> ${fs.readlinkSync(`/proc/self/fd/${name}`)}`);
    } catch {
      // the directory's own fd, closed already
    }
  }
  return table;
}

function newFds(before) {
  return [...fdTable()].filter((fd) => !before.has(fd));
}

/**
 * Run after each test (before the ring shuts down): no fd, no op in flight, every direct
 * descriptor back in the table.
 */
async function expectNothingLeft(ring, backend, fdsBefore) {
  expect(ring.stats().inFlight, 'ops in flight').to.equal(0);
  // A child process's pipes close a moment after it exits.
  if (newFds(fdsBefore).length > 0) await new Promise((r) => setTimeout(r, 200));
  expect(newFds(fdsBefore), 'open fds').to.deep.equal([]);
  if (backend === 'io_uring') {
    expect(backendOf(ring).directFree.length, 'free direct descriptors').to.equal(
      ring.features.directFiles,
    );
  }
}

describeBackends('whole-file calls', (backend, t) => {
  let ours;
  beforeEach(function () {
    ours = fsOn(t.ring);
    const fdsBefore = fdTable();
    t.defer(() => expectNothingLeft(t.ring, backend, fdsBefore));
  });

  /** The same call through both implementations: the same outcome. */
  async function same(call) {
    const x = await outcome(() => call(ours));
    const y = await outcome(() => call(fsp));
    expect(x).to.deep.equal(y);
    return x;
  }

  describe('readFile', function () {
    for (const size of [0, 1, 4096, FIRST_READ - 1, FIRST_READ, FIRST_READ + 1, 1 << 20]) {
      it(`a file of ${size} bytes`, async function () {
        const f = t.file('f');
        fs.writeFileSync(f, patternBytes(size, size));
        const r = await same((api) => api.readFile(f));
        expect(r.value.length).to.equal('bytes:'.length + 2 * size);
      });
    }

    for (const encoding of [...ENCODINGS, null, 'buffer', 'nope', '']) {
      it(`encoding ${JSON.stringify(encoding)} as a string and in options`, async function () {
        const f = t.file('f');
        fs.writeFileSync(f, Buffer.from('héllo wörld ✓ \u0000\u00ff end'));
        await same((api) => api.readFile(f, encoding));
        await same((api) => api.readFile(f, { encoding }));
      });
    }

    const cases = {
      'a missing file (ENOENT)': (api, f) => api.readFile(`${f}-missing`),
      'a directory (EISDIR)': (api, f) => api.readFile(path.dirname(f)),
      'a path through a file (ENOTDIR)': (api, f) => api.readFile(`${f}/x`),
      "an empty path ('')": (api) => api.readFile(''),
      'a path with a NUL byte': (api, f) => api.readFile(`${f}\u0000x`),
      'a number as path': (api) => api.readFile(5),
      'a file: URL': (api, f) => api.readFile(pathToFileURL(f)),
      'an http: URL': (api) => api.readFile(new URL('http://example.com/')),
      'a Buffer path': (api, f) => api.readFile(Buffer.from(f)),
      'options 5': (api, f) => api.readFile(f, 5),
      "flag 'r+'": (api, f) => api.readFile(f, { flag: 'r+' }),
      "flag 'a+' on a new file": (api, f) =>
        api.readFile(`${f}-new-${api === fsp}`, { flag: 'a+' }),
      "flag 'wx' on an existing file (EEXIST)": (api, f) => api.readFile(f, { flag: 'wx' }),
      "flag 'nope'": (api, f) => api.readFile(f, { flag: 'nope' }),
      'signal not an AbortSignal': (api, f) => api.readFile(f, { signal: 1 }),
      'an aborted signal': (api, f) => api.readFile(f, { signal: AbortSignal.abort('why') }),
      'a path too long (ENAMETOOLONG)': (api) => api.readFile(`/${'x'.repeat(5000)}`),
    };
    for (const [name, call] of Object.entries(cases)) {
      it(`${name} like node`, async function () {
        const f = t.file('f');
        fs.writeFileSync(f, 'content');
        await same((api) => call(api, f));
      });
    }

    it('an aborted signal leaves the disk alone: AbortError for a missing path too', async function () {
      const r = await same((api) =>
        api.readFile(t.file('missing'), { signal: AbortSignal.abort('r') }),
      );
      expect(r.error).to.include({ name: 'AbortError', code: 'ABORT_ERR' });
    });

    it('a 100 MiB file', async function () {
      this.timeout(60000);
      const f = t.file('big');
      const data = patternBytes(100 << 20, 7);
      fs.writeFileSync(f, data);
      const got = await ours.readFile(f);
      expect(got.length).to.equal(data.length);
      expect(got.equals(data)).to.equal(true);
    });

    it('/proc/self/status: size 0 to stat, content all the same', async function () {
      const st = fs.statSync('/proc/self/status');
      expect(st.size).to.equal(0);
      const text = await ours.readFile('/proc/self/status', 'utf8');
      expect(text).to.match(/^Name:\t/);
      expect(text).to.include(`Pid:\t${process.pid}\n`);
      expect(text.endsWith('\n')).to.equal(true);
    });

    it('a /proc file bigger than the first read (/proc/self/smaps)', async function () {
      const node = await fsp.readFile('/proc/self/maps', 'utf8');
      const text = await ours.readFile('/proc/self/maps', 'utf8');
      // The mappings change between two reads; the shape does not.
      expect(text.split('\n')[0].split(' ')[0]).to.equal(node.split('\n')[0].split(' ')[0]);
      const big = await ours.readFile('/proc/self/smaps');
      expect(big.length).to.be.greaterThan(FIRST_READ);
      expect(big.toString().endsWith('\n')).to.equal(true);
    });

    // 300 000 bytes is more than the chain's two reads take: the rest is read through the same
    // open FIFO, whose writer must neither be cut off (EPIPE) nor leave readFile waiting.
    for (const size of [10, 300_000]) {
      it(`a FIFO with a writer (${size} bytes)`, async function () {
        const fifo = t.file('fifo');
        execFileSync('mkfifo', [fifo]);
        const data = patternBytes(size, 3);
        const source = t.file('source');
        fs.writeFileSync(source, data);
        // A writer in another process: writes everything, then closes its end. The open of
        // readFile waits for it.
        const writer = spawn(process.execPath, [
          '-e',
          `const fs=require('fs');const fd=fs.openSync(${JSON.stringify(fifo)},'w');` +
            `fs.writeFileSync(fd,fs.readFileSync(${JSON.stringify(source)}));fs.closeSync(fd);`,
        ]);
        const exited = new Promise((resolve) => writer.on('exit', resolve));
        const got = await ours.readFile(fifo);
        expect(await exited, "the writer's exit code").to.equal(0);
        expect(got.equals(data)).to.equal(true);
      });
    }

    it('a FIFO written in three pieces with pauses: all three, the writer unharmed', async function () {
      const fifo = t.file('fifo3');
      execFileSync('mkfifo', [fifo]);
      const writer = spawn('sh', [
        '-c',
        `{ echo one; sleep 0.1; echo two; sleep 0.1; echo three; } > ${JSON.stringify(fifo)}`,
      ]);
      const exited = new Promise((resolve) => writer.on('exit', resolve));
      const got = await ours.readFile(fifo, 'utf8');
      expect(await exited, "the writer's exit code").to.equal(0);
      expect(got).to.equal('one\ntwo\nthree\n');
    });

    it('a file renamed over the path while it is read: the content of one file, never a mix', async function () {
      const f = t.file('swapped');
      const versions = [patternBytes(1 << 20, 21), patternBytes(1 << 20, 22)];
      fs.writeFileSync(f, versions[0]);
      const reads = [];
      for (let i = 0; i < 16; i++) {
        reads.push(ours.readFile(f));
        const next = t.file(`swap-${i}`);
        fs.writeFileSync(next, versions[(i + 1) % 2]);
        fs.renameSync(next, f);
        await new Promise((r) => setImmediate(r));
      }
      for (const got of await Promise.all(reads)) {
        expect(versions.some((v) => v.equals(got))).to.equal(true);
      }
    });

    it('a file that grows while read: a prefix of what it became, at least what it was', async function () {
      const f = t.file('grow');
      const start = patternBytes(4 << 20, 5);
      fs.writeFileSync(f, start);
      const fd = fs.openSync(f, 'a');
      t.defer(() => fs.closeSync(fd));
      const reads = [];
      for (let i = 0; i < 8; i++) {
        reads.push(ours.readFile(f));
        fs.writeSync(fd, patternBytes(256 << 10, 10 + i));
      }
      const final = fs.readFileSync(f);
      for (const got of await Promise.all(reads)) {
        expect(got.length).to.be.at.least(start.length);
        expect(got.equals(final.subarray(0, got.length))).to.equal(true);
      }
    });

    it('a file that shrinks while read: a prefix of what it was', async function () {
      const f = t.file('shrink');
      const start = patternBytes(4 << 20, 6);
      fs.writeFileSync(f, start);
      const reads = [];
      for (let i = 0; i < 8; i++) {
        reads.push(ours.readFile(f));
        fs.truncateSync(f, start.length - (i + 1) * (400 << 10));
      }
      for (const got of await Promise.all(reads)) {
        expect(got.length).to.be.at.most(start.length);
        expect(got.equals(start.subarray(0, got.length))).to.equal(true);
      }
    });

    it('an AbortSignal that fires in the middle: AbortError, nothing left open', async function () {
      const fifo = makeFifo(t.dir);
      t.defer(() => fifo.release());
      const ac = new AbortController();
      const read = outcome(() => ours.readFile(fifo.path, { signal: ac.signal }));
      await new Promise((r) => setTimeout(r, 50));
      ac.abort('stop');
      const r = await read;
      expect(r.error).to.deep.include({ name: 'AbortError', code: 'ABORT_ERR' });
      // The fs backend's read sits in a pool thread until the FIFO has data.
      fifo.release();
      await new Promise((r) => setTimeout(r, 50));
    });

    it('the cause of an AbortError is the reason', async function () {
      const fifo = makeFifo(t.dir);
      t.defer(() => fifo.release());
      const ac = new AbortController();
      const read = ours.readFile(fifo.path, { signal: ac.signal });
      setTimeout(() => ac.abort('the reason'), 20);
      const err = await read.then(
        () => null,
        (e) => e,
      );
      expect(err.cause).to.equal('the reason');
      fifo.release();
      await new Promise((r) => setTimeout(r, 50));
    });

    it('10 000 calls at once', async function () {
      this.timeout(60000);
      const files = [];
      for (let i = 0; i < 50; i++) {
        files.push(t.file(`f${i}`));
        fs.writeFileSync(files[i], patternBytes(4000 + i, i));
      }
      const got = await Promise.all(
        Array.from({ length: 10_000 }, (_, i) => ours.readFile(files[i % 50])),
      );
      got.forEach((g, i) => expect(g.equals(patternBytes(4000 + (i % 50), i % 50))).to.equal(true));
    });

    it('many failures in a row give every direct descriptor back', async function () {
      const d = t.dir;
      const errs = await Promise.all(
        Array.from({ length: 600 }, () => ours.readFile(d).catch((e) => e.code)),
      );
      expect(new Set(errs)).to.deep.equal(new Set(['EISDIR']));
    });

    it('a FileHandle in place of the path', async function () {
      const f = t.file('f');
      fs.writeFileSync(f, 'via handle');
      const h = await ours.open(f);
      t.defer(() => h.close());
      expect(await ours.readFile(h, 'utf8')).to.equal('via handle');
    });
  });

  describe('writeFile and appendFile', function () {
    const datas = {
      string: 'héllo',
      'string in hex': ['68656c6c6f', 'hex'],
      Buffer: Buffer.from('buf'),
      Uint16Array: new Uint16Array([1, 2, 3]),
      DataView: new DataView(new ArrayBuffer(5)),
      'empty string': '',
      'array of chunks': () => ['a', Buffer.from('b'), new Uint8Array([99])],
      'async iterable': () =>
        (async function* () {
          yield 'one';
          yield Buffer.from('two');
        })(),
      Readable: () => Readable.from(['r1', 'r2']),
      number: 5,
      object: { a: 1 },
      '1 MiB': patternBytes(1 << 20, 9),
    };
    for (const [name, d] of Object.entries(datas)) {
      for (const fn of ['writeFile', 'appendFile']) {
        it(`${fn} of ${name} like node`, async function () {
          const [data, encoding] = Array.isArray(d) ? d : [d];
          const files = { ours: t.file('a'), node: t.file('b') };
          fs.writeFileSync(files.ours, 'before;');
          fs.writeFileSync(files.node, 'before;');
          const x = await outcome(() =>
            ours[fn](files.ours, typeof data === 'function' ? data() : data, encoding),
          );
          const y = await outcome(() =>
            fsp[fn](files.node, typeof data === 'function' ? data() : data, encoding),
          );
          expect(x).to.deep.equal(y);
          expect(fs.readFileSync(files.ours)).to.deep.equal(fs.readFileSync(files.node));
        });
      }
    }

    for (const encoding of ENCODINGS) {
      it(`writeFile with encoding ${encoding}`, async function () {
        const text = 'aGVsbG8gd29ybGQ-_é';
        const [a, b] = [t.file('a'), t.file('b')];
        await ours.writeFile(a, text, { encoding });
        await fsp.writeFile(b, text, { encoding });
        expect(fs.readFileSync(a)).to.deep.equal(fs.readFileSync(b));
      });
    }

    const cases = {
      "flag 'wx' on an existing file (EEXIST)": (api, f) => api.writeFile(f, 'x', { flag: 'wx' }),
      "flag 'a'": (api, f) => api.writeFile(f, 'x', { flag: 'a' }),
      "flag 'r' (EBADF)": (api, f) => api.writeFile(f, 'x', { flag: 'r' }),
      "flag 'nope'": (api, f) => api.writeFile(f, 'x', { flag: 'nope' }),
      'mode 0o600 on a new file': async (api, f) => {
        const p = `${f}-${api === fsp ? 'n' : 'o'}`;
        await api.writeFile(p, 'x', { mode: 0o600 });
        return fs.statSync(p).mode & 0o777;
      },
      "mode '640' on a new file": async (api, f) => {
        const p = `${f}-${api === fsp ? 'n' : 'o'}`;
        await api.writeFile(p, 'x', { mode: '640' });
        return fs.statSync(p).mode & 0o777;
      },
      "mode 'z'": (api, f) => api.writeFile(f, 'x', { mode: 'z' }),
      'mode -1': (api, f) => api.writeFile(f, 'x', { mode: -1 }),
      'flush: true': (api, f) => api.writeFile(f, 'flushed', { flush: true }),
      'flush: 1': (api, f) => api.writeFile(f, 'x', { flush: 1 }),
      'a directory (EISDIR)': (api, f) => api.writeFile(path.dirname(f), 'x'),
      'a missing directory (ENOENT)': (api, f) => api.writeFile(`${f}-nodir/x`, 'x'),
      'an aborted signal': (api, f) => api.writeFile(f, 'x', { signal: AbortSignal.abort() }),
      "encoding 'nope'": (api, f) => api.writeFile(f, 'x', 'nope'),
      "encoding 'buffer'": (api, f) => api.writeFile(f, 'x', 'buffer'),
      'appendFile with flush': (api, f) => api.appendFile(f, 'more', { flush: true }),
      "appendFile flag 'w'": (api, f) => api.appendFile(f, 'only', { flag: 'w' }),
      'appendFile to a missing file': (api, f) => api.appendFile(`${f}-${api === fsp}`, 'new'),
    };
    for (const [name, call] of Object.entries(cases)) {
      it(`${name} like node`, async function () {
        const f = t.file('f');
        fs.writeFileSync(f, 'content');
        const x = await outcome(() => call(ours, f));
        const y = await outcome(() => call(fsp, f));
        if (NODE_MAJOR >= 26 || !('error' in y)) expect(x).to.deep.equal(y);
        else expect(x.error.code).to.equal(y.error.code);
      });
    }

    it('a FileHandle in place of the path writes at its position', async function () {
      const f = t.file('f');
      fs.writeFileSync(f, 'xxxxxx');
      const h = await ours.open(f, 'r+');
      t.defer(() => h.close());
      await ours.writeFile(h, 'ab');
      await ours.appendFile(h, 'cd');
      expect(fs.readFileSync(f, 'utf8')).to.equal('abcdxx');
    });

    it('1000 writeFile calls at once', async function () {
      await Promise.all(
        Array.from({ length: 1000 }, (_, i) =>
          ours.writeFile(t.file(`w${i % 100}`), `v${i % 100}`),
        ),
      );
      for (let i = 0; i < 100; i++)
        expect(fs.readFileSync(t.file(`w${i}`), 'utf8')).to.equal(`v${i}`);
    });
  });

  it('the leak check fails on a leaked fd, op or direct descriptor (negative control)', async function () {
    const fds = fdTable();
    const fd = fs.openSync(t.file('leak'), 'w');
    await expectNothingLeft(t.ring, backend, fds).then(
      () => expect.fail('a leaked fd passed'),
      (err) => expect(err.message).to.match(/open fds/),
    );
    fs.closeSync(fd);
    const fifo = makeFifo(t.dir);
    const pending = t.ring.read(fifo.fd, Buffer.alloc(1));
    await expectNothingLeft(t.ring, backend, fdTable()).then(
      () => expect.fail('an op in flight passed'),
      (err) => expect(err.message).to.match(/in flight/),
    );
    fifo.feed('x');
    await pending;
    fifo.release();
    if (backend === 'io_uring') {
      const chain = t.ring.chain();
      const file = chain.open(t.file('direct'), 'w');
      await chain.run();
      await expectNothingLeft(t.ring, backend, fdTable()).then(
        () => expect.fail('a direct descriptor left open passed'),
        (err) => expect(err.message).to.match(/direct descriptors/),
      );
      await t.ring.close(file);
    }
  });

  it('EMFILE with a low fd limit: node’s error, nothing left open', async function () {
    this.timeout(60000);
    const script = `
      import { Ring } from ${JSON.stringify(path.resolve('index.mjs'))};
      import { fsOn } from ${JSON.stringify(path.resolve('test/fs-common.mjs'))};
      import fs from 'node:fs';
      import fsp from 'node:fs/promises';
      const ring = new Ring({ backend: '${backend}' });
      const api = fsOn(ring);
      const count = () => fs.readdirSync('/proc/self/fd').length;
      const baseline = count();
      const held = [];
      try { for (;;) held.push(fs.openSync('/dev/null', 'r')); } catch {}
      const codes = async (f) => [...new Set((await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) => f(i)))).map((r) => r.status === 'fulfilled' ? 'ok' : r.reason.code + ' ' + r.reason.syscall))];
      const ourRead = await codes(() => api.readFile('${t.dir}/content'));
      const nodeRead = await codes(() => fsp.readFile('${t.dir}/content'));
      const ourWrite = await codes((i) => api.writeFile('${t.dir}/e' + i, 'x'));
      const nodeWrite = await codes((i) => fsp.writeFile('${t.dir}/e' + i, 'x'));
      for (const fd of held) fs.closeSync(fd);
      const after = count();
      const ok = (await api.readFile('${t.dir}/content')).length > 0;
      console.log(JSON.stringify({ ourRead, nodeRead, ourWrite, nodeWrite, leaked: after - baseline, ok, stats: ring.stats().inFlight }));
      await ring.shutdown();`;
    fs.writeFileSync(path.join(t.dir, 'content'), 'some bytes');
    const file = path.join(t.dir, 'emfile.mjs');
    fs.writeFileSync(file, script);
    const res = await runNode([file], {
      command: ['bash', '-c', `ulimit -n 64; exec "${process.execPath}" "$@"`, 'x'],
    });
    const out = JSON.parse(res.stdout.trim().split('\n').pop() || '{}');
    expect(out, res.stderr).to.have.property('ok', true);
    expect(out.ourRead).to.deep.equal(out.nodeRead);
    expect(out.ourWrite).to.deep.equal(out.nodeWrite);
    expect(out.ourRead).to.deep.equal(['EMFILE open']);
    expect(out.leaked).to.equal(0);
    expect(out.stats).to.equal(0);
  });

  it('a result that cannot be made (an encoding changed under the call): the file is closed all the same', async function () {
    const ring = new Ring({ backend, directFiles: 2 });
    const api = fsOn(ring);
    const f = t.file('enc');
    fs.writeFileSync(f, 'content');
    const fdsBefore = fdTable();
    try {
      for (let i = 0; i < 6; i++) {
        // Checked as utf8, read as 'buffer' when the result is made: Buffer#toString throws.
        let reads = 0;
        const options = {
          get encoding() {
            return ++reads >= 3 ? 'buffer' : 'utf8';
          },
        };
        const err = await api.readFile(f, options).then(
          () => null,
          (e) => e,
        );
        expect(err?.code).to.equal('ERR_UNKNOWN_ENCODING');
      }
      // More calls than the table has slots: none was left holding one.
      expect(String(await api.readFile(f))).to.equal('content');
      expect(ring.stats().inFlight).to.equal(0);
      expect(newFds(fdsBefore)).to.deep.equal([]);
    } finally {
      await ring.shutdown();
    }
  });

  it('a direct descriptor table held full by other chains: readFile and writeFile use a regular fd', async function () {
    const ring = new Ring({ backend, directFiles: 2 });
    const api = fsOn(ring);
    const f = t.file('full');
    fs.writeFileSync(f, 'content');
    const held = [];
    try {
      for (let i = 0; i < 2; i++) {
        const chain = ring.chain();
        held.push(chain.open(f));
        await chain.run();
      }
      expect(String(await api.readFile(f))).to.equal('content');
      await api.writeFile(f, 'other');
      expect(fs.readFileSync(f, 'utf8')).to.equal('other');
    } finally {
      for (const file of held) await ring.close(file);
      await ring.shutdown();
    }
  });
});
