// Linked chains, once per backend: success, failure, short read/write, timeouts, cancellation, limits.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';

import { Ring, Chain, ChainFile, ChainError, Stats } from '../index.mjs';
import {
  describeBackends,
  rejectionOf,
  expectErrnoError,
  expectAbortError,
  makeFifo,
  fdsPointingTo,
  waitFor,
  runNode,
  lastJsonLine,
  hasCommand,
  FIXTURES,
  IS_LINUX,
  backendOf,
} from './helpers.mjs';

/** Asserts a ChainError and the shape of its per-op results; returns it. */
function expectChainError(err, { index, length, causeCode }) {
  expect(err, `expected a ChainError, got ${err && err.stack}`).to.be.instanceOf(ChainError);
  expect(err).to.be.instanceOf(Error);
  expect(err.name).to.equal('ChainError');
  expect(err.code).to.equal('ERR_URING_CHAIN');
  expect(err.index).to.equal(index);
  expect(err.cause).to.be.instanceOf(Error);
  expect(err.cause.code).to.equal(causeCode);
  expect(err.results).to.be.an('array').with.length(length);
  for (let i = 0; i < index; i++) {
    expect(err.results[i].status, `results[${i}] before the failure`).to.equal('fulfilled');
  }
  expect(err.results[index].status).to.equal('rejected');
  expect(err.results[index].reason).to.equal(err.cause);
  for (let i = index + 1; i < length; i++) {
    expect(err.results[i].status, `results[${i}] after the failure`).to.equal('rejected');
    expectErrnoError(err.results[i].reason, { code: 'ECANCELED' });
  }
  return err;
}

