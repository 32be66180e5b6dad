// The chain option { hardlink: true }, once per backend: "read up to N" (a short read is a
// success and the close still runs), a failed hardlinked op fails run() only after the ops
// after it ran, a failed open still cancels the rest, no descriptor leaks.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { ChainError, ChainFile } from '../index.mjs';
import {
  backendOf,
  describeBackends,
  rejectionOf,
  expectErrnoError,
  expectAbortError,
  makeFifo,
  fdsPointingTo,
  waitFor,
  IS_LINUX,
} from './helpers.mjs';
import { nodeClient, nodeCollect } from './net-helpers.mjs';

/** Whether every descriptor a chain took is back: direct-table slots, or fds on the paths. */
function descriptorsFree(t, paths, except) {
  if (t.backend === 'io_uring') {
    const b = backendOf(t.ring);
    if (b.directFree.length !== b.info.directFiles || b.directFiles.size !== 0) return false;
  }
  return !IS_LINUX || paths.every((p) => fdsPointingTo(p).every((fd) => fd === except));
}

/** `except`: an fd the test holds on one of the paths itself. */
async function expectNoLeak(t, paths, except = -1) {
  expect(
    await waitFor(() => descriptorsFree(t, paths, except)),
    'every descriptor released',
  ).to.equal(true);
}

/** open -> read up to `n` bytes (hardlinked) -> close: readFile's chain. */
function readUpTo(ring, p, n, flags = 'r') {
  const buf = Buffer.alloc(n);
  const c = ring.chain();
  const f = c.open(p, flags);
  c.read(f, buf, 0, n, 0, { hardlink: true }).close(f);
  return { c, f, buf };
}

