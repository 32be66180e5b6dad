// destination() (sonic-boom compatible, for pino) and createWriteStream() on
// both backends: every byte exactly once and in order, rotation, flushSync
// against a write in flight, fsync batches, pipes.
import { expect } from 'chai';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pino from 'pino';

import { createWriteStream, destination } from '../index.mjs';
import { describeBackends, makeFifo } from './helpers.mjs';

function once(emitter, event) {
  return new Promise((resolve, reject) => {
    emitter.once(event, resolve);
    if (event !== 'error') emitter.once('error', reject);
  });
}

function jsonLines(file) {
  const text = fs.readFileSync(file, 'utf8');
  expect(text.endsWith('\n')).to.equal(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((l) => JSON.parse(l));
}

describeBackends('destination()', function (_backend, t) {
  for (const fsync of ['never', 'batch']) {
    it(`pino logs 100 000 lines through it (fsync: '${fsync}'): all there, valid, in order`, async function () {
      this.timeout(60000);
      const dest = destination({ dest: t.file('app.log'), ring: t.ring, fsync });
      const logger = pino(dest);
      for (let i = 0; i < 100000; i++) {
        logger.info({ i }, 'line');
        if (i % 5000 === 0) await new Promise((r) => setImmediate(r));
      }
      const closed = once(dest, 'close');
      dest.end();
      await closed;
      const lines = jsonLines(t.file('app.log'));
      expect(lines.length).to.equal(100000);
      lines.forEach((l, i) => {
        if (l.i !== i || l.msg !== 'line') throw new Error(`line ${i}: ${JSON.stringify(l)}`);
      });
    });
  }

  it('reopen() mid-run rotates the file with nothing lost or duplicated across the two', async function () {
    this.timeout(60000);
    const file = t.file('rot.log');
    const dest = destination({ dest: file, ring: t.ring });
    const logger = pino(dest);
    await once(dest, 'ready');
    for (let i = 0; i < 100000; i++) {
      logger.info({ i });
      if (i === 50000) {
        fs.renameSync(file, `${file}.1`);
        dest.reopen();
      }
      if (i % 2000 === 0) await new Promise((r) => setImmediate(r));
    }
    const closed = once(dest, 'close');
    dest.end();
    await closed;
    const first = jsonLines(`${file}.1`);
    const second = jsonLines(file);
    expect(first.length).to.be.greaterThan(0);
    expect(second.length).to.be.greaterThan(0);
    const all = first.concat(second).map((l) => l.i);
    expect(all.length).to.equal(100000);
    all.forEach((v, i) => {
      if (v !== i) throw new Error(`record ${i} is ${v}`);
    });
  });

  it('reopen(newPath) switches to another file', async function () {
    const dest = destination({ dest: t.file('a.log'), ring: t.ring });
    await once(dest, 'ready');
    dest.write('one\n');
    dest.reopen(t.file('b.log'));
    await once(dest, 'ready');
    dest.write('two\n');
    const closed = once(dest, 'close');
    dest.end();
    await closed;
    expect(
      fs.readFileSync(t.file('a.log'), 'utf8') + fs.readFileSync(t.file('b.log'), 'utf8'),
    ).to.equal('one\ntwo\n');
  });

  it('flushSync() with a ring write in flight: every byte once, in order', async function () {
    const dest = destination({ dest: t.file('sync.log'), ring: t.ring });
    await once(dest, 'ready');
    const expected = [];
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 200; i++) {
        const line = `r${round}-${i}-${'x'.repeat(i % 40)}\n`;
        expected.push(line);
        dest.write(line);
      }
      // Let the ring write start, then queue more and flush synchronously.
      await Promise.resolve();
      const line = `sync-${round}\n`;
      expected.push(line);
      dest.write(line);
      dest.flushSync();
      expect(fs.readFileSync(t.file('sync.log'), 'utf8')).to.equal(expected.join(''));
    }
    const closed = once(dest, 'close');
    dest.end();
    await closed;
    expect(fs.readFileSync(t.file('sync.log'), 'utf8')).to.equal(expected.join(''));
  });

  it('flush(cb) writes what is buffered even below minLength; end() emits finish then close', async function () {
    const dest = destination({ dest: t.file('min.log'), ring: t.ring, minLength: 4096 });
    await once(dest, 'ready');
    dest.write('short line\n');
    await new Promise((r) => setTimeout(r, 20));
    expect(fs.readFileSync(t.file('min.log'), 'utf8')).to.equal('');
    const err = await new Promise((resolve) => dest.flush(resolve));
    expect(err).to.equal(undefined);
    expect(fs.readFileSync(t.file('min.log'), 'utf8')).to.equal('short line\n');
    const events = [];
    dest.on('finish', () => events.push('finish'));
    const closed = once(dest, 'close');
    dest.write('tail\n');
    dest.end();
    await closed;
    events.push('close');
    expect(events).to.deep.equal(['finish', 'close']);
    expect(fs.readFileSync(t.file('min.log'), 'utf8')).to.equal('short line\ntail\n');
  });

  it('write() returns false above the high-water mark and drain follows', async function () {
    const dest = destination({ dest: t.file('hwm.log'), ring: t.ring, highWaterMark: 1000 });
    await once(dest, 'ready');
    let ok = true;
    for (let i = 0; i < 50 && ok; i++) ok = dest.write('y'.repeat(99) + '\n');
    expect(ok).to.equal(false);
    await once(dest, 'drain');
    const closed = once(dest, 'close');
    dest.end();
    await closed;
    expect(fs.statSync(t.file('hwm.log')).size).to.equal(1000);
  });

  it('appends to an existing file by default and truncates with append: false', async function () {
    fs.writeFileSync(t.file('keep.log'), 'old\n');
    let dest = destination({ dest: t.file('keep.log'), ring: t.ring });
    dest.write('new\n');
    dest.end();
    await once(dest, 'close');
    expect(fs.readFileSync(t.file('keep.log'), 'utf8')).to.equal('old\nnew\n');
    dest = destination({ dest: t.file('keep.log'), ring: t.ring, append: false });
    dest.write('only\n');
    dest.end();
    await once(dest, 'close');
    expect(fs.readFileSync(t.file('keep.log'), 'utf8')).to.equal('only\n');
  });

  it('mkdir: true creates the directory; a missing directory otherwise is an error event', async function () {
    const bad = destination({ dest: t.file('no/such/dir.log'), ring: t.ring });
    const err = await once(bad, 'error');
    expect(err.code).to.equal('ENOENT');
    const dest = destination({ dest: t.file('made/here/x.log'), ring: t.ring, mkdir: true });
    dest.write('x\n');
    dest.end();
    await once(dest, 'close');
    expect(fs.readFileSync(t.file('made/here/x.log'), 'utf8')).to.equal('x\n');
  });

  it('writes through a descriptor (plain and O_APPEND) and keeps its offset', async function () {
    fs.writeFileSync(t.file('fd.log'), 'head\n');
    for (const flags of ['r+', 'a']) {
      const fd = fs.openSync(t.file('fd.log'), flags);
      if (flags === 'r+') fs.readSync(fd, Buffer.alloc(5), 0, 5, null); // offset 5
      const dest = destination({ dest: fd, ring: t.ring });
      await once(dest, 'ready');
      dest.write(`${flags}-1\n`);
      dest.write(Buffer.from(`${flags}-2\n`));
      dest.flushSync();
      dest.write(`${flags}-3\n`);
      dest.end();
      await once(dest, 'close');
    }
    expect(fs.readFileSync(t.file('fd.log'), 'utf8')).to.equal(
      'head\nr+-1\nr+-2\nr+-3\na-1\na-2\na-3\n',
    );
  });

  it('a pipe gets every byte in order (partial writes are continued)', async function () {
    this.timeout(30000);
    const fifo = makeFifo(t.dir);
    t.defer(() => fifo.release());
    const total = 2 * 1024 * 1024;
    const reader = fs.openSync(fifo.path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    t.defer(() => fs.closeSync(reader));
    const dest = destination({ dest: fifo.path, ring: t.ring, maxWrite: 512 * 1024 });
    await once(dest, 'ready');
    const pattern = Buffer.alloc(total);
    for (let i = 0; i < total; i++) pattern[i] = (i * 7 + (i >> 10)) & 0xff;
    for (let at = 0; at < total; at += 4096) dest.write(pattern.subarray(at, at + 4096));
    const got = Buffer.alloc(total);
    let have = 0;
    while (have < total) {
      try {
        have += fs.readSync(reader, got, have, total - have, null);
      } catch (err) {
        if (err.code !== 'EAGAIN') throw err;
        await new Promise((r) => setTimeout(r, 1));
      }
    }
    expect(got.equals(pattern)).to.equal(true);
    dest.destroy();
  });
});

