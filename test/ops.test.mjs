// Contract tests for every single op, once per backend, checked against node:fs.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

import { Stats } from '../index.mjs';
import {
  describeBackends,
  rejectionOf,
  expectErrnoError,
  closedFd,
  makeFifo,
  IS_LINUX,
} from './helpers.mjs';

const { O_RDWR, O_WRONLY, O_CREAT, O_TRUNC, O_EXCL } = fs.constants;

/** Runs fn with the process umask set to `mask`, restoring it afterwards. */
async function withUmask(mask, fn) {
  const old = process.umask(mask);
  try {
    return await fn();
  } finally {
    process.umask(old);
  }
}

describeBackends('ops', (backend, t) => {
  it(`ring.backend is '${backend}'`, function () {
    expect(t.ring.backend).to.equal(backend);
    expect(t.ring.stats().backend).to.equal(backend);
  });

  describe('open', function () {
    it("'r' opens an existing file read-only: reads work, writes fail with EBADF", async function () {
      const p = t.file('r.txt');
      fs.writeFileSync(p, 'hello');
      const fd = await t.ring.open(p, 'r');
      t.defer(() => fs.closeSync(fd));
      expect(fd).to.be.a('number').and.to.be.at.least(0);
      expect(fs.readFileSync(fd, 'utf8')).to.equal('hello');
      const err = await rejectionOf(() => t.ring.write(fd, Buffer.from('x'), 0, 1, 0));
      expectErrnoError(err, { code: 'EBADF', syscall: 'write' });
    });

    it("flags default to 'r'", async function () {
      const p = t.file('default.txt');
      fs.writeFileSync(p, 'abc');
      const fd = await t.ring.open(p);
      t.defer(() => fs.closeSync(fd));
      expect(fs.readFileSync(fd, 'utf8')).to.equal('abc');
      expect(() => fs.writeSync(fd, 'x'))
        .to.throw()
        .with.property('code', 'EBADF');
    });

    it("'w' creates a missing file and truncates an existing one", async function () {
      const created = t.file('new.txt');
      const fd1 = await t.ring.open(created, 'w');
      fs.closeSync(fd1);
      expect(fs.statSync(created).isFile()).to.equal(true);

      const existing = t.file('existing.txt');
      fs.writeFileSync(existing, 'old content');
      const fd2 = await t.ring.open(existing, 'w');
      t.defer(() => fs.closeSync(fd2));
      expect(fs.statSync(existing).size).to.equal(0);
      expect(() => fs.readSync(fd2, Buffer.alloc(1)))
        .to.throw()
        .with.property('code', 'EBADF');
    });

    it("'r+' opens read-write without truncating; it does not create", async function () {
      const p = t.file('rplus.txt');
      fs.writeFileSync(p, 'abcdef');
      const fd = await t.ring.open(p, 'r+');
      t.defer(() => fs.closeSync(fd));
      fs.writeSync(fd, 'XY', 2);
      expect(fs.readFileSync(p, 'utf8')).to.equal('abXYef');

      const missing = t.file('missing-rplus.txt');
      const err = await rejectionOf(() => t.ring.open(missing, 'r+'));
      expectErrnoError(err, { code: 'ENOENT', syscall: 'open', path: missing });
    });

    it("'w+' creates, truncates and is readable and writable", async function () {
      const p = t.file('wplus.txt');
      fs.writeFileSync(p, 'previous');
      const fd = await t.ring.open(p, 'w+');
      t.defer(() => fs.closeSync(fd));
      fs.writeSync(fd, 'new', 0);
      const buf = Buffer.alloc(10);
      expect(fs.readSync(fd, buf, 0, 10, 0)).to.equal(3);
      expect(buf.toString('utf8', 0, 3)).to.equal('new');
    });

    it("'wx' and 'ax' fail with EEXIST on an existing file and create a missing one", async function () {
      for (const flags of ['wx', 'ax']) {
        const p = t.file(`excl-${flags}.txt`);
        fs.writeFileSync(p, 'keep');
        const err = await rejectionOf(() => t.ring.open(p, flags));
        expectErrnoError(err, { code: 'EEXIST', syscall: 'open', path: p });
        expect(fs.readFileSync(p, 'utf8')).to.equal('keep');

        const fresh = t.file(`fresh-${flags}.txt`);
        const fd = await t.ring.open(fresh, flags);
        fs.closeSync(fd);
        expect(fs.existsSync(fresh)).to.equal(true);
      }
    });

    it("'a' and 'a+' append: writes at the current position land at the end", async function () {
      for (const flags of ['a', 'a+']) {
        const p = t.file(`append-${flags}.txt`);
        fs.writeFileSync(p, 'start-');
        const fd = await t.ring.open(p, flags);
        try {
          expect(await t.ring.write(fd, Buffer.from('one-'), 0, 4, null)).to.equal(4);
          expect(await t.ring.write(fd, Buffer.from('two'), 0, 3, null)).to.equal(3);
        } finally {
          fs.closeSync(fd);
        }
        expect(fs.readFileSync(p, 'utf8')).to.equal('start-one-two');
      }
    });

    it('accepts numeric flags (O_WRONLY | O_CREAT | O_TRUNC, O_RDWR | O_CREAT | O_EXCL)', async function () {
      const p = t.file('numeric.txt');
      fs.writeFileSync(p, 'to be truncated');
      const fd = await t.ring.open(p, O_WRONLY | O_CREAT | O_TRUNC);
      fs.closeSync(fd);
      expect(fs.statSync(p).size).to.equal(0);

      const q = t.file('numeric-excl.txt');
      const fd2 = await t.ring.open(q, O_RDWR | O_CREAT | O_EXCL, 0o600);
      fs.closeSync(fd2);
      expect(fs.existsSync(q)).to.equal(true);
      const err = await rejectionOf(() => t.ring.open(q, O_RDWR | O_CREAT | O_EXCL, 0o600));
      expectErrnoError(err, { code: 'EEXIST', syscall: 'open', path: q });
    });

    it('honours mode, masked by the process umask', async function () {
      await withUmask(0o027, async () => {
        const a = t.file('mode-666.txt');
        fs.closeSync(await t.ring.open(a, 'w', 0o666));
        expect(fs.statSync(a).mode & 0o777).to.equal(0o640);

        const b = t.file('mode-600.txt');
        fs.closeSync(await t.ring.open(b, 'wx', 0o600));
        expect(fs.statSync(b).mode & 0o777).to.equal(0o600);

        const c = t.file('mode-default.txt');
        fs.closeSync(await t.ring.open(c, 'w'));
        expect(fs.statSync(c).mode & 0o777, 'default mode 0o666 & ~umask').to.equal(0o640);
      });
    });

    it('rejects a missing file with ENOENT (code, errno, syscall, path, message)', async function () {
      const p = t.file('does-not-exist.txt');
      const err = await rejectionOf(() => t.ring.open(p, 'r'));
      expectErrnoError(err, { code: 'ENOENT', syscall: 'open', path: p });
      expect(err.errno).to.equal(-2);
      expect(err.message).to.equal(`ENOENT: no such file or directory, open '${p}'`);
    });

    it('a directory opens read-only, and reading it fails with EISDIR', async function () {
      const fd = await t.ring.open(t.dir, 'r');
      t.defer(() => fs.closeSync(fd));
      expect(fs.fstatSync(fd).isDirectory()).to.equal(true);
      const err = await rejectionOf(() => t.ring.read(fd, Buffer.alloc(8), 0, 8, 0));
      expectErrnoError(err, { code: 'EISDIR', syscall: 'read' });
    });
  });

  describe('close', function () {
    it('closes the fd', async function () {
      const fd = fs.openSync(t.file('c.txt'), 'w');
      expect(await t.ring.close(fd)).to.equal(undefined);
      expect(() => fs.fstatSync(fd))
        .to.throw()
        .with.property('code', 'EBADF');
    });

    it('closing an fd twice fails with EBADF', async function () {
      const fd = fs.openSync(t.file('c2.txt'), 'w');
      await t.ring.close(fd);
      const err = await rejectionOf(() => t.ring.close(fd));
      expectErrnoError(err, { code: 'EBADF', syscall: 'close' });
    });
  });

  describe('read / write', function () {
    it('write honours offset, length and position (holes read back as zeros)', async function () {
      const p = t.file('w.bin');
      const fd = fs.openSync(p, 'w+');
      t.defer(() => fs.closeSync(fd));
      const src = Buffer.from('XXhelloXX');
      expect(await t.ring.write(fd, src, 2, 5, 3)).to.equal(5);
      expect(fs.readFileSync(p)).to.deep.equal(Buffer.from('\0\0\0hello'));
    });

    it('read honours offset, length and position and leaves the rest of the buffer alone', async function () {
      const p = t.file('r.bin');
      fs.writeFileSync(p, 'abcdefgh');
      const fd = fs.openSync(p, 'r');
      t.defer(() => fs.closeSync(fd));
      const buf = Buffer.alloc(10, '.');
      expect(await t.ring.read(fd, buf, 2, 4, 1)).to.equal(4);
      expect(buf.toString('latin1')).to.equal('..bcde....');
    });

    it('defaults: offset 0, length = rest of the buffer, position = current file position', async function () {
      const p = t.file('defaults.bin');
      const fd = fs.openSync(p, 'w+');
      t.defer(() => fs.closeSync(fd));
      expect(await t.ring.write(fd, Buffer.from('abc'))).to.equal(3);
      expect(await t.ring.write(fd, Buffer.from('def'))).to.equal(3);
      expect(fs.readFileSync(p, 'utf8')).to.equal('abcdef');

      const rfd = fs.openSync(p, 'r');
      t.defer(() => fs.closeSync(rfd));
      const a = Buffer.alloc(4);
      expect(await t.ring.read(rfd, a)).to.equal(4);
      expect(a.toString()).to.equal('abcd');
      const b = Buffer.alloc(4, '-');
      expect(await t.ring.read(rfd, b, 1)).to.equal(2);
      expect(b.toString()).to.equal('-ef-');
    });

    it('position null and -1 use and advance the file position; a positioned op does not move it', async function () {
      const p = t.file('pos.bin');
      const fd = fs.openSync(p, 'w+');
      t.defer(() => fs.closeSync(fd));
      await t.ring.write(fd, Buffer.from('0123'), 0, 4, null);
      await t.ring.write(fd, Buffer.from('4567'), 0, 4, -1);
      await t.ring.write(fd, Buffer.from('ZZ'), 0, 2, 0); // positioned: file position stays at 8
      await t.ring.write(fd, Buffer.from('89'), 0, 2, null);
      expect(fs.readFileSync(p, 'utf8')).to.equal('ZZ23456789');

      const rfd = fs.openSync(p, 'r');
      t.defer(() => fs.closeSync(rfd));
      const buf = Buffer.alloc(3);
      expect(await t.ring.read(rfd, buf, 0, 3, 5)).to.equal(3); // positioned
      expect(buf.toString()).to.equal('567');
      expect(await t.ring.read(rfd, buf, 0, 3, null)).to.equal(3); // still from position 0
      expect(buf.toString()).to.equal('ZZ2');
      expect(await t.ring.read(rfd, buf, 0, 3, -1)).to.equal(3);
      expect(buf.toString()).to.equal('345');
    });

    it('reading at EOF returns 0 (explicit position and file position)', async function () {
      const p = t.file('eof.bin');
      fs.writeFileSync(p, 'abc');
      const fd = fs.openSync(p, 'r');
      t.defer(() => fs.closeSync(fd));
      const buf = Buffer.alloc(8);
      expect(await t.ring.read(fd, buf, 0, 8, 3)).to.equal(0);
      expect(await t.ring.read(fd, buf, 0, 8, 1000)).to.equal(0);
      expect(await t.ring.read(fd, buf, 0, 8, null)).to.equal(3);
      expect(await t.ring.read(fd, buf, 0, 8, null)).to.equal(0);
    });

    it('a read asking for more than the file holds returns the bytes available', async function () {
      const p = t.file('short.bin');
      fs.writeFileSync(p, '12345678');
      const fd = fs.openSync(p, 'r');
      t.defer(() => fs.closeSync(fd));
      const buf = Buffer.alloc(100);
      expect(await t.ring.read(fd, buf, 0, 100, 0)).to.equal(8);
      expect(buf.subarray(0, 8).toString()).to.equal('12345678');
    });

    it('zero-length read and write resolve with 0 and change nothing', async function () {
      const p = t.file('zero.bin');
      fs.writeFileSync(p, 'abc');
      const fd = fs.openSync(p, 'r+');
      t.defer(() => fs.closeSync(fd));
      expect(await t.ring.write(fd, Buffer.from('xyz'), 0, 0, 0)).to.equal(0);
      expect(await t.ring.read(fd, Buffer.alloc(3), 0, 0, 0)).to.equal(0);
      expect(fs.readFileSync(p, 'utf8')).to.equal('abc');
    });

    it('accepts any ArrayBufferView (Uint16Array, Float64Array, DataView, subarray views)', async function () {
      const p = t.file('views.bin');
      const fd = fs.openSync(p, 'w+');
      t.defer(() => fs.closeSync(fd));

      const u16 = new Uint16Array([0x4241, 0x4443]); // "ABCD" little-endian
      expect(await t.ring.write(fd, u16, 0, 4, 0)).to.equal(4);
      const f64 = new Float64Array([Math.PI]);
      expect(await t.ring.write(fd, f64, 0, 8, 4)).to.equal(8);
      // a view at a non-zero byteOffset into a larger buffer
      const big = Buffer.from('____WXYZ____');
      const view = new Uint8Array(big.buffer, big.byteOffset + 4, 4);
      expect(await t.ring.write(fd, view, 0, 4, 12)).to.equal(4);

      const expected = Buffer.concat([
        Buffer.from('ABCD'),
        Buffer.from(f64.buffer),
        Buffer.from('WXYZ'),
      ]);
      expect(fs.readFileSync(p)).to.deep.equal(expected);

      const dv = new DataView(new ArrayBuffer(16), 4, 8);
      expect(await t.ring.read(fd, dv, 0, 8, 4)).to.equal(8);
      expect(dv.getFloat64(0, true)).to.equal(Math.PI);
      expect(new Uint8Array(dv.buffer, 0, 4)).to.deep.equal(
        new Uint8Array(4),
        'bytes before the view untouched',
      );

      const backing = new Uint8Array(12).fill(0x2e);
      const sub = backing.subarray(4, 8);
      expect(await t.ring.read(fd, sub, 0, 4, 12)).to.equal(4);
      expect(Buffer.from(backing).toString('latin1')).to.equal('....WXYZ....');
    });

    it('a 1 MiB write and read round-trip byte for byte, as node:fs sees it', async function () {
      const p = t.file('big.bin');
      const fd = fs.openSync(p, 'w+');
      t.defer(() => fs.closeSync(fd));
      const data = randomBytes(1 << 20);
      expect(await t.ring.write(fd, data, 0, data.length, 0)).to.equal(data.length);
      expect(fs.readFileSync(p).equals(data)).to.equal(true);
      const back = Buffer.alloc(data.length);
      expect(await t.ring.read(fd, back, 0, back.length, 0)).to.equal(data.length);
      expect(back.equals(data)).to.equal(true);
    });

    it('200 concurrent positioned writes then reads all land where they should', async function () {
      const p = t.file('concurrent.bin');
      const fd = fs.openSync(p, 'w+');
      t.defer(() => fs.closeSync(fd));
      const rec = (i) => Buffer.from(`record-${String(i).padStart(8, '0')}|`); // 16 bytes
      const writes = [];
      for (let i = 0; i < 200; i++) writes.push(t.ring.write(fd, rec(i), 0, 16, i * 16));
      expect(await Promise.all(writes)).to.deep.equal(new Array(200).fill(16));

      const expected = Buffer.concat(Array.from({ length: 200 }, (_, i) => rec(i)));
      expect(fs.readFileSync(p).equals(expected)).to.equal(true);

      const bufs = Array.from({ length: 200 }, () => Buffer.alloc(16));
      const reads = bufs.map((b, i) => t.ring.read(fd, b, 0, 16, i * 16));
      expect(await Promise.all(reads)).to.deep.equal(new Array(200).fill(16));
      bufs.forEach((b, i) => expect(b.toString()).to.equal(rec(i).toString()));
    });

    it('write to a read-only fd and read from a write-only fd fail with EBADF', async function () {
      const p = t.file('modes.bin');
      fs.writeFileSync(p, 'data');
      const ro = fs.openSync(p, 'r');
      const wo = fs.openSync(p, 'a');
      t.defer(() => (fs.closeSync(ro), fs.closeSync(wo)));
      expectErrnoError(await rejectionOf(() => t.ring.write(ro, Buffer.from('x'))), {
        code: 'EBADF',
        syscall: 'write',
      });
      expectErrnoError(await rejectionOf(() => t.ring.read(wo, Buffer.alloc(1))), {
        code: 'EBADF',
        syscall: 'read',
      });
    });
  });

  describe('readv / writev', function () {
    it('writev writes the buffers in order at a position', async function () {
      const p = t.file('wv.bin');
      const fd = fs.openSync(p, 'w+');
      t.defer(() => fs.closeSync(fd));
      const n = await t.ring.writev(
        fd,
        [Buffer.from('ab'), new Uint8Array([0x63, 0x64]), Buffer.from('efg')],
        2,
      );
      expect(n).to.equal(7);
      expect(fs.readFileSync(p)).to.deep.equal(Buffer.from('\0\0abcdefg'));
    });

    it('writev with position null appends at the file position', async function () {
      const p = t.file('wv2.bin');
      const fd = fs.openSync(p, 'w+');
      t.defer(() => fs.closeSync(fd));
      expect(await t.ring.writev(fd, [Buffer.from('12'), Buffer.from('34')])).to.equal(4);
      expect(await t.ring.writev(fd, [Buffer.from('56')], null)).to.equal(2);
      expect(fs.readFileSync(p, 'utf8')).to.equal('123456');
    });

    it('write and writev with dsync: true write as without it (and in a chain)', async function () {
      const p = t.file('dsync.bin');
      const fd = fs.openSync(p, 'w+');
      t.defer(() => fs.closeSync(fd));
      expect(await t.ring.write(fd, Buffer.from('ab'), { dsync: true })).to.equal(2);
      expect(await t.ring.writev(fd, [Buffer.from('cd')], 2, { dsync: true })).to.equal(2);
      expect(await t.ring.write(fd, Buffer.from('ef'), 0, 2, 4, { dsync: false })).to.equal(2);
      const results = await t.ring
        .chain()
        .write(fd, Buffer.from('gh'), 0, 2, 6, { dsync: true })
        .writev(fd, [Buffer.from('ij')], 8, { dsync: true })
        .run();
      expect(results).to.deep.equal([2, 2]);
      expect(fs.readFileSync(p, 'utf8')).to.equal('abcdefghij');
    });

    it('readv scatters into the buffers in order and reports a short total at EOF', async function () {
      const p = t.file('rv.bin');
      fs.writeFileSync(p, 'abcdefghij');
      const fd = fs.openSync(p, 'r');
      t.defer(() => fs.closeSync(fd));
      const a = Buffer.alloc(3);
      const b = Buffer.alloc(2);
      const c = Buffer.alloc(5, '.');
      expect(await t.ring.readv(fd, [a, b, c], 1)).to.equal(9);
      expect([a.toString(), b.toString(), c.toString()]).to.deep.equal(['bcd', 'ef', 'ghij.']);
    });

    it('readv with position null reads from the file position and advances it', async function () {
      const p = t.file('rv2.bin');
      fs.writeFileSync(p, 'abcdef');
      const fd = fs.openSync(p, 'r');
      t.defer(() => fs.closeSync(fd));
      const a = Buffer.alloc(2);
      const b = Buffer.alloc(2);
      expect(await t.ring.readv(fd, [a])).to.equal(2);
      expect(await t.ring.readv(fd, [b], null)).to.equal(2);
      expect(a.toString() + b.toString()).to.equal('abcd');
      expect(await t.ring.readv(fd, [Buffer.alloc(10)], null)).to.equal(2);
      expect(await t.ring.readv(fd, [Buffer.alloc(10)], null)).to.equal(0);
    });
  });

  describe('fsync / fdatasync', function () {
    for (const op of ['fsync', 'fdatasync']) {
      it(`${op} resolves undefined on a written fd, and the data is in the file`, async function () {
        const p = t.file(`${op}.bin`);
        const fd = fs.openSync(p, 'w');
        t.defer(() => fs.closeSync(fd));
        await t.ring.write(fd, Buffer.from('durable'), 0, 7, 0);
        expect(await t.ring[op](fd)).to.equal(undefined);
        expect(fs.readFileSync(p, 'utf8')).to.equal('durable');
      });

      it(`${op} on a closed fd fails with EBADF`, async function () {
        const fd = closedFd(t.dir);
        expectErrnoError(await rejectionOf(() => t.ring[op](fd)), { code: 'EBADF', syscall: op });
      });
    }
  });

  describe('fallocate', function () {
    it('grows the file to offset + length and keeps existing content', async function () {
      const p = t.file('fa.bin');
      fs.writeFileSync(p, 'hello');
      const fd = fs.openSync(p, 'r+');
      t.defer(() => fs.closeSync(fd));
      expect(await t.ring.fallocate(fd, 0, 65536)).to.equal(undefined);
      expect(fs.fstatSync(fd).size).to.equal(65536);
      expect(await t.ring.fallocate(fd, 100000, 50)).to.equal(undefined);
      expect(fs.fstatSync(fd).size).to.equal(100050);
      const head = Buffer.alloc(5);
      fs.readSync(fd, head, 0, 5, 0);
      expect(head.toString()).to.equal('hello');
    });

    it('never shrinks the file', async function () {
      const p = t.file('fa2.bin');
      fs.writeFileSync(p, 'abcdefghij');
      const fd = fs.openSync(p, 'r+');
      t.defer(() => fs.closeSync(fd));
      await t.ring.fallocate(fd, 0, 3);
      expect(fs.readFileSync(p, 'utf8')).to.equal('abcdefghij');
    });

    it('on a read-only fd fails with EBADF (the fs emulation may report EINVAL)', async function () {
      const p = t.file('fa3.bin');
      fs.writeFileSync(p, 'x');
      const fd = fs.openSync(p, 'r');
      t.defer(() => fs.closeSync(fd));
      const err = await rejectionOf(() => t.ring.fallocate(fd, 0, 4096));
      // fallocate(2) says EBADF; node:fs has no fallocate, so the fs backend emulates it (ftruncate -> EINVAL)
      expect(backend === 'io_uring' ? ['EBADF'] : ['EBADF', 'EINVAL']).to.include(err.code);
      expectErrnoError(err, { code: err.code, syscall: 'fallocate' });
      expect(fs.statSync(p).size).to.equal(1);
    });
  });

  describe('ftruncate', function () {
    it('shrinks, grows with zeros, and defaults to length 0', async function () {
      const p = t.file('ft.bin');
      fs.writeFileSync(p, 'hello world');
      const fd = fs.openSync(p, 'r+');
      t.defer(() => fs.closeSync(fd));
      expect(await t.ring.ftruncate(fd, 5)).to.equal(undefined);
      expect(fs.readFileSync(p, 'utf8')).to.equal('hello');
      await t.ring.ftruncate(fd, 8);
      expect(fs.readFileSync(p)).to.deep.equal(Buffer.from('hello\0\0\0'));
      await t.ring.ftruncate(fd);
      expect(fs.statSync(p).size).to.equal(0);
    });

    it('on a read-only fd fails with an errno error (EINVAL or EBADF)', async function () {
      const p = t.file('ft2.bin');
      fs.writeFileSync(p, 'x');
      const fd = fs.openSync(p, 'r');
      t.defer(() => fs.closeSync(fd));
      const err = await rejectionOf(() => t.ring.ftruncate(fd, 0));
      // ftruncate(2) on an fd not open for writing: EBADF or EINVAL depending on the path taken
      expect(['EINVAL', 'EBADF']).to.include(err.code);
      expectErrnoError(err, { code: err.code, syscall: 'ftruncate' });
      expect(fs.readFileSync(p, 'utf8')).to.equal('x');
    });
  });

  describe('stat', function () {
    const NUMERIC_FIELDS = [
      'dev',
      'ino',
      'mode',
      'nlink',
      'uid',
      'gid',
      'rdev',
      'size',
      'blksize',
      'blocks',
    ];

    function expectSameAsNode(st, ref) {
      for (const k of NUMERIC_FIELDS) expect(st[k], k).to.be.a('number').and.to.equal(ref[k]);
      for (const k of ['mtimeMs', 'ctimeMs', 'atimeMs']) expect(st[k], k).to.be.closeTo(ref[k], 1);
      expect(st.mtime).to.be.instanceOf(Date);
      expect(st.atime).to.be.instanceOf(Date);
      expect(st.ctime).to.be.instanceOf(Date);
      expect(st.birthtime).to.be.instanceOf(Date);
      expect(st.birthtimeMs).to.be.a('number');
      expect(st.mtime.getTime()).to.be.closeTo(st.mtimeMs, 1);
      expect(st.ctime.getTime()).to.be.closeTo(st.ctimeMs, 1);
      for (const m of [
        'isFile',
        'isDirectory',
        'isSymbolicLink',
        'isFIFO',
        'isSocket',
        'isBlockDevice',
        'isCharacterDevice',
      ]) {
        expect(st[m](), m).to.equal(ref[m]());
      }
    }

    it('stat(path) of a file matches fs.statSync', async function () {
      const p = t.file('s.txt');
      fs.writeFileSync(p, 'x'.repeat(12345));
      fs.utimesSync(p, new Date('2020-01-02T03:04:05.678Z'), new Date('2021-02-03T04:05:06.789Z'));
      const st = await t.ring.stat(p);
      expect(st).to.be.instanceOf(Stats);
      expect(st.size).to.equal(12345);
      expect(st.isFile()).to.equal(true);
      expect(st.isDirectory()).to.equal(false);
      expect(st.mtimeMs).to.be.closeTo(Date.parse('2021-02-03T04:05:06.789Z'), 1);
      expectSameAsNode(st, fs.statSync(p));
    });

    it('stat(fd) matches fs.fstatSync and sees a size change made through the fd', async function () {
      const p = t.file('sfd.txt');
      const fd = fs.openSync(p, 'w');
      t.defer(() => fs.closeSync(fd));
      fs.writeSync(fd, 'abcdefg');
      const st = await t.ring.stat(fd);
      expect(st.size).to.equal(7);
      expect(st.isFile()).to.equal(true);
      expectSameAsNode(st, fs.fstatSync(fd));
    });

    it('stat of a directory', async function () {
      const st = await t.ring.stat(t.dir);
      expect(st.isDirectory()).to.equal(true);
      expect(st.isFile()).to.equal(false);
      expectSameAsNode(st, fs.statSync(t.dir));
    });

    it('stat follows symlinks like fs.stat', async function () {
      const target = t.file('target.txt');
      fs.writeFileSync(target, '123456789');
      const link = t.file('link');
      fs.symlinkSync(target, link);
      const st = await t.ring.stat(link);
      expect(st.isSymbolicLink()).to.equal(false);
      expect(st.isFile()).to.equal(true);
      expect(st.size).to.equal(9);
      expect(st.ino).to.equal(fs.statSync(target).ino);
    });

    it('stat of a FIFO and of /dev/null (rdev/dev packed like node:fs)', async function () {
      if (!IS_LINUX) this.skip();
      const fifo = makeFifo(t.dir);
      t.defer(() => fifo.release());
      const sf = await t.ring.stat(fifo.path);
      expect(sf.isFIFO()).to.equal(true);
      expectSameAsNode(sf, fs.statSync(fifo.path));

      const sn = await t.ring.stat('/dev/null');
      expect(sn.isCharacterDevice()).to.equal(true);
      const ref = fs.statSync('/dev/null');
      expect(sn.rdev).to.equal(ref.rdev);
      expect(sn.dev).to.equal(ref.dev);
    });

    it('stat of a missing path fails with ENOENT, syscall stat, path', async function () {
      const p = t.file('nope');
      expectErrnoError(await rejectionOf(() => t.ring.stat(p)), {
        code: 'ENOENT',
        syscall: 'stat',
        path: p,
      });
    });

    it('stat of a closed fd fails with EBADF', async function () {
      const fd = closedFd(t.dir);
      expectErrnoError(await rejectionOf(() => t.ring.stat(fd)), {
        code: 'EBADF',
        syscall: 'stat',
      });
    });
  });

  describe('unlink', function () {
    it('removes a file', async function () {
      const p = t.file('u.txt');
      fs.writeFileSync(p, 'x');
      expect(await t.ring.unlink(p)).to.equal(undefined);
      expect(fs.existsSync(p)).to.equal(false);
    });

    it('a missing file fails with ENOENT; a directory fails with EISDIR (or EPERM)', async function () {
      const p = t.file('missing');
      expectErrnoError(await rejectionOf(() => t.ring.unlink(p)), {
        code: 'ENOENT',
        syscall: 'unlink',
        path: p,
      });
      const d = t.file('adir');
      fs.mkdirSync(d);
      const err = await rejectionOf(() => t.ring.unlink(d));
      expect(['EISDIR', 'EPERM']).to.include(err.code);
      expectErrnoError(err, { code: err.code, syscall: 'unlink', path: d });
      expect(fs.statSync(d).isDirectory()).to.equal(true);
    });
  });

  describe('rmdir', function () {
    it('removes an empty directory', async function () {
      const d = t.file('empty');
      fs.mkdirSync(d);
      expect(await t.ring.rmdir(d)).to.equal(undefined);
      expect(fs.existsSync(d)).to.equal(false);
    });

    it('fails with ENOTEMPTY, ENOENT and ENOTDIR like rmdir(2)', async function () {
      const full = t.file('full');
      fs.mkdirSync(full);
      fs.writeFileSync(path.join(full, 'f'), 'x');
      expectErrnoError(await rejectionOf(() => t.ring.rmdir(full)), {
        code: 'ENOTEMPTY',
        syscall: 'rmdir',
        path: full,
      });
      expect(fs.existsSync(path.join(full, 'f'))).to.equal(true);

      const missing = t.file('missing-dir');
      expectErrnoError(await rejectionOf(() => t.ring.rmdir(missing)), {
        code: 'ENOENT',
        syscall: 'rmdir',
        path: missing,
      });

      const file = t.file('plain');
      fs.writeFileSync(file, '');
      expectErrnoError(await rejectionOf(() => t.ring.rmdir(file)), {
        code: 'ENOTDIR',
        syscall: 'rmdir',
        path: file,
      });
    });
  });

  describe('rename', function () {
    it('moves a file and replaces an existing destination', async function () {
      const a = t.file('a.txt');
      const b = t.file('b.txt');
      fs.writeFileSync(a, 'from a');
      fs.writeFileSync(b, 'old b');
      expect(await t.ring.rename(a, b)).to.equal(undefined);
      expect(fs.existsSync(a)).to.equal(false);
      expect(fs.readFileSync(b, 'utf8')).to.equal('from a');
    });

    it('renames a directory', async function () {
      const a = t.file('da');
      fs.mkdirSync(a);
      fs.writeFileSync(path.join(a, 'inside'), 'ok');
      const b = t.file('db');
      await t.ring.rename(a, b);
      expect(fs.readFileSync(path.join(b, 'inside'), 'utf8')).to.equal('ok');
    });

    it('a missing source fails with ENOENT naming path and dest', async function () {
      const a = t.file('ghost');
      const b = t.file('dest');
      const err = await rejectionOf(() => t.ring.rename(a, b));
      expectErrnoError(err, { code: 'ENOENT', syscall: 'rename', path: a, dest: b });
      expect(err.message).to.equal(`ENOENT: no such file or directory, rename '${a}' -> '${b}'`);
      expect(fs.existsSync(b)).to.equal(false);
    });
  });

  describe('mkdir', function () {
    it('creates a directory with mode & ~umask (default 0o777)', async function () {
      await withUmask(0o027, async () => {
        const d = t.file('newdir');
        expect(await t.ring.mkdir(d)).to.equal(undefined);
        const st = fs.statSync(d);
        expect(st.isDirectory()).to.equal(true);
        expect(st.mode & 0o777).to.equal(0o750);

        const e = t.file('privdir');
        await t.ring.mkdir(e, 0o700);
        expect(fs.statSync(e).mode & 0o777).to.equal(0o700);
      });
    });

    it('an existing path fails with EEXIST; a missing parent with ENOENT', async function () {
      const d = t.file('exists');
      fs.mkdirSync(d);
      expectErrnoError(await rejectionOf(() => t.ring.mkdir(d)), {
        code: 'EEXIST',
        syscall: 'mkdir',
        path: d,
      });
      const deep = t.file('no/such/parent');
      expectErrnoError(await rejectionOf(() => t.ring.mkdir(deep)), {
        code: 'ENOENT',
        syscall: 'mkdir',
        path: deep,
      });
    });
  });

  describe('nop / sleep', function () {
    it('nop resolves undefined, many at once', async function () {
      expect(await t.ring.nop()).to.equal(undefined);
      const all = await Promise.all(Array.from({ length: 500 }, () => t.ring.nop()));
      expect(all).to.have.length(500);
      expect(all.every((v) => v === undefined)).to.equal(true);
    });

    it('sleep(ms) resolves undefined after at least ms', async function () {
      for (const ms of [0, 30, 120]) {
        const start = performance.now();
        expect(await t.ring.sleep(ms)).to.equal(undefined);
        expect(performance.now() - start, `sleep(${ms})`).to.be.at.least(ms - 2);
      }
    });

    it('concurrent sleeps resolve in order of their durations', async function () {
      const order = [];
      await Promise.all([90, 10, 50].map((ms) => t.ring.sleep(ms).then(() => order.push(ms))));
      expect(order).to.deep.equal([10, 50, 90]);
    });
  });

  describe('stats()', function () {
    it('submitted and completed grow with the ops; nothing is in flight when idle', async function () {
      const before = t.ring.stats();
      for (const k of [
        'submitted',
        'completed',
        'inFlight',
        'queued',
        'submitCalls',
        'sqesSubmitted',
      ]) {
        expect(before[k], k).to.be.a('number');
      }
      await Promise.all(Array.from({ length: 20 }, () => t.ring.nop()));
      const after = t.ring.stats();
      expect(after.submitted - before.submitted).to.be.at.least(20);
      expect(after.completed - before.completed).to.be.at.least(20);
      expect(after.inFlight).to.equal(0);
      expect(after.queued).to.equal(0);
    });

    it('inFlight counts a pending op and drops back to 0 when it settles', async function () {
      const p = t.ring.sleep(100);
      await new Promise((r) => setImmediate(r));
      expect(t.ring.stats().inFlight).to.equal(1);
      await p;
      expect(t.ring.stats().inFlight).to.equal(0);
    });
  });
});
