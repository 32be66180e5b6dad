// FileHandle on the ring against node:fs/promises' own FileHandle, side by side on both backends:
// every read/write form, bad arguments, the closed handle, close while calls run, streams.
import { expect } from 'chai';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { EventEmitter, once } from 'node:events';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';

import { Ring } from '../index.mjs';
import { collectGarbage, describeBackends, fdIsOpen, makeFifo, runNode } from './helpers.mjs';
import { fsOn, outcome, plain } from './fs-common.mjs';

const CONTENT = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz\nline two\n\nlast line é');
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

describeBackends('FileHandle', (backend, t) => {
  let ours;
  /** Opens the same content twice, once per implementation: [ours, node's]. */
  async function pair(flags = 'r+', content = CONTENT) {
    const a = t.file(`a-${Math.random()}`);
    const b = t.file(`b-${Math.random()}`);
    fs.writeFileSync(a, content);
    fs.writeFileSync(b, content);
    const mine = await ours.open(a, flags);
    const theirs = await fsp.open(b, flags);
    t.defer(() => mine.close());
    t.defer(() => theirs.close());
    return { mine, theirs, a, b };
  }
  /** Runs `call(handle)` on both and expects the same outcome. */
  async function same(call, flags, content) {
    const { mine, theirs, a, b } = await pair(flags, content);
    const [x, y] = [await outcome(() => call(mine)), await outcome(() => call(theirs))];
    expect(x).to.deep.equal(y);
    expect(fs.readFileSync(a)).to.deep.equal(fs.readFileSync(b));
    return x;
  }

  beforeEach(function () {
    ours = fsOn(t.ring);
  });

  it("has node's members and nothing else", async function () {
    const { mine, theirs } = await pair();
    const proto = Object.getPrototypeOf(mine);
    const nodeProto = Object.getPrototypeOf(theirs);
    expect(Object.getOwnPropertyNames(proto).sort()).to.deep.equal(
      Object.getOwnPropertyNames(nodeProto).sort(),
    );
    expect(Object.getOwnPropertySymbols(proto)).to.deep.equal([Symbol.asyncDispose]);
    expect(Object.getOwnPropertyNames(mine).sort()).to.deep.equal(
      Object.getOwnPropertyNames(theirs).sort(),
    );
    expect(Object.getOwnPropertySymbols(mine).map(String)).to.not.include('Symbol(kFd)');
    expect(mine).to.be.an.instanceOf(EventEmitter);
    expect(typeof mine.on).to.equal('function');
    expect(mine.getAsyncId()).to.be.a('number');
    const { FileHandle } = await import('../dist/api/fs/file-handle.js');
    expect(() => new FileHandle(undefined, t.ring, 0)).to.throw(TypeError);
  });

  describe('read', function () {
    const forms = {
      '()': (h) => h.read(),
      '(buffer)': (h) => h.read(Buffer.alloc(10)),
      '(buffer, offset, length, position)': (h) => h.read(Buffer.alloc(10), 2, 5, 3),
      '(buffer, offset, length, null)': (h) => h.read(Buffer.alloc(10), 0, 4, null),
      '(buffer, offset, length, bigint)': (h) => h.read(Buffer.alloc(10), 0, 4, 7n),
      '(buffer, options)': (h) => h.read(Buffer.alloc(10), { offset: 1, length: 3, position: 5 }),
      '(buffer, {})': (h) => h.read(Buffer.alloc(10), {}),
      '({ buffer, offset, length, position })': (h) =>
        h.read({ buffer: Buffer.alloc(8), offset: 2, length: 4, position: 10 }),
      '({})': (h) => h.read({}),
      '(null)': (h) => h.read(null),
      '(Uint16Array)': (h) => h.read(new Uint16Array(4), 0, 8, 0),
      '(DataView)': (h) => h.read(new DataView(new ArrayBuffer(6)), 0, 6, 0),
      'past the end': (h) => h.read(Buffer.alloc(4), 0, 4, 10_000),
      'length 0': (h) => h.read(Buffer.alloc(4), 0, 0, 0),
      'empty buffer': (h) => h.read(Buffer.alloc(0)),
      'twice at the file position': async (h) => [await h.read(Buffer.alloc(5)), await h.read()],
    };
    for (const [name, call] of Object.entries(forms)) {
      it(`read${name} like node`, async function () {
        const r = await same(call);
        if (name === '()') expect(r.value.buffer.length).to.equal('bytes:'.length + 2 * 16384);
      });
    }

    const bad = {
      'a number': (h) => h.read(5),
      'a string': (h) => h.read('x'),
      'offset -1': (h) => h.read(Buffer.alloc(3), -1),
      "offset 'x'": (h) => h.read(Buffer.alloc(3), 'x'),
      'offset 1.5': (h) => h.read(Buffer.alloc(3), 1.5),
      'length too big': (h) => h.read(Buffer.alloc(3), 0, 5),
      'offset + length too big': (h) => h.read(Buffer.alloc(3), 2, 2),
      'options.buffer a string': (h) => h.read({ buffer: 'abc' }),
      'empty buffer, length 1': (h) => h.read(Buffer.alloc(0), 0, 1),
    };
    if (NODE_MAJOR >= 22) {
      bad["position 'x'"] = (h) => h.read(Buffer.alloc(3), 0, 1, 'x');
      bad['position -2'] = (h) => h.read(Buffer.alloc(3), 0, 1, -2);
    }
    for (const [name, call] of Object.entries(bad)) {
      it(`read with ${name} rejects like node`, async function () {
        const r = await same(call);
        expect(r.error, JSON.stringify(r)).to.be.an('object');
      });
    }
  });

  describe('write', function () {
    const forms = {
      '(buffer)': (h) => h.write(Buffer.from('WXYZ')),
      '(buffer, offset, length, position)': (h) => h.write(Buffer.from('WXYZ'), 1, 2, 5),
      '(buffer, offset)': (h) => h.write(Buffer.from('WXYZ'), 2),
      '(buffer, options)': (h) => h.write(Buffer.from('WXYZ'), { offset: 1, position: 3 }),
      '(buffer, null)': (h) => h.write(Buffer.from('WXYZ'), null),
      '(Float64Array)': (h) => h.write(new Float64Array([1.5, 2]), 0, 16, 0),
      '(string)': (h) => h.write('héllo'),
      '(string, position)': (h) => h.write('héllo', 4),
      '(string, position, encoding)': (h) => h.write('68656c6c6f', 2, 'hex'),
      '(string, null, base64)': (h) => h.write('aGVsbG8=', null, 'base64'),
      '(string, 0, latin1)': (h) => h.write('é', 0, 'latin1'),
      '(string, 0, unknown encoding)': (h) => h.write('é', 0, 'nope'),
      'empty buffer': (h) => h.write(Buffer.alloc(0)),
      'empty string': (h) => h.write(''),
      'past the end': (h) => h.write('far', 100),
      'in turn at the file position': async (h) => [await h.write('ab'), await h.write('cd')],
      'a number': (h) => h.write(5),
      'an object': (h) => h.write({}),
      'offset too big': (h) => h.write(Buffer.alloc(3), 4),
      'length too big': (h) => h.write(Buffer.alloc(3), 1, 3),
      'offset -1': (h) => h.write(Buffer.alloc(3), -1),
      'odd hex': (h) => h.write('abc', 0, 'hex'),
    };
    for (const [name, call] of Object.entries(forms)) {
      it(`write${name} like node`, async function () {
        await same(call);
      });
    }
    it('write on a read-only handle fails like node (EBADF, write)', async function () {
      const r = await same((h) => h.write('x'), 'r');
      expect(r.error).to.include({ code: 'EBADF', syscall: 'write' });
    });
  });

  describe('readv and writev', function () {
    const forms = {
      'readv([a, b])': (h) => h.readv([Buffer.alloc(3), Buffer.alloc(4)]),
      'readv([a, b], 5)': (h) => h.readv([Buffer.alloc(3), Buffer.alloc(4)], 5),
      'readv([])': (h) => h.readv([]),
      'readv(5)': (h) => h.readv(5),
      "readv(['x'])": (h) => h.readv(['x']),
      'writev([a, b])': (h) => h.writev([Buffer.from('AB'), Buffer.from('CDE')]),
      'writev([a, b], 3)': (h) => h.writev([Buffer.from('AB'), Buffer.from('CDE')], 3),
      'writev([])': (h) => h.writev([]),
      'writev(null)': (h) => h.writev(null),
    };
    for (const [name, call] of Object.entries(forms)) {
      it(`${name} like node`, async function () {
        await same(call);
      });
    }
  });

  describe('whole-file calls on a handle', function () {
    const forms = {
      'readFile()': (h) => h.readFile(),
      "readFile('utf8')": (h) => h.readFile('utf8'),
      "readFile({ encoding: 'base64' })": (h) => h.readFile({ encoding: 'base64' }),
      "readFile('buffer')": (h) => h.readFile('buffer'),
      "readFile('nope')": (h) => h.readFile('nope'),
      'readFile(5)': (h) => h.readFile(5),
      'readFile after a read': async (h) => [await h.read(Buffer.alloc(4)), await h.readFile()],
      'readFile with an aborted signal': (h) => h.readFile({ signal: AbortSignal.abort() }),
      "writeFile('text')": (h) => h.writeFile('text'),
      "writeFile('74657874', 'hex')": (h) => h.writeFile('74657874', 'hex'),
      'writeFile(Uint8Array)': (h) => h.writeFile(new Uint8Array([65, 66])),
      'writeFile(iterable)': (h) => h.writeFile(['a', Buffer.from('b'), 'c']),
      'writeFile(async iterable)': (h) =>
        h.writeFile(
          (async function* () {
            yield 'x';
            yield 'y';
          })(),
        ),
      'writeFile(Readable)': (h) => h.writeFile(Readable.from(['r1', 'r2'])),
      'writeFile(5)': (h) => h.writeFile(5),
      "appendFile('more')": (h) => h.appendFile('more'),
      'stat().size': async (h) => (await h.stat()).size,
      'stat().isFile()': async (h) => (await h.stat()).isFile(),
      'stat({ bigint: true }).size': async (h) => (await h.stat({ bigint: true })).size,
      'stat(5).size': async (h) => (await h.stat(5)).size,
      'truncate()': (h) => h.truncate(),
      'truncate(5)': (h) => h.truncate(5),
      'truncate(-3)': (h) => h.truncate(-3),
      "truncate('x')": (h) => h.truncate('x'),
      'sync()': (h) => h.sync(),
      'datasync()': (h) => h.datasync(),
      'chmod(0o600)': async (h) => [await h.chmod(0o600), (await h.stat()).mode & 0o777],
      "chmod('z')": (h) => h.chmod('z'),
      'chown(-1, -1)': (h) => h.chown(-1, -1),
      'utimes(1, 2)': async (h) => [await h.utimes(1, 2), (await h.stat()).mtimeMs],
    };
    for (const [name, call] of Object.entries(forms)) {
      it(`${name} like node`, async function () {
        await same(call);
      });
    }
    it('stat(null) rejects with ERR_INVALID_ARG_TYPE (node 26; earlier an uncoded TypeError)', async function () {
      const { mine } = await pair();
      const r = await outcome(() => mine.stat(null));
      expect(r.error).to.include({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    });

    it('stat() gives the fields of node:fs Stats', async function () {
      const { mine, a } = await pair();
      const theirs = await fsp.open(a);
      t.defer(() => theirs.close());
      const [x, y] = [await mine.stat(), await theirs.stat()];
      for (const k of ['dev', 'ino', 'mode', 'nlink', 'uid', 'gid', 'size', 'blocks', 'mtimeMs']) {
        expect(x[k], k).to.equal(y[k]);
      }
    });
  });

  describe('closing', function () {
    it('a closed handle: fd -1, close again resolves, every call rejects like node', async function () {
      const { mine, theirs } = await pair();
      const events = [0, 0];
      mine.on('close', () => events[0]++);
      theirs.on('close', () => events[1]++);
      await Promise.all([mine.close(), theirs.close()]);
      expect(mine.fd).to.equal(-1);
      expect(await outcome(() => mine.close())).to.deep.equal({ value: undefined });
      expect(events).to.deep.equal([1, 1]);
      const calls = [
        (h) => h.read(),
        (h) => h.read(Buffer.alloc(1), 0, 1, 0),
        (h) => h.readv([Buffer.alloc(1)]),
        (h) => h.write('x'),
        (h) => h.write(Buffer.from('x')),
        (h) => h.writev([Buffer.from('x')]),
        (h) => h.readFile(),
        (h) => h.writeFile('x'),
        (h) => h.appendFile('x'),
        (h) => h.stat(),
        (h) => h.truncate(),
        (h) => h.sync(),
        (h) => h.datasync(),
        (h) => h.chmod(0o600),
        (h) => h.chown(0, 0),
        (h) => h.utimes(1, 1),
        (h) => h.createReadStream(),
        (h) => h.readableWebStream(),
      ];
      for (const call of calls) {
        expect(await outcome(() => call(mine)), String(call)).to.deep.equal(
          await outcome(() => call(theirs)),
        );
      }
    });

    it('close() waits for a read in flight; the read completes', async function () {
      const fifo = makeFifo(t.dir);
      t.defer(() => fifo.release());
      const handles = [await ours.open(fifo.path, 'r+'), await fsp.open(fifo.path, 'r+')];
      const seen = [];
      for (const h of handles) {
        const fd = h.fd;
        let closed = false;
        const read = h.read(Buffer.alloc(3), 0, 3, null);
        const closing = h.close().then(() => (closed = true));
        // 'close' is emitted at once; the fd stays open for the read.
        await new Promise((r) => setTimeout(r, 20));
        const during = { fd: h.fd === fd, closed, open: fdIsOpen(fd) };
        fifo.feed('abc');
        const r = await read;
        await closing;
        seen.push({ during, read: plain(r), fd: h.fd, openAfter: fdIsOpen(fd) });
      }
      expect(seen[0]).to.deep.equal(seen[1]);
      expect(seen[0].read.bytesRead).to.equal(3);
      expect(seen[0].openAfter).to.equal(false);
    });

    it('a close its ring shuts down under closes the fd once', async function () {
      const ring = new Ring({ backend });
      const mine = await fsOn(ring).open(t.file('shutdown'), 'w+');
      const fd = mine.fd;
      // node:fs's close of this fd is held back: a second close would still find it open, and
      // in real life by then it may be the number of a file opened since.
      const closes = [];
      const realClose = fs.close;
      fs.close = (f, cb) => {
        if (f !== fd) return realClose(f, cb);
        closes.push(f);
        setTimeout(() => realClose(f, cb), 50);
      };
      let closed;
      try {
        const closing = outcome(() => mine.close());
        await ring.shutdown();
        closed = await closing;
      } finally {
        fs.close = realClose;
      }
      expect(closed).to.deep.equal({ value: undefined });
      expect(closes.length).to.be.at.most(1);
      expect(fdIsOpen(fd)).to.equal(false);
    });

    it('Symbol.asyncDispose closes', async function () {
      const { mine } = await pair();
      const fd = mine.fd;
      await mine[Symbol.asyncDispose]();
      expect(mine.fd).to.equal(-1);
      expect(fdIsOpen(fd)).to.equal(false);
    });

    it('a handle collected while open has its fd closed, with node’s warning', async function () {
      if (backend !== 'io_uring') this.skip(); // once is enough: the ring is not involved
      const script = `
        const { Ring } = require(${JSON.stringify(path.resolve('dist/api/index.js'))});
        const { fileHandleOf } = require(${JSON.stringify(path.resolve('dist/api/fs/file-handle.js'))});
        const fs = require('node:fs');
        const warnings = [];
        process.on('warning', (w) => warnings.push(w.message));
        const target = ${JSON.stringify(path.resolve('package.json'))};
        // The fd number may be reused at once: what counts is that no fd points to the file.
        const held = () =>
          fs.readdirSync('/proc/self/fd').some((n) => {
            try { return fs.readlinkSync('/proc/self/fd/' + n) === target; } catch { return false; }
          });
        (async () => {
          const ring = new Ring({ backend: '${backend}' });
          await (async () => { fileHandleOf(ring, await ring.open(target)); })();
          const before = held();
          for (let i = 0; i < 10 && held(); i++) {
            global.gc();
            await new Promise((r) => setTimeout(r, 10));
          }
          await new Promise((r) => setImmediate(r));
          console.log(JSON.stringify({ before, open: held(), warnings }));
          await ring.shutdown();
        })();`;
      const file = t.file('collect.js');
      fs.writeFileSync(file, script);
      const res = await runNode(['--expose-gc', file]);
      const out = JSON.parse(res.stdout.trim().split('\n').pop());
      expect(out.before).to.equal(true);
      expect(out.open, res.stdout + res.stderr).to.equal(false);
      expect(out.warnings.join('\n')).to.match(/Closing file descriptor \d+ on garbage collection/);
    });

    it('a handle closed before collection warns nothing', async function () {
      let warned = false;
      const onWarning = () => (warned = true);
      process.on('warning', onWarning);
      t.defer(() => process.off('warning', onWarning));
      await (async () => {
        const h = await ours.open(path.join(t.dir, 'x'), 'w');
        await h.close();
      })();
      await collectGarbage();
      expect(warned).to.equal(false);
    });
  });

  describe('streams and lines', function () {
    it('readLines() gives the lines node gives', async function () {
      const lines = async (h) => {
        const out = [];
        for await (const line of h.readLines()) out.push(line);
        return out;
      };
      await same(lines);
    });

    it('createReadStream() with start/end/encoding reads like node and closes the handle', async function () {
      const { mine, theirs } = await pair();
      const collect = async (h) => {
        const chunks = [];
        const s = h.createReadStream({ start: 3, end: 20, encoding: 'utf8', highWaterMark: 4 });
        for await (const c of s) chunks.push(c);
        return chunks.join('');
      };
      expect(await collect(mine)).to.equal(await collect(theirs));
      expect(mine.fd).to.equal(-1);
      expect(theirs.fd).to.equal(-1);
    });

    it('createWriteStream() writes like node', async function () {
      const { mine, theirs, a, b } = await pair('w');
      for (const h of [mine, theirs]) {
        await pipeline(
          Readable.from(['one ', 'two ', Buffer.from('three')]),
          h.createWriteStream(),
        );
      }
      expect(fs.readFileSync(a, 'utf8')).to.equal('one two three');
      expect(fs.readFileSync(b, 'utf8')).to.equal('one two three');
      expect(mine.fd).to.equal(-1);
    });

    it('a stream closes when its handle is closed', async function () {
      const { mine } = await pair();
      const s = mine.createReadStream({ autoClose: false });
      const closed = once(s, 'close');
      await mine.close();
      await closed;
    });

    it('readableWebStream() yields the file, locks the handle, like node', async function () {
      const text = async (h) => {
        const chunks = [];
        for await (const c of h.readableWebStream()) chunks.push(Buffer.from(c));
        let again;
        try {
          h.readableWebStream();
        } catch (err) {
          again = err.code;
        }
        return [Buffer.concat(chunks).toString(), again];
      };
      await same(text);
    });
  });
});