describeBackends('chain', (backend, t) => {
  describe('success', function () {
    it('open -> write -> fdatasync -> close through a ChainFile, in one run()', async function () {
      const p = t.file('chain.txt');
      const data = Buffer.from('written by a chain\n');
      const c = t.ring.chain();
      expect(c).to.be.instanceOf(Chain);
      const f = c.open(p, 'w', 0o644);
      expect(f).to.be.instanceOf(ChainFile);
      c.write(f, data, 0, data.length, 0).fdatasync(f).close(f);
      const results = await c.run();
      expect(results).to.have.length(4);
      expect(results[0]).to.equal(f);
      expect(results[1]).to.equal(data.length);
      expect(results[2]).to.equal(undefined);
      expect(results[3]).to.equal(undefined);
      expect(f.open).to.equal(false);
      expect(fs.readFileSync(p, 'utf8')).to.equal('written by a chain\n');
      if (IS_LINUX) expect(fdsPointingTo(p)).to.deep.equal([]);
    });

    it('open -> read -> close on its ChainFile is one linked group: one CQE where CQEs can be skipped', async function () {
      if (backend !== 'io_uring' || !backendOf(t.ring).cqeSkip) this.skip();
      const p = t.file('one-group.txt');
      fs.writeFileSync(p, 'abcd');
      const before = t.ring.stats();
      const c = t.ring.chain();
      const f = c.open(p, 'r');
      c.read(f, Buffer.alloc(4), 0, 4, 0).close(f);
      expect(await c.run()).to.deep.equal([f, 4, undefined]);
      const after = t.ring.stats();
      expect(after.sqesSubmitted - before.sqesSubmitted).to.equal(3);
      expect(after.cqesReaped - before.cqesReaped, 'CQEs posted').to.equal(1);
      expect(after.cqesSkipped - before.cqesSkipped, 'CQEs skipped').to.equal(2);
    });

    it('a ChainFile left open by the chain works with ring ops until ring.close()', async function () {
      const p = t.file('kept-open.txt');
      const c = t.ring.chain();
      const f = c.open(p, 'w+');
      const [value] = await c.run();
      expect(value).to.equal(f);
      expect(f.open).to.equal(true);
      expect(await t.ring.write(f, Buffer.from('hello'), 0, 5, 0)).to.equal(5);
      const back = Buffer.alloc(5);
      expect(await t.ring.read(f, back, 0, 5, 0)).to.equal(5);
      expect(back.toString()).to.equal('hello');
      expect(await t.ring.close(f)).to.equal(undefined);
      expect(f.open).to.equal(false);
      expect(fs.readFileSync(p, 'utf8')).to.equal('hello');
    });

    it('write -> fdatasync on a plain fd', async function () {
      const p = t.file('plain.txt');
      const fd = fs.openSync(p, 'w');
      t.defer(() => fs.closeSync(fd));
      const res = await t.ring.chain().write(fd, Buffer.from('abc'), 0, 3, 0).fdatasync(fd).run();
      expect(res).to.deep.equal([3, undefined]);
      expect(fs.readFileSync(p, 'utf8')).to.equal('abc');
    });

    it('every op method except open() returns the chain itself (fluent)', function () {
      const c = t.ring.chain();
      const fd = 0;
      const b = Buffer.alloc(1);
      const same = [
        c.nop(),
        c.sleep(1),
        c.write(fd, b),
        c.read(fd, b),
        c.writev(fd, [b]),
        c.readv(fd, [b]),
        c.fsync(fd),
        c.fdatasync(fd),
        c.fallocate(fd, 0, 1),
        c.ftruncate(fd, 0),
        c.stat(t.dir),
        c.unlink(t.file('x')),
        c.rmdir(t.file('x')),
        c.rename(t.file('x'), t.file('y')),
        c.mkdir(t.file('x')),
        c.close(fd),
      ];
      for (const r of same) expect(r).to.equal(c);
      // never run: nothing to clean up
    });

    it('runs every op kind in order in one chain', async function () {
      const d = t.file('dir');
      const f1 = path.join(d, 'f');
      const f2 = path.join(d, 'g');
      const rb = Buffer.alloc(5);
      const x = Buffer.alloc(2);
      const y = Buffer.alloc(3);
      const c = t.ring.chain();
      c.mkdir(d);
      const f = c.open(f1, 'w+');
      c.writev(f, [Buffer.from('ab'), Buffer.from('cd')], 0)
        .write(f, Buffer.from('efgh'), 0, 4, 4)
        .fsync(f)
        .fdatasync(f)
        .ftruncate(f, 5)
        .fallocate(f, 0, 8)
        .read(f, rb, 0, 5, 0)
        .readv(f, [x, y], 0)
        .close(f)
        .stat(f1)
        .rename(f1, f2)
        .nop()
        .sleep(1)
        .unlink(f2)
        .rmdir(d);
      const r = await c.run();
      expect(r).to.have.length(17);
      expect(r[0]).to.equal(undefined); // mkdir
      expect(r[1]).to.equal(f); // open
      expect(r.slice(2, 4)).to.deep.equal([4, 4]); // writev, write
      expect(r.slice(4, 8)).to.deep.equal([undefined, undefined, undefined, undefined]);
      expect(r[8]).to.equal(5); // read
      expect(r[9]).to.equal(5); // readv
      expect(r[10]).to.equal(undefined); // close
      expect(r[11]).to.be.instanceOf(Stats);
      expect(r[11].size).to.equal(8); // truncated to 5, fallocated to 8
      expect(r[11].isFile()).to.equal(true);
      expect(r.slice(12)).to.deep.equal([undefined, undefined, undefined, undefined, undefined]);
      expect(rb.toString()).to.equal('abcde');
      expect(x.toString() + y.toString()).to.equal('abcde');
      expect(f.open).to.equal(false);
      expect(fs.existsSync(d)).to.equal(false);
    });

    it('ops of a chain run in order: a read sees the write before it, a later write wins', async function () {
      const p = t.file('order.bin');
      const fd = fs.openSync(p, 'w+');
      t.defer(() => fs.closeSync(fd));
      const N = 50;
      const reads = Array.from({ length: N }, () => Buffer.alloc(8));
      const runs = [];
      for (let i = 0; i < N; i++) {
        const first = Buffer.from(`a${String(i).padStart(6, '0')}|`);
        const second = Buffer.from(`b${String(i).padStart(6, '0')}|`);
        runs.push(
          t.ring
            .chain()
            .write(fd, first, 0, 8, i * 8)
            .read(fd, reads[i], 0, 8, i * 8)
            .write(fd, second, 0, 8, i * 8)
            .run(),
        );
      }
      const results = await Promise.all(runs);
      results.forEach((r) => expect(r).to.deep.equal([8, 8, 8]));
      reads.forEach((b, i) => expect(b.toString()).to.equal(`a${String(i).padStart(6, '0')}|`));
      const content = fs.readFileSync(p, 'latin1');
      for (let i = 0; i < N; i++) {
        expect(content.slice(i * 8, i * 8 + 8)).to.equal(`b${String(i).padStart(6, '0')}|`);
      }
    });

    it('a sleep inside a chain delays the next op without failing the chain', async function () {
      const p = t.file('after-sleep.txt');
      const fd = fs.openSync(p, 'w');
      t.defer(() => fs.closeSync(fd));
      const start = performance.now();
      const r = await t.ring
        .chain()
        .nop()
        .sleep(40)
        .write(fd, Buffer.from('later'), 0, 5, 0)
        .nop()
        .run();
      expect(r).to.deep.equal([undefined, undefined, 5, undefined]);
      expect(performance.now() - start).to.be.at.least(38);
      expect(fs.readFileSync(p, 'utf8')).to.equal('later');
    });

    it('an empty chain resolves with []', async function () {
      expect(await t.ring.chain().run()).to.deep.equal([]);
    });

    it('a chain exactly as long as the ring is fine', async function () {
      const small = new Ring({ backend, entries: 4 });
      try {
        const r = await small.chain().nop().nop().nop().nop().run();
        expect(r).to.deep.equal([undefined, undefined, undefined, undefined]);
      } finally {
        await small.shutdown();
      }
    });
  });

  describe('failure', function () {
    it('a failing open cancels the rest: ChainError index 0, cause ENOENT, others ECANCELED', async function () {
      const missing = t.file('missing.txt');
      const c = t.ring.chain();
      const f = c.open(missing, 'r');
      c.read(f, Buffer.alloc(4), 0, 4, 0).close(f);
      const err = await rejectionOf(() => c.run(), 'chain.run()');
      expectChainError(err, { index: 0, length: 3, causeCode: 'ENOENT' });
      expectErrnoError(err.cause, { code: 'ENOENT', syscall: 'open', path: missing });
      expect(f.open).to.equal(false);
    });

    it('a failure in the middle: index, cause, results, ECANCELED after it, and the chain-opened file gets closed', async function () {
      const p = t.file('middle.txt');
      const c = t.ring.chain();
      const f = c.open(p, 'w');
      c.write(987654, Buffer.from('bad fd'), 0, 6, 0) // fails with EBADF
        .write(f, Buffer.from('never'), 0, 5, 0) // must be cancelled
        .fdatasync(f);
      const err = await rejectionOf(() => c.run(), 'chain.run()');
      expectChainError(err, { index: 1, length: 4, causeCode: 'EBADF' });
      expectErrnoError(err.cause, { code: 'EBADF', syscall: 'write' });
      expect(err.results[0].value).to.equal(f);
      expect(err.message).to.be.a('string').that.is.not.empty;

      expect(fs.readFileSync(p, 'utf8'), 'the cancelled write must not have happened').to.equal('');
      // run() rejects once the file it opened is closed: its descriptor is free already.
      if (backend === 'io_uring') {
        expect(backendOf(t.ring).directFree.length).to.equal(t.ring.features.directFiles);
      } else if (IS_LINUX) {
        expect(fdsPointingTo(p)).to.deep.equal([]);
      }
      const closed = await waitFor(() => !f.open, { timeout: 2000 });
      expect(closed, 'the library closes a file its failed chain opened').to.equal(true);
      if (IS_LINUX) expect(fdsPointingTo(p)).to.deep.equal([]);
    });

    it('a short read (read past EOF) fails the chain with ERR_URING_SHORT_IO', async function () {
      const p = t.file('ten.bin');
      fs.writeFileSync(p, '0123456789');
      const fd = fs.openSync(p, 'r+');
      t.defer(() => fs.closeSync(fd));

      const c = t.ring
        .chain()
        .read(fd, Buffer.alloc(100), 0, 100, 0)
        .write(fd, Buffer.from('X'), 0, 1, 0);
      const err = await rejectionOf(() => c.run(), 'chain.run()');
      expectChainError(err, { index: 0, length: 2, causeCode: 'ERR_URING_SHORT_IO' });
      expect(err.cause.bytes).to.equal(10);
      expect(err.cause.expected).to.equal(100);
      expect(fs.readFileSync(p, 'utf8'), 'the write after the short read is cancelled').to.equal(
        '0123456789',
      );

      const atEof = t.ring.chain().read(fd, Buffer.alloc(16), 0, 16, 1000).nop();
      const err2 = await rejectionOf(() => atEof.run(), 'chain.run()');
      expectChainError(err2, { index: 0, length: 2, causeCode: 'ERR_URING_SHORT_IO' });
      expect(err2.cause.bytes).to.equal(0);
      expect(err2.cause.expected).to.equal(16);
    });

    it('a short write (RLIMIT_FSIZE via prlimit) fails the chain with ERR_URING_SHORT_IO', async function () {
      if (!IS_LINUX || !hasCommand('prlimit')) this.skip();
      const p = t.file('limited.bin');
      const limit = 4096;
      const res = await runNode(
        [path.join(FIXTURES, 'short-write.mjs'), backend, p, String(limit)],
        {
          command: ['prlimit', `--fsize=${limit}`, process.execPath],
        },
      );
      expect(res.signal, res.stderr).to.equal(null);
      expect(res.code, res.stderr).to.equal(0);
      const out = lastJsonLine(res);
      expect(out.backend).to.equal(backend);
      expect(out.resolved, 'the chain must not succeed').to.equal(undefined);
      expect(out.error).to.include({
        name: 'ChainError',
        code: 'ERR_URING_CHAIN',
        isChainError: true,
        index: 1,
      });
      expect(out.error.cause).to.include({
        code: 'ERR_URING_SHORT_IO',
        bytes: limit,
        expected: 2 * limit,
      });
      expect(out.error.results).to.deep.equal([
        { status: 'fulfilled', value: 'ChainFile' },
        { status: 'rejected', code: 'ERR_URING_SHORT_IO' },
        { status: 'rejected', code: 'ECANCELED' },
        { status: 'rejected', code: 'ECANCELED' },
      ]);
      expect(out.size).to.equal(limit);
      expect(
        out.chainFileOpenAfter,
        'the library closes the file the failed chain opened',
      ).to.equal(false);
      expect(out.fdsOnFile).to.equal(0);
    });

    it('a chain longer than the ring rejects with RangeError and leaves the ring usable', async function () {
      const small = new Ring({ backend, entries: 4 });
      try {
        const c = small.chain();
        for (let i = 0; i < 10; i++) c.nop();
        const err = await rejectionOf(() => c.run(), 'chain.run()');
        expect(err).to.be.instanceOf(RangeError);
        expect(await small.nop()).to.equal(undefined);
        expect(await small.chain().nop().nop().run()).to.deep.equal([undefined, undefined]);
      } finally {
        await small.shutdown();
      }
    });

    it('a 1-entry ring runs 1-op chains and single ops; a 2-op chain is a RangeError', async function () {
      const tiny = new Ring({ backend, entries: 1 });
      try {
        const p = t.file('tiny.bin');
        const fd = fs.openSync(p, 'w+');
        t.defer(() => fs.closeSync(fd));
        const ops = [];
        for (let i = 0; i < 300; i++) {
          ops.push(
            tiny
              .chain()
              .write(fd, Buffer.from([i & 0xff]), 0, 1, i)
              .run(),
          );
          ops.push(tiny.nop());
        }
        const results = await Promise.all(ops);
        for (let i = 0; i < 300; i++) expect(results[2 * i]).to.deep.equal([1]);
        const content = fs.readFileSync(p);
        expect(content.length).to.equal(300);
        for (let i = 0; i < 300; i++) expect(content[i]).to.equal(i & 0xff);
        const err = await rejectionOf(() => tiny.chain().nop().nop().run(), 'chain.run()');
        expect(err).to.be.instanceOf(RangeError);
        expect(await tiny.nop()).to.equal(undefined);
      } finally {
        await tiny.shutdown();
      }
    });

    it('run() twice rejects with ERR_INVALID_STATE (after completion and while running)', async function () {
      const c = t.ring.chain().nop();
      expect(await c.run()).to.deep.equal([undefined]);
      const err = await rejectionOf(() => c.run(), 'second run()');
      expect(err).to.be.instanceOf(Error);
      expect(err.code).to.equal('ERR_INVALID_STATE');

      const p = t.file('twice.txt');
      const fd = fs.openSync(p, 'w');
      t.defer(() => fs.closeSync(fd));
      const c2 = t.ring.chain().write(fd, Buffer.from('once'), 0, 4, null).fdatasync(fd);
      const first = c2.run();
      const err2 = await rejectionOf(() => c2.run(), 'run() while running');
      expect(err2.code).to.equal('ERR_INVALID_STATE');
      expect(await first).to.deep.equal([4, undefined]);
      expect(fs.readFileSync(p, 'utf8'), 'the chain ran exactly once').to.equal('once');
    });
  });

  describe('timeouts and cancellation', function () {
    it('a per-op timeout shorter than a sleep: ETIMEDOUT, the rest ECANCELED', async function () {
      const p = t.file('after-timeout.txt');
      const fd = fs.openSync(p, 'w');
      t.defer(() => fs.closeSync(fd));
      const start = performance.now();
      const c = t.ring
        .chain()
        .sleep(10000, { timeout: 50 })
        .write(fd, Buffer.from('late'), 0, 4, 0)
        .nop();
      const err = await rejectionOf(() => c.run(), 'chain.run()');
      expect(performance.now() - start, 'the timeout fired, not the 10 s sleep').to.be.below(5000);
      expectChainError(err, { index: 0, length: 3, causeCode: 'ETIMEDOUT' });
      expectErrnoError(err.cause, { code: 'ETIMEDOUT', syscall: 'sleep' });
      expect(err.cause.errno).to.equal(-110);
      expect(fs.readFileSync(p, 'utf8')).to.equal('');
    });

    it('a per-op timeout on a read from an empty FIFO: ETIMEDOUT, the next op cancelled', async function () {
      if (!IS_LINUX) this.skip();
      const fifo = makeFifo(t.dir);
      t.defer(() => fifo.release());
      const p = t.file('after-fifo.txt');
      const fd = fs.openSync(p, 'w');
      t.defer(() => fs.closeSync(fd));
      const c = t.ring
        .chain()
        .read(fifo.fd, Buffer.alloc(8), 0, 8, null, { timeout: 50 })
        .write(fd, Buffer.from('late'), 0, 4, 0);
      const err = await rejectionOf(() => c.run(), 'chain.run()');
      expectChainError(err, { index: 0, length: 2, causeCode: 'ETIMEDOUT' });
      expectErrnoError(err.cause, { code: 'ETIMEDOUT', syscall: 'read' });
      expect(fs.readFileSync(p, 'utf8')).to.equal('');
    });

    it('a per-op timeout that does not expire changes nothing', async function () {
      const p = t.file('in-time.txt');
      const fd = fs.openSync(p, 'w');
      t.defer(() => fs.closeSync(fd));
      const r = await t.ring
        .chain()
        .write(fd, Buffer.from('ok'), 0, 2, 0, { timeout: 10000 })
        .fdatasync(fd, { timeout: 10000 })
        .sleep(5, { timeout: 10000 })
        .run();
      expect(r).to.deep.equal([2, undefined, undefined]);
      expect(fs.readFileSync(p, 'utf8')).to.equal('ok');
    });

    it('aborting a running chain rejects run() with an AbortError (cause = reason)', async function () {
      const p = t.file('aborted.txt');
      const fd = fs.openSync(p, 'w');
      t.defer(() => fs.closeSync(fd));
      const ac = new AbortController();
      const reason = new Error('stop the chain');
      const start = performance.now();
      const run = t.ring
        .chain()
        .sleep(10000)
        .write(fd, Buffer.from('late'), 0, 4, 0)
        .run({ signal: ac.signal });
      setTimeout(() => ac.abort(reason), 20);
      const err = await rejectionOf(() => run, 'chain.run()');
      expect(performance.now() - start, 'abort took effect, not the 10 s sleep').to.be.below(5000);
      expectAbortError(err, reason);
      expect(fs.readFileSync(p, 'utf8'), 'ops after the aborted one never run').to.equal('');
      expect(await t.ring.nop()).to.equal(undefined);
    });

    it('an already-aborted signal rejects run() without running any op', async function () {
      const p = t.file('never-created.txt');
      const reason = new Error('aborted before start');
      const c = t.ring.chain();
      const f = c.open(p, 'w');
      c.close(f);
      const err = await rejectionOf(
        () => c.run({ signal: AbortSignal.abort(reason) }),
        'chain.run()',
      );
      expectAbortError(err, reason);
      await t.ring.sleep(20);
      expect(fs.existsSync(p), 'open must not have run').to.equal(false);
    });
  });
});
