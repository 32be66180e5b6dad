// io_uring-specific tests (Linux only): the backend is really live, no helper threads, buffer and
// process lifetime, pressure on a tiny ring, shutdown with ops in flight, worker threads, stats.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

import { Ring, isIoUringAvailable } from '../index.mjs';
import {
  useTempDir,
  backends,
  rejectionOf,
  expectErrnoError,
  makeFifo,
  countIoUringFds,
  collectGarbage,
  waitFor,
  delay,
  runNode,
  lastJsonLine,
  patternBytes,
  FIXTURES,
  IS_LINUX,
} from './helpers.mjs';

/** process.env without URING_LOOP_BACKEND, plus `extra` */
function childEnv(extra = {}) {
  const env = { ...process.env, ...extra };
  if (!('URING_LOOP_BACKEND' in extra)) delete env.URING_LOOP_BACKEND;
  return env;
}

function fixture(name) {
  return path.join(FIXTURES, name);
}

(IS_LINUX ? describe : describe.skip)('io_uring backend', function () {
  const t = useTempDir();
  const rings = [];
  /** a ring shut down after the test (before the temp dir goes) */
  function newRing(options = {}) {
    const ring = new Ring({ backend: 'io_uring', ...options });
    rings.push(ring);
    return ring;
  }
  afterEach(async function () {
    while (rings.length) await rings.pop().shutdown();
  });

  describe('selection', function () {
    it('new Ring() uses io_uring on this Linux machine (unless URING_LOOP_BACKEND=fs)', async function () {
      const ring = new Ring();
      rings.push(ring);
      if (process.env.URING_LOOP_BACKEND === 'fs') {
        expect(ring.backend).to.equal('fs');
      } else {
        expect(isIoUringAvailable(), 'io_uring must be available here').to.equal(true);
        expect(ring.backend, 'the fs fallback must never be a silent default').to.equal('io_uring');
        expect(ring.stats().backend).to.equal('io_uring');
      }
    });

    it('an io_uring ring really holds a kernel io_uring instance, and shutdown() releases it', async function () {
      const before = countIoUringFds();
      const ring = new Ring({ backend: 'io_uring' });
      try {
        expect(await ring.nop()).to.equal(undefined);
        expect(
          countIoUringFds(),
          'anon_inode:[io_uring] fds while the ring is live',
        ).to.be.at.least(1);
      } finally {
        await ring.shutdown();
      }
      const released = await waitFor(() => countIoUringFds() <= before, { timeout: 2000 });
      expect(
        released,
        `the io_uring fd must be closed by shutdown(): ${countIoUringFds()} > ${before}`,
      ).to.equal(true);
    });

    it("backend: 'io_uring' requested explicitly works end to end", async function () {
      const ring = newRing();
      expect(ring.backend).to.equal('io_uring');
      const p = t.file('explicit.txt');
      const fd = await ring.open(p, 'w+');
      expect(await ring.write(fd, Buffer.from('via io_uring'), 0, 12, 0)).to.equal(12);
      const buf = Buffer.alloc(12);
      expect(await ring.read(fd, buf, 0, 12, 0)).to.equal(12);
      await ring.close(fd);
      expect(buf.toString()).to.equal('via io_uring');
      expect(fs.readFileSync(p, 'utf8')).to.equal('via io_uring');
    });

    it('URING_LOOP_BACKEND=fs in the environment makes the default backend fs (child process)', async function () {
      const forced = await runNode([fixture('print-backend.mjs')], {
        env: childEnv({ URING_LOOP_BACKEND: 'fs' }),
      });
      expect(forced.code, forced.stderr).to.equal(0);
      expect(lastJsonLine(forced).backend).to.equal('fs');

      const plain = await runNode([fixture('print-backend.mjs')], { env: childEnv() });
      expect(plain.code, plain.stderr).to.equal(0);
      expect(lastJsonLine(plain).backend).to.equal('io_uring');
    });

    it("URING_LOOP_BACKEND=fs only affects 'auto': an explicit backend 'io_uring' still gets io_uring", async function () {
      const res = await runNode([fixture('print-backend.mjs'), 'io_uring'], {
        env: childEnv({ URING_LOOP_BACKEND: 'fs' }),
      });
      expect(res.code, res.stderr).to.equal(0);
      expect(lastJsonLine(res).backend).to.equal('io_uring');
    });
  });

  describe('taskrun', function () {
    const COOP_TASKRUN = 1 << 8;
    const DEFER_TASKRUN = 1 << 13;

    for (const taskrun of [undefined, 'cooperative', 'deferred']) {
      it(`taskrun ${taskrun ?? '(default)'}: the matching setup flag is live and write -> fdatasync -> read chains complete`, async function () {
        const ring = new Ring({ backend: 'io_uring', taskrun });
        rings.push(ring);
        const flags = ring.features.setupFlags;
        if (taskrun === 'deferred') {
          expect(flags & DEFER_TASKRUN, 'DEFER_TASKRUN').to.equal(DEFER_TASKRUN);
          expect(flags & COOP_TASKRUN, 'COOP_TASKRUN').to.equal(0);
        } else {
          expect(flags & COOP_TASKRUN, 'COOP_TASKRUN').to.equal(COOP_TASKRUN);
          expect(flags & DEFER_TASKRUN, 'DEFER_TASKRUN').to.equal(0);
        }
        const fd = await ring.open(t.file(`taskrun-${taskrun}.bin`), 'w+');
        const runs = [];
        for (let i = 0; i < 64; i++) {
          const data = Buffer.alloc(4096, i);
          const back = Buffer.alloc(4096);
          runs.push(
            ring
              .chain()
              .write(fd, data, 0, 4096, i * 4096)
              .fdatasync(fd)
              .read(fd, back, 0, 4096, i * 4096)
              .run()
              .then((res) => {
                expect(res).to.deep.equal([4096, undefined, 4096]);
                expect(back.equals(data), `block ${i}`).to.equal(true);
              }),
          );
        }
        await Promise.all(runs);
        await ring.close(fd);
      });
    }
  });

  describe('no helper threads', function () {
    function multiset(names) {
      const m = new Map();
      for (const n of names) m.set(n, (m.get(n) || 0) + 1);
      return m;
    }

    it('thousands of ops add no thread a bare node lacks, apart from iou-wrk-*/iou-sqp-*', async function () {
      this.timeout(60000);
      const bare = await runNode(
        [
          '-e',
          `setTimeout(() => {
             const fs = require('fs');
             const names = fs.readdirSync('/proc/self/task').map((t) => fs.readFileSync('/proc/self/task/' + t + '/comm', 'utf8').trim());
             console.log(JSON.stringify({ names }));
           }, 200);`,
        ],
        { env: childEnv() },
      );
      expect(bare.code, bare.stderr).to.equal(0);
      const baseline = multiset(lastJsonLine(bare).names);

      const work = await runNode([fixture('threads-workload.cjs')], {
        env: childEnv(),
        timeout: 50000,
      });
      expect(work.code, work.stderr).to.equal(0);
      const out = lastJsonLine(work);
      expect(out.backend).to.equal('io_uring');
      expect(out.errors).to.equal(0);
      expect(out.ops).to.be.at.least(5000);

      const extra = [];
      for (const [name, count] of multiset(out.names)) {
        const over = count - (baseline.get(name) || 0);
        for (let i = 0; i < over; i++) extra.push(name);
      }
      const notKernel = extra.filter((n) => !n.startsWith('iou-wrk') && !n.startsWith('iou-sqp'));
      expect(
        notKernel,
        `threads beyond a bare node's ${JSON.stringify([...baseline])}: ${JSON.stringify(out.names)}`,
      ).to.deep.equal([]);
    });
  });

  describe('lifetime', function () {
    it('buffers only the library references survive gc() while reads and writes are in flight', async function () {
      this.timeout(60000);
      const ring = newRing();
      const N = 16;
      const collected = [];
      const registry = new FinalizationRegistry((tag) => collected.push(tag));

      // reads: one FIFO each; the buffer is reachable only through the library (and a WeakRef)
      const fifos = Array.from({ length: N }, (_, i) => makeFifo(t.dir, `r${i}`));
      t.defer(() => fifos.forEach((f) => f.release()));
      const reads = fifos.map((fifo, i) => {
        const buf = i % 2 ? new Uint8Array(16) : Buffer.alloc(4096).subarray(100, 116);
        registry.register(buf.buffer, `read ${i}`);
        const weak = new WeakRef(buf);
        return ring.read(fifo.fd, buf, 0, 16, null).then((n) => ({ n, weak }));
      });

      // writes: into FIFOs that are full, so they wait; the data must be read back intact later
      const payload = (i) => patternBytes(4096, 1000 + i);
      const wfifos = Array.from({ length: 4 }, (_, i) => makeFifo(t.dir, `w${i}`));
      t.defer(() => wfifos.forEach((f) => f.release()));
      const fills = wfifos.map((fifo) => {
        const w = fs.openSync(fifo.path, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
        let filled = 0;
        try {
          for (;;) filled += fs.writeSync(w, Buffer.alloc(4096, 0x2d));
        } catch (err) {
          if (err.code !== 'EAGAIN') throw err;
        } finally {
          fs.closeSync(w);
        }
        return filled;
      });
      const writes = wfifos.map((fifo, i) => {
        const data = Buffer.alloc(4096); // not from the Buffer pool; only the library holds it
        payload(i).copy(data);
        registry.register(data.buffer, `write ${i}`);
        return ring.write(fifo.fd, data, 0, data.length, null);
      });

      await delay(20);
      await collectGarbage(6);
      await delay(20);
      await collectGarbage(6);
      expect(collected, 'buffers collected while the kernel still owns them').to.deep.equal([]);
      expect(ring.stats().inFlight).to.equal(N + wfifos.length);

      // complete the reads
      fifos.forEach((fifo, i) => fifo.feed(`payload-${String(i).padStart(8, '0')}`)); // 16 bytes
      const got = await Promise.all(reads);
      got.forEach(({ n, weak }, i) => {
        expect(n).to.equal(16);
        const buf = weak.deref();
        expect(buf, `read buffer ${i}`).to.not.equal(undefined);
        expect(Buffer.from(buf.buffer, buf.byteOffset, 16).toString()).to.equal(
          `payload-${String(i).padStart(8, '0')}`,
        );
      });

      // complete the writes: drain the filler, then the payload must come out intact
      for (let i = 0; i < wfifos.length; i++) {
        const r = fs.openSync(wfifos[i].path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
        try {
          let drained = 0;
          const sink = Buffer.alloc(4096);
          while (drained < fills[i])
            drained += fs.readSync(r, sink, 0, Math.min(4096, fills[i] - drained));
          expect(await writes[i]).to.equal(4096);
          const back = Buffer.alloc(4096);
          let got2 = 0;
          while (got2 < 4096) got2 += fs.readSync(r, back, got2, 4096 - got2);
          expect(back.equals(payload(i)), `write ${i} sent what its buffer held`).to.equal(true);
        } finally {
          fs.closeSync(r);
        }
      }
    });

    it('buffers created in closures survive gc() while sleeps and FIFO reads are pending', async function () {
      const ring = newRing();
      const fifo = makeFifo(t.dir);
      t.defer(() => fifo.release());
      const start = () => {
        const bufs = Array.from({ length: 8 }, () => new Uint8Array(8));
        return Promise.all(
          bufs.map((b) =>
            ring
              .sleep(30)
              .then(() => ring.read(fifo.fd, b, 0, 8, null))
              .then(() => b),
          ),
        );
      };
      const all = start();
      await collectGarbage(4);
      await delay(60); // sleeps done, reads now pending
      await collectGarbage(4);
      const records = Array.from({ length: 8 }, (_, i) => `rec${String(i).padStart(4, '0')}!`); // 8 bytes
      fifo.feed(records.join(''));
      const bufs = await all;
      const seen = bufs.map((b) => Buffer.from(b).toString()).sort();
      expect(seen).to.deep.equal(records.slice().sort());
    });

    for (const backend of backends()) {
      it(`a pending sleep(300) keeps the process alive [${backend}]`, async function () {
        const res = await runNode([fixture('keepalive.mjs'), backend], {
          env: childEnv(),
          timeout: 10000,
        });
        expect(res.timedOut, 'child hung').to.equal(false);
        expect(res.code, res.stderr).to.equal(0);
        const out = lastJsonLine(res);
        expect(out.backend).to.equal(backend);
        expect(out.elapsed).to.be.at.least(295);
        expect(res.ms).to.be.at.least(300);
      });

      for (const mode of ['unused', 'nop', 'after-timeout', 'after-abort']) {
        it(`an idle ring (${mode}) does not keep the process alive [${backend}]`, async function () {
          const res = await runNode([fixture('idle-ring.mjs'), backend, mode], {
            env: childEnv(),
            timeout: 8000,
          });
          expect(res.timedOut, 'the idle ring kept the process alive; child was killed').to.equal(
            false,
          );
          expect(res.signal).to.equal(null);
          expect(res.code, res.stderr).to.equal(0);
          expect(lastJsonLine(res)).to.deep.equal({ backend, mode, done: true });
        });
      }
    }

    it('shutdown() with ops in flight and queued settles every promise and leaves nothing in flight', async function () {
      const ring = newRing({ entries: 4 });
      const fifo = makeFifo(t.dir);
      t.defer(() => fifo.release());
      const pending = [
        ...Array.from({ length: 10 }, () => ring.sleep(10000)),
        ...Array.from({ length: 5 }, () => ring.read(fifo.fd, Buffer.alloc(8), 0, 8, null)),
        ring.chain().sleep(10000).nop().run(),
      ];
      const settled = Promise.allSettled(pending);
      await delay(20);
      expect(ring.stats().inFlight + ring.stats().queued).to.be.at.least(15);
      await ring.shutdown();
      const outcomes = await settled;
      outcomes.slice(0, 15).forEach((o, i) => {
        expect(o.status, `op ${i}`).to.equal('rejected');
        expectErrnoError(o.reason, { code: 'ECANCELED' });
      });
      expect(outcomes[15].status).to.equal('rejected');
      const s = ring.stats();
      expect(s.inFlight).to.equal(0);
      expect(s.queued).to.equal(0);

      const err = await rejectionOf(() => ring.nop(), 'nop after shutdown');
      expect(err.code).to.equal('ERR_URING_CLOSED');
      const err2 = await rejectionOf(
        () => ring.read(fifo.fd, Buffer.alloc(1), 0, 1, null),
        'read after shutdown',
      );
      expect(err2.code).to.equal('ERR_URING_CLOSED');
      await ring.shutdown();
    });
  });

  describe('pressure', function () {
    it('a 4-entry ring takes 100 000 mixed ops: all resolve, chains in order, file content exact', async function () {
      this.timeout(180000);
      const ring = newRing({ entries: 4 });
      const p = t.file('pressure.bin');
      const fd = fs.openSync(p, 'w+');
      t.defer(() => fs.closeSync(fd));
      const rec = (slot) => Buffer.from(`r${String(slot).padStart(9, '0')}------`); // 16 bytes
      const before = ring.stats();

      // 5000 units of 20 ops: 1 chain (write -> fdatasync), 4 writes, 14 nops
      const UNITS = 5000;
      const chains = [];
      const writes = [];
      const nops = [];
      for (let u = 0; u < UNITS; u++) {
        chains.push(
          ring
            .chain()
            .write(fd, rec(u * 5), 0, 16, u * 5 * 16)
            .fdatasync(fd)
            .run(),
        );
        for (let k = 1; k <= 4; k++)
          writes.push(ring.write(fd, rec(u * 5 + k), 0, 16, (u * 5 + k) * 16));
        for (let k = 0; k < 14; k++) nops.push(ring.nop());
      }
      expect(chains.length * 2 + writes.length + nops.length).to.equal(100000);

      const [c, w, n] = await Promise.all([
        Promise.all(chains),
        Promise.all(writes),
        Promise.all(nops),
      ]);
      c.forEach((r, i) => expect(r, `chain ${i}`).to.deep.equal([16, undefined]));
      expect(
        w.every((v) => v === 16),
        'every write wrote 16 bytes',
      ).to.equal(true);
      expect(n.every((v) => v === undefined)).to.equal(true);

      const content = fs.readFileSync(p);
      expect(content.length).to.equal(UNITS * 5 * 16);
      for (let slot = 0; slot < UNITS * 5; slot++) {
        if (!content.subarray(slot * 16, slot * 16 + 16).equals(rec(slot))) {
          expect.fail(`slot ${slot} holds ${content.subarray(slot * 16, slot * 16 + 16)}`);
        }
      }
      const after = ring.stats();
      expect(after.completed - before.completed).to.be.at.least(100000);
      expect(after.inFlight).to.equal(0);
      expect(after.queued).to.equal(0);
    });
  });

  describe('small rings and chains', function () {
    it('per-op timeouts count as SQEs: a chain that needs more SQEs than the SQ is a RangeError', async function () {
      // IORING_OP_LINK_TIMEOUT takes an SQE of its own: 3 ops with timeouts need 6 SQEs
      const ring = newRing({ entries: 4 });
      const fits = await ring.chain().nop({ timeout: 1000 }).nop({ timeout: 1000 }).run();
      expect(fits).to.deep.equal([undefined, undefined]);
      const err = await rejectionOf(
        () =>
          ring.chain().nop({ timeout: 1000 }).nop({ timeout: 1000 }).nop({ timeout: 1000 }).run(),
        'chain.run()',
      );
      expect(err).to.be.instanceOf(RangeError);
      expect(await ring.nop()).to.equal(undefined);
    });

    it("many 3-op chains on a 4-entry ring never straddle submissions: every read sees its own chain's writes", async function () {
      this.timeout(60000);
      const ring = newRing({ entries: 4 });
      const p = t.file('straddle.bin');
      const fd = fs.openSync(p, 'w+');
      t.defer(() => fs.closeSync(fd));
      const N = 2000;
      const reads = Array.from({ length: N }, () => Buffer.alloc(8));
      const runs = [];
      for (let i = 0; i < N; i++) {
        runs.push(
          ring
            .chain()
            .write(fd, Buffer.from(`A${String(i).padStart(6, '0')}|`), 0, 8, i * 8)
            .write(fd, Buffer.from(`B${String(i).padStart(6, '0')}|`), 0, 8, i * 8)
            .read(fd, reads[i], 0, 8, i * 8)
            .run(),
        );
        if (i % 7 === 0) runs.push(ring.nop()); // odd-sized fillers so chains land at every SQ offset
      }
      await Promise.all(runs);
      reads.forEach((b, i) =>
        expect(b.toString(), `chain ${i}`).to.equal(`B${String(i).padStart(6, '0')}|`),
      );
    });

    it("sqpoll: { idleMs } gives a working ring with a kernel 'iou-sqp' thread", async function () {
      const taskNames = () =>
        fs.readdirSync('/proc/self/task').map((tid) => {
          try {
            return fs.readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
          } catch {
            return '';
          }
        });
      const ring = newRing({ sqpoll: { idleMs: 1000 } });
      expect(ring.backend).to.equal('io_uring');
      const p = t.file('sqpoll.bin');
      const fd = fs.openSync(p, 'w+');
      t.defer(() => fs.closeSync(fd));
      const writes = Array.from({ length: 64 }, (_, i) =>
        ring.write(fd, Buffer.from([i]), 0, 1, i),
      );
      expect(await Promise.all(writes)).to.deep.equal(new Array(64).fill(1));
      expect(await ring.chain().fdatasync(fd).nop().run()).to.deep.equal([undefined, undefined]);
      expect(fs.readFileSync(p)).to.deep.equal(
        Buffer.from(Array.from({ length: 64 }, (_, i) => i)),
      );
      expect(
        taskNames().filter((n) => n.startsWith('iou-sqp')),
        'SQPOLL thread',
      ).to.have.length.at.least(1);
    });
  });

  describe('worker threads', function () {
    /** Starts a worker and records its messages, errors and exit from the very start. */
    function startWorker(file, workerData) {
      const worker = new Worker(fixture(file), { workerData });
      const w = { worker, errors: [], messages: [] };
      w.firstMessage = new Promise((resolve) => worker.once('message', resolve));
      worker.on('message', (m) => w.messages.push(m));
      worker.on('error', (err) => w.errors.push(err));
      w.exit = new Promise((resolve) => worker.once('exit', resolve));
      /** resolves { timedOut, code } */
      // The timer is cleared once the worker exits: a pending one would hold the test run open.
      w.waitExit = (ms) =>
        new Promise((resolve) => {
          const timer = setTimeout(() => resolve({ timedOut: true }), ms);
          w.exit.then((code) => {
            clearTimeout(timer);
            resolve({ timedOut: false, code });
          });
        });
      return w;
    }

    it('3 workers each run their own ring for 10 000 ops, report, and exit by themselves', async function () {
      this.timeout(120000);
      const before = countIoUringFds();
      const ws = [0, 1, 2].map((id) =>
        startWorker('worker-ops.mjs', { dir: t.dir, id, ops: 10000 }),
      );
      // each worker either reports or dies; a dead worker shows up in errors / exit code below
      await Promise.all(ws.map((w) => Promise.race([w.firstMessage, w.exit])));
      for (const [i, w] of ws.entries()) {
        expect(w.errors.map(String), `worker ${i} errors`).to.deep.equal([]);
      }
      const exits = await Promise.all(ws.map((w) => w.waitExit(10000)));
      for (const [i, e] of exits.entries()) {
        if (e.timedOut) await ws[i].worker.terminate();
        expect(
          e.timedOut,
          `worker ${i} did not exit by itself (its idle ring kept it alive)`,
        ).to.equal(false);
        expect(e.code, `worker ${i} exit code`).to.equal(0);
      }
      const threadIds = new Set();
      for (const [i, w] of ws.entries()) {
        expect(w.messages, `worker ${i} reports once`).to.have.length(1);
        const r = w.messages[0];
        expect(r.backend).to.equal('io_uring');
        expect(r.done).to.equal(10000);
        expect(r.mismatches).to.equal(0);
        expect(r.stats.completed).to.be.at.least(10000);
        threadIds.add(r.threadId);
      }
      expect(threadIds.size).to.equal(3);
      const cleaned = await waitFor(() => countIoUringFds() <= before, { timeout: 3000 });
      expect(
        cleaned,
        `io_uring fds after the workers exited: ${countIoUringFds()}, before: ${before}`,
      ).to.equal(true);
    });

    it('terminating a worker with ops in flight does not crash and leaks no io_uring instance', async function () {
      this.timeout(60000);
      const ring = newRing();
      const before = countIoUringFds();
      for (let round = 0; round < 3; round++) {
        const fifo = makeFifo(t.dir, `hang-${round}`);
        t.defer(() => fifo.release());
        const w = startWorker('worker-hang.mjs', { fifoFd: fifo.fd });
        const ready = await Promise.race([w.firstMessage, w.exit.then(() => null)]);
        expect(w.errors.map(String)).to.deep.equal([]);
        expect(ready, 'worker started its ops').to.deep.equal({ ready: true, backend: 'io_uring' });
        await delay(30 + round * 20);
        await w.worker.terminate();
        const e = await w.waitExit(20000);
        expect(e.timedOut).to.equal(false);
        expect(w.errors.map(String)).to.deep.equal([]);
        const cleaned = await waitFor(() => countIoUringFds() <= before, { timeout: 3000 });
        expect(cleaned, `round ${round}: io_uring fds ${countIoUringFds()} > ${before}`).to.equal(
          true,
        );
      }
      // the main thread's ring is unaffected
      global.gc();
      expect(await ring.nop()).to.equal(undefined);
      expect(await ring.sleep(5)).to.equal(undefined);
    });
  });

  describe('stats()', function () {
    it('submitted/completed grow, and 64 concurrent nops need fewer submit calls than ops', async function () {
      const ring = newRing();
      await ring.nop();
      const before = ring.stats();
      const all = Array.from({ length: 64 }, () => ring.nop());
      await Promise.all(all);
      const after = ring.stats();
      const submitted = after.submitted - before.submitted;
      const submitCalls = after.submitCalls - before.submitCalls;
      expect(submitted).to.be.at.least(64);
      expect(after.completed - before.completed).to.be.at.least(64);
      expect(after.sqesSubmitted - before.sqesSubmitted).to.be.at.least(64);
      expect(submitCalls).to.be.at.least(1);
      expect(submitCalls, 'ops must be batched into few io_uring_enter calls').to.be.below(
        submitted,
      );
      expect(after.inFlight).to.equal(0);
    });
  });

  describe('one CQE per chain segment (IOSQE_CQE_SKIP_SUCCESS)', function () {
    const CQE_SKIP = 1 << 11; // IORING_FEAT_CQE_SKIP
    beforeEach(function () {
      if ((newRing().features.features & CQE_SKIP) === 0) this.skip();
    });

    /** Runs `make(ring)`'s chain; returns its outcome and the CQEs reaped and skipped. */
    async function counted(ring, make, runOptions) {
      await ring.nop();
      const before = ring.stats();
      const outcome = await make(ring)
        .run(runOptions)
        .then(
          (value) => ({ value }),
          (error) => ({ error }),
        );
      const after = ring.stats();
      expect(after.inFlight).to.equal(0);
      expect(after.cqesReaped + after.cqesSkipped).to.equal(after.sqesSubmitted);
      return {
        ...outcome,
        reaped: after.cqesReaped - before.cqesReaped,
        skipped: after.cqesSkipped - before.cqesSkipped,
      };
    }

    it('write -> write -> write -> fdatasync posts one CQE; the writes are implied in full', async function () {
      const ring = newRing();
      const fd = fs.openSync(t.file('quiet.bin'), 'w+');
      t.defer(() => fs.closeSync(fd));
      const r = await counted(ring, (rg) =>
        rg
          .chain()
          .write(fd, Buffer.from('abc'), 0, 3, 0)
          .write(fd, Buffer.from('defg'), 0, 4, 3)
          .write(fd, Buffer.from('h'), 0, 1, 7)
          .fdatasync(fd),
      );
      expect(r.error).to.equal(undefined);
      expect(r.value).to.deep.equal([3, 4, 1, undefined]);
      expect([r.reaped, r.skipped]).to.deep.equal([1, 3]);
      expect(fs.readFileSync(t.file('quiet.bin'), 'utf8')).to.equal('abcdefgh');
    });

    it('a failure inside the segment posts only its own CQE: the op before it succeeded, those after are ECANCELED', async function () {
      const ring = newRing();
      const p = t.file('quiet-fail.bin');
      const fd = fs.openSync(p, 'w+');
      t.defer(() => fs.closeSync(fd));
      const r = await counted(ring, (rg) =>
        rg
          .chain()
          .write(fd, Buffer.from('first'), 0, 5, 0)
          .write(987654, Buffer.from('bad fd'), 0, 6, 0)
          .write(fd, Buffer.from('never'), 0, 5, 5)
          .fdatasync(fd),
      );
      expectErrnoError(r.error.cause, { code: 'EBADF', syscall: 'write' });
      expect(r.error.index).to.equal(1);
      expect(r.error.results.map((x) => x.status)).to.deep.equal([
        'fulfilled',
        'rejected',
        'rejected',
        'rejected',
      ]);
      expect(r.error.results[0].value).to.equal(5);
      expect(r.error.results[2].reason.code).to.equal('ECANCELED');
      expect(r.error.results[3].reason.code).to.equal('ECANCELED');
      expect([r.reaped, r.skipped]).to.deep.equal([1, 3]);
      expect(fs.readFileSync(p, 'utf8')).to.equal('first');
    });

    it('a short read inside the segment is a failure, never an implied full read', async function () {
      const ring = newRing();
      const p = t.file('short.bin');
      fs.writeFileSync(p, '0123456789');
      const fd = fs.openSync(p, 'r+');
      t.defer(() => fs.closeSync(fd));
      const r = await counted(ring, (rg) =>
        rg
          .chain()
          .read(fd, Buffer.alloc(100), 0, 100, 0)
          .write(fd, Buffer.from('X'), 0, 1, 0)
          .fdatasync(fd),
      );
      expect(r.error.index).to.equal(0);
      expect(r.error.cause.code).to.equal('ERR_URING_SHORT_IO');
      expect(r.error.cause.bytes).to.equal(10);
      expect([r.reaped, r.skipped]).to.deep.equal([1, 2]);
      expect(fs.readFileSync(p, 'utf8')).to.equal('0123456789');
    });

    it('a chain with an AbortSignal or a per-op timeout gets a CQE for every op', async function () {
      const ring = newRing();
      const fd = fs.openSync(t.file('loud.bin'), 'w+');
      t.defer(() => fs.closeSync(fd));
      const signal = new AbortController().signal;
      const withSignal = await counted(
        ring,
        (rg) => rg.chain().write(fd, Buffer.from('a'), 0, 1, 0).fdatasync(fd),
        { signal },
      );
      expect([withSignal.reaped, withSignal.skipped]).to.deep.equal([2, 0]);
      const withTimeout = await counted(ring, (rg) =>
        rg.chain().write(fd, Buffer.from('b'), 0, 1, 1, { timeout: 5000 }).fdatasync(fd),
      );
      // The write's linked timeout is cancelled when the write completes: its own CQE too.
      expect([withTimeout.reaped, withTimeout.skipped]).to.deep.equal([3, 0]);
    });
  });
});