describeBackends('createWriteStream()', function (_backend, t) {
  it('writes strings in the encoding they were written with, and in the default encoding', async function () {
    const out = createWriteStream(t.file('enc.log'), { ring: t.ring });
    const writes = [
      ['616263', 'hex'],
      ['ZGVm', 'base64'],
      ['é€', 'latin1'],
      ['ü€', 'utf16le'],
      ['ghï', 'utf8'],
      ['jk€', undefined],
    ];
    for (const [text, encoding] of writes) out.write(text, encoding);
    out.setDefaultEncoding('latin1');
    out.write('ÿ');
    out.end();
    await once(out, 'close');
    const expected = Buffer.concat([
      ...writes.map(([text, encoding]) => Buffer.from(text, encoding ?? 'utf8')),
      Buffer.from('ÿ', 'latin1'),
    ]);
    expect(fs.readFileSync(t.file('enc.log'))).to.deep.equal(expected);
  });

  it('works with stream.pipeline: every chunk in order, finish and close', async function () {
    this.timeout(30000);
    const chunks = Array.from({ length: 20000 }, (_, i) => `chunk ${i} ${'#'.repeat(i % 100)}\n`);
    const out = createWriteStream(t.file('piped.log'), { ring: t.ring });
    await pipeline(Readable.from(chunks), out);
    expect(out.writableFinished).to.equal(true);
    expect(fs.readFileSync(t.file('piped.log'), 'utf8')).to.equal(chunks.join(''));
  });

  it('fsync: batch through pipeline, and destroy() on an error in the source', async function () {
    const out = createWriteStream(t.file('err.log'), { ring: t.ring, fsync: 'batch' });
    async function* source() {
      yield 'first\n';
      throw new Error('source broke');
    }
    const err = await pipeline(source(), out).catch((e) => e);
    expect(err.message).to.equal('source broke');
    await new Promise((r) => (out.closed ? r() : out.once('close', r)));
    expect(out.destroyed).to.equal(true);
  });
});
