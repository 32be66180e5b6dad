// DurableLog: appends, acknowledgement order, reading, segments, back-pressure,
// failed batches. Runs once per backend.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import { ChainError, DurableLog, Ring } from '../index.mjs';
import { describeBackends, errnoOf } from './helpers.mjs';

const HOLDER = fileURLToPath(new URL('./fixtures/log-holder.mjs', import.meta.url));
const LIB = fileURLToPath(new URL('..', import.meta.url));

async function readAll(dir, options) {
  const out = [];
  for await (const rec of DurableLog.read(dir, options)) {
    out.push({ lsn: rec.lsn, text: rec.payload.toString() });
  }
  return out;
}

/** The error a full disk gives `syscall`. */
function enospc(syscall) {
  return errnoError('ENOSPC', 'no space left on device', syscall);
}

function errnoError(code, text, syscall) {
  return Object.assign(new Error(`${code}: ${text}, ${syscall}`), {
    code,
    errno: errnoOf(code),
    syscall,
  });
}

function segments(dir) {
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.wal'))
    .sort();
}

describeBackends('DurableLog', function (backend, t) {
  it('appends strings, Buffers and typed arrays; LSNs are dense from 1 and acknowledged in order', async function () {
    const log = await DurableLog.open(t.file('log'), { ring: t.ring });
    t.defer(() => log.close());
    const order = [];
    const inputs = ['alpha', Buffer.from('beta'), new Uint8Array([0x67, 0x61]), 'δέλτα', ''];
    const results = await Promise.all(
      inputs.map((p, i) => log.append(p).then((r) => (order.push(i), r))),
    );
    expect(results.map((r) => r.lsn)).to.deep.equal([1, 2, 3, 4, 5]);
    expect(order).to.deep.equal([0, 1, 2, 3, 4]);
    await log.close();
    const recs = await readAll(t.file('log'), { ring: t.ring });
    expect(recs).to.deep.equal([
      { lsn: 1, text: 'alpha' },
      { lsn: 2, text: 'beta' },
      { lsn: 3, text: 'ga' },
      { lsn: 4, text: 'δέλτα' },
      { lsn: 5, text: '' },
    ]);
  });

  it('groups concurrent appends into batches of one synced writev each (RWF_DSYNC on io_uring, writev + fdatasync on fs)', async function () {
    const log = await DurableLog.open(t.file('log'), { ring: t.ring });
    t.defer(() => log.close());
    const before = t.ring.stats().submitted;
    await Promise.all(Array.from({ length: 500 }, (_, i) => log.append(`r${i}`)));
    const s = log.stats();
    expect(s.records).to.equal(500);
    expect(s.batches).to.be.at.least(1).and.at.most(3);
    const dsync = backend === 'io_uring';
    expect(s.batchSync).to.equal(dsync ? 'dsync' : 'fdatasync');
    expect(s.dsyncWrites).to.equal(dsync ? s.batches : 0);
    expect(s.fdatasyncs).to.equal(dsync ? 0 : s.batches);
    expect(s.meanBatchRecords).to.equal(500 / s.batches);
    expect(s.maxBatchRecords).to.be.at.least(250);
    expect(s.maxInflightBatches).to.equal(1);
    expect(s.pendingBytes).to.equal(0);
    expect(s.durableLsn).to.equal(500);
    expect(s.nextLsn).to.equal(501);
    // One ring op per batch with RWF_DSYNC, two (writev, fdatasync) without.
    const ops = t.ring.stats().submitted - before;
    expect(ops).to.equal((dsync ? 1 : 2) * s.batches);
  });

  it('producers that await each append keep batching (64 producers)', async function () {
    const log = await DurableLog.open(t.file('log'), { ring: t.ring });
    t.defer(() => log.close());
    let next = 0;
    const payload = Buffer.alloc(256, 0x61);
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < 3000) {
          next++;
          await log.append(payload);
        }
      }),
    );
    const s = log.stats();
    expect(s.records).to.equal(3000);
    expect(s.meanBatchRecords).to.be.greaterThan(16);
  });

  it('a firehose of appends fills batches that overlap; every record reads back intact', async function () {
    const log = await DurableLog.open(t.file('log'), {
      ring: t.ring,
      maxBatchBytes: 4096,
      segmentSize: 256 * 1024,
    });
    const texts = Array.from({ length: 6000 }, (_, i) => `fire-${i}-${'f'.repeat(i % 90)}`);
    const results = await Promise.all(texts.map((p) => log.append(p)));
    expect(results.map((r) => r.lsn)).to.deep.equal(texts.map((_, i) => i + 1));
    expect(log.stats().maxBatchRecords).to.be.below(100);
    expect(log.stats().maxInflightBatches).to.equal(2);
    await log.close();
    const recs = await readAll(t.file('log'), { ring: t.ring });
    expect(recs.map((r) => r.text)).to.deep.equal(texts);
    const reopened = await DurableLog.open(t.file('log'), {
      ring: t.ring,
      segmentSize: 256 * 1024,
    });
    expect(reopened.recovery).to.equal(null);
    await reopened.close();
  });

  it('read() of a log being appended to yields a dense prefix holding every record acknowledged before it started', async function () {
    this.timeout(60000);
    const log = await DurableLog.open(t.file('log'), { ring: t.ring, segmentSize: 64 * 1024 });
    const payloadOf = (i) => Buffer.alloc(1 + ((i * 7919) % 3000), i & 0xff);
    let next = 0;
    let acked = 0;
    let writing = true;
    const producers = Array.from({ length: 8 }, async () => {
      while (writing) {
        const i = next++;
        const { lsn } = await log.append(payloadOf(i));
        expect(lsn).to.equal(i + 1);
        acked = Math.max(acked, lsn);
      }
    });
    let reads = 0;
    let longest = 0;
    try {
      // Reads race appends, segment rollovers and the spare segment's preparation.
      while (reads < 12 || log.stats().segmentsCreated < 4) {
        const ackedBefore = acked;
        let lsn = 0;
        for await (const rec of DurableLog.read(t.file('log'), { ring: t.ring })) {
          expect(rec.lsn).to.equal(lsn + 1);
          lsn = rec.lsn;
          expect(rec.payload.equals(payloadOf(lsn - 1)), `payload of LSN ${lsn}`).to.equal(true);
        }
        expect(lsn).to.be.at.least(ackedBefore);
        longest = Math.max(longest, lsn);
        reads++;
      }
    } finally {
      writing = false;
      await Promise.all(producers);
      await log.close();
    }
    expect(longest).to.be.greaterThan(0);
  });

  it('close() waits for accepted appends; append after close rejects with ERR_URING_CLOSED', async function () {
    const log = await DurableLog.open(t.file('log'), { ring: t.ring });
    const pending = Array.from({ length: 100 }, (_, i) => log.append(`x${i}`));
    const closed = log.close();
    expect(log.close()).to.equal(closed);
    const err = await log.append('late').then(
      () => null,
      (e) => e,
    );
    expect(err).to.be.instanceOf(Error);
    expect(err.code).to.equal('ERR_URING_CLOSED');
    await closed;
    const results = await Promise.all(pending);
    expect(results[99].lsn).to.equal(100);
    expect((await readAll(t.file('log'), { ring: t.ring })).length).to.equal(100);
  });

  it('reopening continues the LSN sequence and reports a clean log', async function () {
    let log = await DurableLog.open(t.file('log'), { ring: t.ring });
    await Promise.all(['a', 'b', 'c'].map((p) => log.append(p)));
    await log.close();
    log = await DurableLog.open(t.file('log'), { ring: t.ring });
    expect(log.recovery).to.equal(null);
    expect(log.nextLsn).to.equal(4);
    expect((await log.append('d')).lsn).to.equal(4);
    await log.close();
    expect((await readAll(t.file('log'), { ring: t.ring })).map((r) => r.text)).to.deep.equal([
      'a',
      'b',
      'c',
      'd',
    ]);
  });

  it('refuses to open a log that is already open in this process', async function () {
    const log = await DurableLog.open(t.file('log'), { ring: t.ring });
    t.defer(() => log.close());
    const err = await DurableLog.open(t.file('log'), { ring: t.ring }).catch((e) => e);
    expect(err.code).to.equal('ERR_URING_LOG_LOCKED');
    expect(err.path).to.equal(fs.realpathSync(t.file('log')));
    await log.close();
    const again = await DurableLog.open(t.file('log'), { ring: t.ring });
    await again.close();
  });

  it('refuses a log another process has open, and leaves it untouched', async function () {
    this.timeout(20000);
    const dir = t.file('log');
    const child = spawn(process.execPath, [HOLDER, dir, backend], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      const [line] = await once(readline.createInterface({ input: child.stdout }), 'line');
      expect(line).to.equal('open 2');
      const before = fs.readFileSync(path.join(dir, segments(dir)[0]));
      const err = await DurableLog.open(dir, { ring: t.ring }).catch((e) => e);
      expect(err.code).to.equal('ERR_URING_LOG_LOCKED');
      expect(err.message).to.include(fs.realpathSync(dir));
      // Refused before recovery: the live segment was neither cut nor grown.
      expect(fs.readFileSync(path.join(dir, segments(dir)[0])).equals(before)).to.equal(true);
    } finally {
      child.stdin.end();
      expect(await exited).to.equal(0);
    }
    // The holder closed: the lock went with its fd.
    const log = await DurableLog.open(dir, { ring: t.ring });
    t.defer(() => log.close());
    expect(log.nextLsn).to.equal(2);
  });

  it('refuses a log a worker thread has open', async function () {
    this.timeout(20000);
    const dir = t.file('log');
    const worker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const { DurableLog, Ring } = require(workerData.lib);
       (async () => {
         const ring = new Ring({ backend: workerData.backend });
         const log = await DurableLog.open(workerData.dir, { ring });
         parentPort.postMessage('open');
         parentPort.once('message', async () => {
           await log.close();
           await ring.shutdown();
           parentPort.close();
         });
       })();`,
      { eval: true, workerData: { lib: LIB, dir, backend } },
    );
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    try {
      expect((await once(worker, 'message'))[0]).to.equal('open');
      const err = await DurableLog.open(dir, { ring: t.ring }).catch((e) => e);
      expect(err.code).to.equal('ERR_URING_LOG_LOCKED');
    } finally {
      worker.postMessage('close');
      expect(await exited).to.equal(0);
    }
    const log = await DurableLog.open(dir, { ring: t.ring });
    await log.close();
  });

  describe('segments', function () {
    const segmentSize = 4096;

    it('rolls over at segmentSize, preallocates, reads across segments, and from an LSN', async function () {
      const log = await DurableLog.open(t.file('log'), { ring: t.ring, segmentSize });
      const texts = Array.from({ length: 300 }, (_, i) => `record-${i}-${'z'.repeat(i % 50)}`);
      await Promise.all(texts.map((p) => log.append(p)));
      expect(log.stats().segmentsCreated).to.be.greaterThan(3);
      await log.close();
      const names = segments(t.file('log'));
      expect(names.length).to.equal(log.stats().segmentsCreated);
      expect(names[0]).to.equal('00000000000000000001.wal');
      for (const name of names.slice(0, -1)) {
        // Preallocated to the segment size; never more than one record past it.
        expect(fs.statSync(`${t.file('log')}/${name}`).size).to.equal(segmentSize);
      }
      const all = await readAll(t.file('log'), { ring: t.ring });
      expect(all.map((r) => r.text)).to.deep.equal(texts);
      expect(all.map((r) => r.lsn)).to.deep.equal(texts.map((_, i) => i + 1));
      // Segment names are their first LSN: every record's LSN matches.
      for (const name of names) {
        const base = Number(name.slice(0, 20));
        expect(all.some((r) => r.lsn === base)).to.equal(true);
      }
      for (const from of [1, 2, 57, 150, 299, 300]) {
        const part = await readAll(t.file('log'), { ring: t.ring, fromLsn: from });
        expect(part.map((r) => r.lsn)).to.deep.equal(texts.slice(from - 1).map((_, i) => from + i));
      }
      expect(await readAll(t.file('log'), { ring: t.ring, fromLsn: 301 })).to.deep.equal([]);
    });

    it('reopens after a rollover and keeps appending to the last segment', async function () {
      let log = await DurableLog.open(t.file('log'), { ring: t.ring, segmentSize });
      await Promise.all(
        Array.from({ length: 100 }, (_, i) => log.append(`a${i}-${'q'.repeat(60)}`)),
      );
      await log.close();
      const before = segments(t.file('log'));
      log = await DurableLog.open(t.file('log'), { ring: t.ring, segmentSize });
      expect(log.recovery).to.equal(null);
      expect(log.nextLsn).to.equal(101);
      await Promise.all(
        Array.from({ length: 100 }, (_, i) => log.append(`b${i}-${'q'.repeat(60)}`)),
      );
      await log.close();
      expect(segments(t.file('log')).length).to.be.greaterThan(before.length);
      const all = await readAll(t.file('log'), { ring: t.ring });
      expect(all.length).to.equal(200);
      expect(all[100].text.startsWith('b0-')).to.equal(true);
      expect(all.map((r) => r.lsn)).to.deep.equal(all.map((_, i) => i + 1));
    });

    it('rollover adopts the spare prepared in the background; close leaves no spare behind', async function () {
      const size = 64 * 1024;
      const log = await DurableLog.open(t.file('log'), { ring: t.ring, segmentSize: size });
      const texts = Array.from({ length: 600 }, (_, i) => `s${i}-${'w'.repeat(400)}`);
      // One at a time: every batch is small, so each segment passes the point where
      // its spare starts well before it is full.
      for (const text of texts) await log.append(text);
      const st = log.stats();
      expect(st.segmentsCreated).to.be.greaterThan(3);
      // The first segment is created at open; every later one was a spare.
      expect(st.segmentsFromSpare).to.equal(st.segmentsCreated - 1);
      await log.close();
      const names = fs.readdirSync(t.file('log')).sort();
      expect(names.filter((n) => !n.endsWith('.wal'))).to.deep.equal([]);
      expect(names.length).to.equal(st.segmentsCreated);
      for (const name of names.slice(0, -1)) {
        expect(fs.statSync(`${t.file('log')}/${name}`).size).to.equal(size);
      }
      const all = await readAll(t.file('log'), { ring: t.ring });
      expect(all.map((r) => r.text)).to.deep.equal(texts);
      expect(all.map((r) => r.lsn)).to.deep.equal(texts.map((_, i) => i + 1));
    });

    it('a spare larger than one zero-fill step is adopted whole: header, records, zeros to its end', async function () {
      this.timeout(30000);
      // Spares are zero-filled in synced 16 MiB steps: 20 MiB takes a full step and a partial one.
      const size = 20 * 1024 * 1024;
      const log = await DurableLog.open(t.file('log'), { ring: t.ring, segmentSize: size });
      const payload = (i) => Buffer.alloc(1024 * 1024, 0x41 + i);
      for (let i = 0; i < 22; i++) await log.append(payload(i));
      const st = log.stats();
      expect(st.segmentsCreated).to.equal(2);
      expect(st.segmentsFromSpare).to.equal(1);
      await log.close();
      const names = fs.readdirSync(t.file('log')).sort();
      expect(names.length).to.equal(2);
      let n = 0;
      for await (const rec of DurableLog.read(t.file('log'), { ring: t.ring })) {
        expect(rec.lsn).to.equal(n + 1);
        expect(rec.payload.equals(payload(n))).to.equal(true);
        n++;
      }
      expect(n).to.equal(22);
      // Past the second segment's header (32 bytes) and records (8-byte header each): zeros.
      const second = fs.readFileSync(`${t.file('log')}/${names[1]}`);
      expect(second.length).to.equal(size);
      const inSecond = 22 - Number(names[1].slice(0, -4)) + 1;
      const used = 32 + inSecond * (8 + 1024 * 1024);
      expect(second.subarray(used).equals(Buffer.alloc(size - used))).to.equal(true);
    });

    it('a spare that cannot be prepared is not used: rollover creates the segment itself', async function () {
      let failFallocate = 0;
      class FailingRing extends Ring {
        fallocate(...args) {
          if (failFallocate > 0) {
            failFallocate--;
            return Promise.reject(enospc('fallocate'));
          }
          return super.fallocate(...args);
        }
      }
      const ring = new FailingRing({ backend });
      t.defer(() => ring.shutdown());
      const log = await DurableLog.open(t.file('log'), { ring, segmentSize: 4096 });
      failFallocate = 1; // the spare's
      const big = 'v'.repeat(3000);
      expect((await log.append(big)).lsn).to.equal(1);
      expect((await log.append(big)).lsn).to.equal(2);
      expect(log.stats().segmentsCreated).to.equal(2);
      expect(log.stats().segmentsFromSpare).to.equal(0);
      await log.close();
      expect(segments(t.file('log')).length).to.equal(fs.readdirSync(t.file('log')).length);
      expect((await readAll(t.file('log'), { ring })).map((r) => r.lsn)).to.deep.equal([1, 2]);
    });

    it('a record larger than a segment is a RangeError; one that fills a segment is fine', async function () {
      const log = await DurableLog.open(t.file('log'), { ring: t.ring, segmentSize });
      t.defer(() => log.close());
      const err = await log.append(Buffer.alloc(segmentSize)).catch((e) => e);
      expect(err).to.be.instanceOf(RangeError);
      expect(err.code).to.equal('ERR_OUT_OF_RANGE');
      const max = segmentSize - 32 - 8;
      await log.append('small');
      expect((await log.append(Buffer.alloc(max, 7))).lsn).to.equal(2);
      expect((await log.append('after')).lsn).to.equal(3);
    });

    it('works without preallocation', async function () {
      const log = await DurableLog.open(t.file('log'), {
        ring: t.ring,
        segmentSize,
        preallocate: false,
      });
      await Promise.all(Array.from({ length: 200 }, (_, i) => log.append(`n${i}`)));
      await log.close();
      const names = segments(t.file('log'));
      const last = fs.statSync(`${t.file('log')}/${names[names.length - 1]}`).size;
      expect(last).to.be.lessThan(segmentSize);
      expect((await readAll(t.file('log'), { ring: t.ring })).length).to.equal(200);
    });
  });

  it('back-pressure: appends wait above maxPending, none is dropped, order holds', async function () {
    const log = await DurableLog.open(t.file('log'), {
      ring: t.ring,
      maxPending: 4096,
      maxBatchBytes: 4096,
    });
    t.defer(() => log.close());
    const payload = Buffer.alloc(500, 0x62);
    const pending = Array.from({ length: 200 }, () => log.append(payload));
    const s = log.stats();
    expect(s.waitingAppends).to.be.greaterThan(150);
    expect(s.pendingBytes).to.be.at.most(4096);
    const results = await Promise.all(pending);
    expect(results.map((r) => r.lsn)).to.deep.equal(results.map((_, i) => i + 1));
    expect(log.stats().maxBatchRecords).to.be.at.most(8);
  });

  it('a batch that fails rejects its appends with the error; the log stays consistent and goes on', async function () {
    // A ring whose chains fail on demand like a full disk would.
    let failNext = 0;
    class FailingRing extends Ring {
      chain() {
        const chain = super.chain();
        if (failNext > 0) {
          failNext--;
          chain.run = () => Promise.reject(new ChainError(0, enospc('writev'), []));
        }
        return chain;
      }
      // A batch is one writev with RWF_DSYNC on io_uring.
      writev(...args) {
        if (failNext > 0) {
          failNext--;
          return Promise.reject(enospc('writev'));
        }
        return super.writev(...args);
      }
    }
    const ring = new FailingRing({ backend });
    t.defer(() => ring.shutdown());
    const log = await DurableLog.open(t.file('log'), { ring });
    await Promise.all(['a', 'b'].map((p) => log.append(p)));
    failNext = 1;
    const failed = await Promise.allSettled(['c', 'd'].map((p) => log.append(p)));
    expect(failed.map((r) => r.status)).to.deep.equal(['rejected', 'rejected']);
    expect(failed[0].reason.code).to.equal('ENOSPC');
    expect(log.stats().failedBatches).to.equal(1);
    const later = await Promise.all(['e', 'f'].map((p) => log.append(p)));
    expect(later.map((r) => r.lsn)).to.deep.equal([3, 4]);
    await log.close();
    const recs = await readAll(t.file('log'), { ring });
    expect(recs).to.deep.equal([
      { lsn: 1, text: 'a' },
      { lsn: 2, text: 'b' },
      { lsn: 3, text: 'e' },
      { lsn: 4, text: 'f' },
    ]);
  });

  it('where RWF_DSYNC is refused (EOPNOTSUPP, EINVAL), batches go in as writev -> fdatasync and nothing fails', async function () {
    // The fs backend syncs with writev -> fdatasync from the start: it never asks.
    const asks = backend === 'io_uring';
    for (const code of ['EOPNOTSUPP', 'EINVAL']) {
      let refused = 0;
      class NoDsyncRing extends Ring {
        writev(fd, buffers, position, options) {
          if (options?.dsync) {
            refused++;
            return Promise.reject(errnoError(code, 'refused', 'writev'));
          }
          return super.writev(fd, buffers, position, options);
        }
      }
      const ring = new NoDsyncRing({ backend });
      t.defer(() => ring.shutdown());
      const dir = t.file(`log-${code}`);
      const log = await DurableLog.open(dir, { ring });
      expect(log.stats().batchSync).to.equal(asks ? 'dsync' : 'fdatasync');
      const first = await Promise.all(['a', 'b'].map((p) => log.append(p)));
      const then = await Promise.all(['c', 'd'].map((p) => log.append(p)));
      expect([...first, ...then].map((r) => r.lsn)).to.deep.equal([1, 2, 3, 4]);
      const s = log.stats();
      expect(refused, 'one refusal, then no more dsync writes').to.equal(asks ? 1 : 0);
      expect(s).to.include({ batchSync: 'fdatasync', failedBatches: 0, dsyncWrites: 0 });
      expect(s.fdatasyncs).to.equal(s.batches);
      await log.close();
      expect((await readAll(dir, { ring })).map((r) => r.text)).to.deep.equal(['a', 'b', 'c', 'd']);
    }
  });

  it('a failed segment creation fails the appends that needed it; the next rollover works', async function () {
    let failChains = 0;
    class FailingRing extends Ring {
      chain() {
        const chain = super.chain();
        if (failChains > 0) {
          failChains--;
          const err = Object.assign(new Error('EDQUOT: disk quota exceeded, fallocate'), {
            code: 'EDQUOT',
          });
          chain.run = () => Promise.reject(new ChainError(1, err, []));
        }
        return chain;
      }
    }
    const ring = new FailingRing({ backend });
    t.defer(() => ring.shutdown());
    const log = await DurableLog.open(t.file('log'), { ring, segmentSize: 4096 });
    const big = 'y'.repeat(3000);
    await log.append(big);
    failChains = 1; // the new segment's header/fallocate chain
    const err = await log.append(big).catch((e) => e);
    expect(err.code).to.equal('EDQUOT');
    expect(fs.readdirSync(t.file('log')).filter((n) => n.endsWith('.tmp'))).to.deep.equal([]);
    expect((await log.append(big)).lsn).to.equal(2);
    await log.close();
    expect((await readAll(t.file('log'), { ring })).map((r) => r.lsn)).to.deep.equal([1, 2]);
  });
});
