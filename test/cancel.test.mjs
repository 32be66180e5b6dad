// Cancellation (AbortSignal), per-op timeouts and shutdown, once per backend; plus io_uring-only
// checks that a pending op never blocks the event loop and that a cancelled read really is gone.
import { expect } from 'chai';
import fs from 'node:fs';
import { getEventListeners } from 'node:events';

import { Ring, AbortError } from '../index.mjs';
import {
  backendOf,
  describeBackends,
  rejectionOf,
  expectErrnoError,
  expectAbortError,
  makeFifo,
  makeTempDir,
  removeTempDir,
  delay,
  fdIsOpen,
  IS_LINUX,
} from './helpers.mjs';

describeBackends('cancellation and timeouts', (backend, t) => {
  describe('AbortSignal', function () {
    it('aborting sleep(10000) after 20 ms rejects quickly with an AbortError whose cause is the reason', async function () {
      const ac = new AbortController();
      const reason = new Error('enough');
      const start = performance.now();
      const p = t.ring.sleep(10000, { signal: ac.signal });
      setTimeout(() => ac.abort(reason), 20);
      const err = await rejectionOf(() => p, 'sleep');
      const elapsed = performance.now() - start;
      expect(elapsed, 'rejected by the abort, not by the end of the sleep').to.be.below(2000);
      expect(elapsed).to.be.at.least(15);
      expectAbortError(err, reason);
      expect(err).to.be.instanceOf(AbortError);
      expect(t.ring.stats().inFlight).to.equal(0);
    });

    it('abort() without a reason gives cause = the default DOMException reason', async function () {
      const ac = new AbortController();
      const p = t.ring.sleep(10000, { signal: ac.signal });
      setTimeout(() => ac.abort(), 10);
      const err = await rejectionOf(() => p, 'sleep');
      expectAbortError(err, ac.signal.reason);
      expect(err.cause.name).to.equal('AbortError');
    });

    it('an already-aborted signal rejects without running the op', async function () {
      const reason = new Error('too late');
      const signal = AbortSignal.abort(reason);

      const p = t.file('not-created.txt');
      expectAbortError(
        await rejectionOf(() => t.ring.open(p, 'wx', 0o644, { signal }), 'open'),
        reason,
      );

      const q = t.file('untouched.txt');
      fs.writeFileSync(q, 'original');
      const fd = fs.openSync(q, 'r+');
      t.defer(() => fs.closeSync(fd));
      expectAbortError(
        await rejectionOf(
          () => t.ring.write(fd, Buffer.from('CHANGED!'), 0, 8, 0, { signal }),
          'write',
        ),
        reason,
      );
      const dir = t.file('not-made');
      expectAbortError(
        await rejectionOf(() => t.ring.mkdir(dir, 0o777, { signal }), 'mkdir'),
        reason,
      );
      expectAbortError(await rejectionOf(() => t.ring.nop({ signal }), 'nop'), reason);

      await t.ring.sleep(30); // give a (wrongly) submitted op time to land
      expect(fs.existsSync(p), 'open ran').to.equal(false);
      expect(fs.existsSync(dir), 'mkdir ran').to.equal(false);
      expect(fs.readFileSync(q, 'utf8'), 'write ran').to.equal('original');
    });

    it('a signal that is never aborted does not change results, and no listener is left on it', async function () {
      const ac = new AbortController();
      const p = t.file('signalled.txt');
      const fd = fs.openSync(p, 'w+');
      t.defer(() => fs.closeSync(fd));
      for (let i = 0; i < 50; i++) {
        expect(
          await t.ring.write(fd, Buffer.from('ab'), 0, 2, i * 2, { signal: ac.signal }),
        ).to.equal(2);
        expect(await t.ring.nop({ signal: ac.signal })).to.equal(undefined);
      }
      expect(await t.ring.sleep(5, { signal: ac.signal })).to.equal(undefined);
      expect(fs.readFileSync(p, 'utf8')).to.equal('ab'.repeat(50));
      expect(
        getEventListeners(ac.signal, 'abort'),
        'abort listeners leaked by settled ops',
      ).to.have.length(0);
      ac.abort(); // aborting after everything settled is harmless
      await delay(10);
      expect(await t.ring.nop()).to.equal(undefined);
    });

    it('aborting one op leaves the others on the same ring alone', async function () {
      const ac = new AbortController();
      const aborted = t.ring.sleep(10000, { signal: ac.signal });
      const others = [t.ring.sleep(40), t.ring.nop(), t.ring.sleep(10)];
      ac.abort();
      expectAbortError(await rejectionOf(() => aborted, 'sleep'));
      expect(await Promise.all(others)).to.deep.equal([undefined, undefined, undefined]);
    });

    it('a read on an empty FIFO cancelled by a signal rejects with an AbortError', async function () {
      if (!IS_LINUX) this.skip();
      const fifo = makeFifo(t.dir);
      t.defer(() => fifo.release());
      const ac = new AbortController();
      const reason = new Error('no data is coming');
      const start = performance.now();
      const p = t.ring.read(fifo.fd, Buffer.alloc(16), 0, 16, null, { signal: ac.signal });
      setTimeout(() => ac.abort(reason), 30);
      const err = await rejectionOf(() => p, 'read');
      expect(performance.now() - start).to.be.below(2000);
      expectAbortError(err, reason);
    });
  });

  describe('timeout option', function () {
    it('a sleep longer than its timeout rejects with ETIMEDOUT (errno -110, syscall sleep)', async function () {
      const start = performance.now();
      const err = await rejectionOf(() => t.ring.sleep(10000, { timeout: 30 }), 'sleep');
      const elapsed = performance.now() - start;
      expect(elapsed, 'the timeout fired, not the sleep').to.be.below(2000);
      expect(elapsed).to.be.at.least(25);
      expectErrnoError(err, { code: 'ETIMEDOUT', syscall: 'sleep' });
      expect(err.errno).to.equal(-110);
    });

    it('a sleep shorter than its timeout resolves normally', async function () {
      expect(await t.ring.sleep(10, { timeout: 5000 })).to.equal(undefined);
    });

    it('a read on an empty FIFO with a timeout rejects with ETIMEDOUT', async function () {
      if (!IS_LINUX) this.skip();
      const fifo = makeFifo(t.dir);
      t.defer(() => fifo.release());
      const err = await rejectionOf(
        () => t.ring.read(fifo.fd, Buffer.alloc(16), 0, 16, null, { timeout: 40 }),
        'read',
      );
      expectErrnoError(err, { code: 'ETIMEDOUT', syscall: 'read' });
    });

    it('a read on a FIFO that gets data before the timeout resolves with the data', async function () {
      if (!IS_LINUX) this.skip();
      const fifo = makeFifo(t.dir);
      t.defer(() => fifo.release());
      const buf = Buffer.alloc(16);
      const p = t.ring.read(fifo.fd, buf, 0, 16, null, { timeout: 5000 });
      setTimeout(() => fifo.feed('just in time'), 20);
      expect(await p).to.equal(12);
      expect(buf.toString('utf8', 0, 12)).to.equal('just in time');
    });

    it('signal and timeout together: whichever comes first wins', async function () {
      const ac = new AbortController();
      const reason = new Error('first');
      const p1 = t.ring.sleep(10000, { signal: ac.signal, timeout: 5000 });
      setTimeout(() => ac.abort(reason), 10);
      expectAbortError(await rejectionOf(() => p1, 'sleep'), reason);

      const ac2 = new AbortController();
      const err = await rejectionOf(
        () => t.ring.sleep(10000, { signal: ac2.signal, timeout: 20 }),
        'sleep',
      );
      expectErrnoError(err, { code: 'ETIMEDOUT', syscall: 'sleep' });
    });
  });

  describe('a close cut short while it runs', function () {
    for (const [name, options] of [
      ['aborted', () => ({ signal: AbortSignal.timeout(10) })],
      ['timed out', () => ({ timeout: 10 })],
    ]) {
      it(`${name}: settles with its result, so a rejection means the fd is still open`, async function () {
        const fd = fs.openSync(t.file('close-me'), 'w');
        // node:fs's close (the fs backend's) takes 50 ms: the abort or timeout comes while it runs.
        const realClose = fs.close;
        fs.close = (f, cb) =>
          f === fd ? setTimeout(() => realClose(f, cb), 50) : realClose(f, cb);
        let outcome;
        try {
          outcome = await t.ring.close(fd, options()).then(
            () => 'closed',
            (err) => err,
          );
          await delay(60);
        } finally {
          fs.close = realClose;
        }
        const open = fdIsOpen(fd);
        if (open) fs.closeSync(fd);
        expect({ outcome, open }).to.deep.equal({ outcome: 'closed', open: false });
      });
    }
  });

  describe('shutdown', function () {
    it('settles every in-flight op with ECANCELED; later ops reject ERR_URING_CLOSED; twice is fine', async function () {
      const ring = t.ring;
      const sleeps = Array.from({ length: 8 }, () => ring.sleep(10000));
      const settled = Promise.allSettled(sleeps);
      await delay(10);
      await ring.shutdown();
      const outcomes = await settled;
      for (const o of outcomes) {
        expect(o.status).to.equal('rejected');
        expectErrnoError(o.reason, { code: 'ECANCELED' });
      }
      expect(ring.stats().inFlight).to.equal(0);

      for (const op of [
        () => ring.nop(),
        () => ring.sleep(1),
        () => ring.stat(t.dir),
        () => ring.chain().nop().run(),
      ]) {
        const err = await rejectionOf(op, 'op after shutdown');
        expect(err).to.be.instanceOf(Error);
        expect(err.code).to.equal('ERR_URING_CLOSED');
      }
      await ring.shutdown(); // second call resolves (afterEach calls it a third time)
    });
  });
});