describeBackends('chain hardlink', (backend, t) => {
  describe('read up to N', function () {
    it('a short hardlinked read resolves with its byte count and the close runs: [file, bytes, undefined]', async function () {
      const p = t.file('small.txt');
      fs.writeFileSync(p, 'twelve bytes');
      const { c, f, buf } = readUpTo(t.ring, p, 4096);
      const results = await c.run();
      expect(results).to.have.length(3);
      expect(results[0]).to.equal(f);
      expect(results[1]).to.equal(12);
      expect(results[2]).to.equal(undefined);
      expect(buf.subarray(0, 12).toString()).to.equal('twelve bytes');
      expect(f.open).to.equal(false);
      expect(f.closed).to.equal(true);
      await expectNoLeak(t, [p]);
    });

    it('a full-length hardlinked read resolves like a plain one', async function () {
      const p = t.file('exact.txt');
      fs.writeFileSync(p, 'abcd');
      const { c, f } = readUpTo(t.ring, p, 4);
      expect(await c.run()).to.deep.equal([f, 4, undefined]);
      await expectNoLeak(t, [p]);
    });

    it('an empty file: the hardlinked read resolves with 0', async function () {
      const p = t.file('empty.txt');
      fs.writeFileSync(p, '');
      const { c, f } = readUpTo(t.ring, p, 64);
      expect(await c.run()).to.deep.equal([f, 0, undefined]);
      await expectNoLeak(t, [p]);
    });

    it('without hardlink a short read still fails the chain and cancels the close', async function () {
      const p = t.file('small.txt');
      fs.writeFileSync(p, 'twelve bytes');
      const c = t.ring.chain();
      const f = c.open(p, 'r');
      c.read(f, Buffer.alloc(4096), 0, 4096, 0).close(f);
      const err = await rejectionOf(() => c.run(), 'chain.run()');
      expect(err).to.be.instanceOf(ChainError);
      expect(err.index).to.equal(1);
      expect(err.cause.code).to.equal('ERR_URING_SHORT_IO');
      expect(err.results[2].status).to.equal('rejected');
      expectErrnoError(err.results[2].reason, { code: 'ECANCELED' });
      // The library closes the file the failed chain left open.
      await expectNoLeak(t, [p]);
      expect(f.open).to.equal(false);
    });

    it('a hardlinked readv resolves with the bytes it read', async function () {
      const p = t.file('v.txt');
      fs.writeFileSync(p, 'abcdef');
      const a = Buffer.alloc(4);
      const b = Buffer.alloc(4);
      const c = t.ring.chain();
      const f = c.open(p, 'r');
      c.readv(f, [a, b], 0, { hardlink: true }).close(f);
      expect(await c.run()).to.deep.equal([f, 6, undefined]);
      expect(Buffer.concat([a, b]).subarray(0, 6).toString()).to.equal('abcdef');
      await expectNoLeak(t, [p]);
    });

    it('a short hardlinked write (a full non-blocking pipe) resolves with its byte count', async function () {
      if (!IS_LINUX) this.skip();
      const big = Buffer.alloc(1 << 20, 1);
      const open = () => {
        const p = path.join(t.dir, `pipe${Math.random()}`);
        execFileSync('mkfifo', [p]);
        const fd = fs.openSync(p, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
        t.defer(() => fs.closeSync(fd));
        return fd;
      };
      const [written, after] = await t.ring
        .chain()
        .write(open(), big, 0, big.length, -1, { hardlink: true })
        .nop()
        .run();
      expect(written).to.be.above(0).and.below(big.length);
      expect(after).to.equal(undefined);
      // The same write without hardlink is a short write that fails the chain.
      const err = await rejectionOf(
        () => t.ring.chain().write(open(), big, 0, big.length, -1).nop().run(),
        'chain.run()',
      );
      expect(err.index).to.equal(0);
      expect(err.cause.code).to.equal('ERR_URING_SHORT_IO');
      expectErrnoError(err.results[1].reason, { code: 'ECANCELED' });
    });
  });

  describe('failures', function () {
    it('a hardlinked read that fails (EISDIR): the close still runs, run() rejects at index 1', async function () {
      const dir = t.file('adir');
      fs.mkdirSync(dir);
      const { c, f } = readUpTo(t.ring, dir, 4096);
      const err = await rejectionOf(() => c.run(), 'chain.run()');
      expect(err).to.be.instanceOf(ChainError);
      expect(err.index).to.equal(1);
      expectErrnoError(err.cause, { code: 'EISDIR' });
      expect(err.results).to.have.length(3);
      expect(err.results[0]).to.deep.equal({ status: 'fulfilled', value: f });
      expect(err.results[1]).to.deep.equal({ status: 'rejected', reason: err.cause });
      expect(err.results[2], 'the close after the failed read ran').to.deep.equal({
        status: 'fulfilled',
        value: undefined,
      });
      expect(f.open).to.equal(false);
      await expectNoLeak(t, [dir]);
      // The slot is really free: the ring opens and reads files after it.
      const p = t.file('after.txt');
      fs.writeFileSync(p, 'ok');
      expect((await readUpTo(t.ring, p, 16).c.run())[1]).to.equal(2);
      await expectNoLeak(t, [dir, p]);
    });

    it('a failed open cancels everything after it, hardlinked read included; nothing stays open', async function () {
      const p = t.file('missing.txt');
      const { c, f } = readUpTo(t.ring, p, 4096);
      const err = await rejectionOf(() => c.run(), 'chain.run()');
      expect(err).to.be.instanceOf(ChainError);
      expect(err.index).to.equal(0);
      expectErrnoError(err.cause, { code: 'ENOENT', syscall: 'open' });
      for (const i of [1, 2]) {
        expect(err.results[i].status).to.equal('rejected');
        expectErrnoError(err.results[i].reason, { code: 'ECANCELED' });
      }
      expect(f.open).to.equal(false);
      await expectNoLeak(t, []);
    });

    it('a failure after a hardlinked op is the chain error; the hardlinked short read stays a success', async function () {
      const p = t.file('small.txt');
      fs.writeFileSync(p, 'abc');
      const c = t.ring.chain();
      const f = c.open(p, 'r');
      // The file is read-only: the write fails with EBADF and cancels what follows.
      c.read(f, Buffer.alloc(100), 0, 100, 0, { hardlink: true })
        .write(f, Buffer.from('x'), 0, 1, 0)
        .close(f);
      const err = await rejectionOf(() => c.run(), 'chain.run()');
      expect(err.index).to.equal(2);
      expectErrnoError(err.cause, { code: 'EBADF' });
      expect(err.results[1]).to.deep.equal({ status: 'fulfilled', value: 3 });
      expectErrnoError(err.results[3].reason, { code: 'ECANCELED' });
      await expectNoLeak(t, [p]);
    });

    it('a hardlinked fsync does not end the linked group: the op after it runs even if it fails', async function () {
      const p = t.file('f.txt');
      fs.writeFileSync(p, 'data');
      const c = t.ring.chain();
      const f = c.open(p, 'r');
      c.fsync(f, { hardlink: true }).read(f, Buffer.alloc(4), 0, 4, 0).close(f);
      expect(await c.run()).to.deep.equal([f, undefined, 4, undefined]);
      await expectNoLeak(t, [p]);
    });

    it('a hardlinked op that times out: ETIMEDOUT at its index, the next op runs', async function () {
      const start = performance.now();
      const err = await rejectionOf(
        () => t.ring.chain().sleep(5000, { hardlink: true, timeout: 20 }).nop().run(),
        'chain.run()',
      );
      expect(performance.now() - start).to.be.below(4000);
      expect(err).to.be.instanceOf(ChainError);
      expect(err.index).to.equal(0);
      expect(err.cause.code).to.equal('ETIMEDOUT');
      expect(err.results[1]).to.deep.equal({ status: 'fulfilled', value: undefined });
    });
  });

  describe('abort and volume', function () {
    it('aborting while a hardlinked read waits: AbortError, nothing leaks', async function () {
      const fifo = makeFifo(t.dir);
      t.defer(() => fifo.release());
      const ac = new AbortController();
      const reason = new Error('stop');
      const c = t.ring.chain();
      const f = c.open(fifo.path, 'r+');
      c.read(f, Buffer.alloc(16), 0, 16, -1, { hardlink: true }).close(f);
      const run = c.run({ signal: ac.signal });
      setTimeout(() => ac.abort(reason), 30);
      const err = await rejectionOf(() => run, 'chain.run()');
      expectAbortError(err, reason);
      expect(f.open).to.equal(false);
      await expectNoLeak(t, [fifo.path], fifo.fd);
      expect(await t.ring.nop()).to.equal(undefined);
    });

    it('1000 read-up-to chains at once, some on a directory: right values, no leak', async function () {
      this.timeout(30000);
      const files = [];
      for (let i = 0; i < 20; i++) {
        const p = t.file(`f${i}.txt`);
        fs.writeFileSync(p, 'x'.repeat(i * 10));
        files.push(p);
      }
      const dir = t.file('d');
      fs.mkdirSync(dir);
      const runs = [];
      for (let i = 0; i < 1000; i++) {
        const isDir = i % 10 === 9;
        const p = isDir ? dir : files[i % files.length];
        runs.push(readUpTo(t.ring, p, 1024).c.run());
      }
      const settled = await Promise.allSettled(runs);
      settled.forEach((s, i) => {
        if (i % 10 === 9) {
          expect(s.status).to.equal('rejected');
          expect(s.reason.index).to.equal(1);
          expect(s.reason.cause.code).to.equal('EISDIR');
          expect(s.reason.results[2].status).to.equal('fulfilled');
        } else {
          expect(s.status, s.reason && s.reason.stack).to.equal('fulfilled');
          expect(s.value[0]).to.be.instanceOf(ChainFile);
          expect(s.value[1]).to.equal((i % files.length) * 10);
          expect(s.value[2]).to.equal(undefined);
        }
      });
      await expectNoLeak(t, [...files, dir]);
    });
  });

  describe('sockets', function () {
    it('a hardlinked recv takes what arrived (no MSG_WAITALL) and the next op runs', async function () {
      if (backend !== 'io_uring') this.skip();
      const server = await t.ring.listen({ host: '127.0.0.1', port: 0 });
      t.defer(() => server.close());
      const client = await nodeClient(server.address().port);
      const conn = await server.accept();
      const received = nodeCollect(client);
      client.write('short');
      const buf = Buffer.alloc(64);
      const results = await t.ring
        .chain()
        .recv(conn.fd, buf, { hardlink: true })
        .send(conn.fd, Buffer.from('ack'))
        .run();
      expect(results).to.deep.equal([5, 3]);
      expect(buf.subarray(0, 5).toString()).to.equal('short');
      // waitAll: true waits for the whole length; EOF ends it short, still a success.
      client.end('tail');
      const rest = Buffer.alloc(64);
      const [n] = await t.ring
        .chain()
        .recv(conn.fd, rest, { hardlink: true, waitAll: true })
        .nop()
        .run();
      expect(rest.subarray(0, n).toString()).to.equal('tail');
      await conn.close();
      const { data } = await received;
      expect(data.toString()).to.equal('ack');
    });

    it('waitAll: false is refused unless the recv is hardlinked; waitAll must be a boolean', function () {
      if (backend !== 'io_uring') this.skip();
      const c = t.ring.chain();
      expect(() => c.recv(3, Buffer.alloc(4), { waitAll: false }))
        .to.throw(TypeError)
        .with.property('code', 'ERR_INVALID_ARG_VALUE');
      expect(() => c.recv(3, Buffer.alloc(4), { waitAll: 1, hardlink: true }))
        .to.throw(TypeError)
        .with.property('code', 'ERR_INVALID_ARG_TYPE');
      c.recv(3, Buffer.alloc(4), { waitAll: false, hardlink: true });
      expect(c.length).to.equal(1);
    });
  });

  describe('arguments', function () {
    it('hardlink must be a boolean', function () {
      const c = t.ring.chain();
      for (const bad of [1, 'yes', null, {}]) {
        expect(() => c.nop({ hardlink: bad }))
          .to.throw(TypeError)
          .with.property('code', 'ERR_INVALID_ARG_TYPE');
      }
      expect(c.length).to.equal(0);
      c.nop({ hardlink: false }).nop({ hardlink: true }).nop();
      expect(c.length).to.equal(3);
    });

    it('an options object naming only hardlink is options in an optional position', async function () {
      const p = t.file('opt.txt');
      fs.writeFileSync(p, 'hi');
      const c = t.ring.chain();
      const f = c.open(p, 'r', { hardlink: true });
      c.read(f, Buffer.alloc(8), { hardlink: true }).close(f);
      expect(await c.run()).to.deep.equal([f, 2, undefined]);
    });

    it('hardlink on the last op: a short read is a success, and the file stays open', async function () {
      const p = t.file('last.txt');
      fs.writeFileSync(p, 'abc');
      const c = t.ring.chain();
      const f = c.open(p, 'r');
      const buf = Buffer.alloc(16);
      c.read(f, buf, 0, 16, -1, { hardlink: true });
      expect(await c.run()).to.deep.equal([f, 3]);
      expect(f.open).to.equal(true);
      expect(await t.ring.read(f, buf, 0, 16, -1)).to.equal(0);
      await t.ring.close(f);
      // Without it, the same short read fails the chain (and its file is closed for it).
      const d = t.ring.chain();
      const g = d.open(p, 'r');
      d.read(g, buf, 0, 16, -1);
      const err = await rejectionOf(() => d.run(), 'chain.run()');
      expect(err.index).to.equal(1);
      expect(err.cause.code).to.equal('ERR_URING_SHORT_IO');
    });
  });
});