(IS_LINUX ? describe : describe.skip)(
  'io_uring: pending ops never block the event loop',
  function () {
    let ring;
    let dir;
    let cleanups = [];
    beforeEach(function () {
      cleanups = [];
      dir = makeTempDir();
      ring = new Ring({ backend: 'io_uring' });
    });
    afterEach(async function () {
      while (cleanups.length) cleanups.pop()();
      await ring.shutdown();
      removeTempDir(dir);
    });

    /** Counts setInterval ticks over `ms` while something is pending on the ring. */
    async function ticksDuring(ms) {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 5);
      await delay(ms);
      clearInterval(timer);
      return ticks;
    }

    /** Makes the next `n` cancel stagings find the staging area full, as when its flush keeps failing. */
    function refuseEntries(n) {
      const staging = backendOf(ring).staging;
      const takeEntry = staging.takeEntry;
      let refused = 0;
      staging.takeEntry = function () {
        if (refused < n) {
          refused++;
          return -1;
        }
        return takeEntry.call(this);
      };
      return () => refused;
    }

    it('a cancel that finds the staging area full is staged once there is room: the abort settles', async function () {
      this.timeout(10000);
      const ac = new AbortController();
      const sleep = ring.sleep(60000, { signal: ac.signal });
      await ring.nop(); // the sleep is in the kernel
      const refused = refuseEntries(3);
      ac.abort();
      const err = await rejectionOf(() => sleep, 'aborted sleep');
      expectAbortError(err);
      expect(refused()).to.equal(3);
      expect(ring.stats().inFlight).to.equal(0);
    });

    it("shutdown()'s cancel-all that finds the staging area full is staged once there is room", async function () {
      this.timeout(10000);
      const sleeps = Array.from({ length: 4 }, () => ring.sleep(60000));
      const settled = Promise.allSettled(sleeps);
      await ring.nop();
      const before = ring.stats().cqesReaped;
      const refused = refuseEntries(2);
      await ring.shutdown();
      expect(refused()).to.equal(2);
      for (const o of await settled) {
        expect(o.status).to.equal('rejected');
        expectErrnoError(o.reason, { code: 'ECANCELED' });
      }
      // The kernel gave every sleep back (plus the cancel's own CQE): none was abandoned.
      expect(ring.stats().cqesReaped - before).to.equal(5);
    });

    it('setInterval keeps ticking during sleep(300)', async function () {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 5);
      try {
        expect(await ring.sleep(300)).to.equal(undefined);
      } finally {
        clearInterval(timer);
      }
      // a blocked loop gives 0 or 1 ticks; a live one about 60
      expect(ticks).to.be.at.least(10);
    });

    it('setInterval keeps ticking while a read waits on an empty FIFO', async function () {
      const fifo = makeFifo(dir);
      cleanups.push(() => fifo.release());
      const buf = Buffer.alloc(8);
      const read = ring.read(fifo.fd, buf, 0, 8, null);
      expect(await ticksDuring(300)).to.be.at.least(10);
      fifo.feed('unblock!');
      expect(await read).to.equal(8);
      expect(buf.toString()).to.equal('unblock!');
    });

    it('a cancelled FIFO read is really gone: data written afterwards goes to the next read', async function () {
      const fifo = makeFifo(dir);
      cleanups.push(() => fifo.release());
      const ac = new AbortController();
      const stale = Buffer.alloc(8, '.');
      const p = ring.read(fifo.fd, stale, 0, 8, null, { signal: ac.signal });
      await delay(20);
      ac.abort();
      expectAbortError(await rejectionOf(() => p, 'read'));

      fifo.feed('fresh!!!');
      const buf = Buffer.alloc(8);
      expect(await ring.read(fifo.fd, buf, 0, 8, null, { timeout: 5000 })).to.equal(8);
      expect(buf.toString()).to.equal('fresh!!!');
      expect(stale.toString(), 'the cancelled read must not receive data').to.equal('........');
    });
  },
);
