// Crash safety: a child appends and reports each acknowledged LSN; it is killed
// with SIGKILL at a random moment; the log is reopened (recovered) and must hold
// every acknowledged record, intact, in order, with no gap. The same log goes
// through every round, so recovery also runs on logs that were recovered before.
// A second run mixes in records of 1-2 MiB, larger than the scan window of
// recovery and read(), in 8 MiB segments.
// CRASH_ROUNDS sets the number of rounds (npm run test:crash runs 50; the
// large-record run does a quarter of that).
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';

import { DurableLog, Ring } from '../index.mjs';
import { FIXTURES, backends, makeTempDir, removeTempDir } from './helpers.mjs';
import { checkPayload } from './fixtures/log-records.mjs';

const ROUNDS = Number(process.env.CRASH_ROUNDS || 8);
const SEGMENT = 64 * 1024;
const BIG_SEGMENT = 8 * 1024 * 1024;

/** Runs the child until it has acknowledged something, then kills it after `delayMs`. */
function crashRound(dir, backend, delayMs, segment, big) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(FIXTURES, 'log-crash-child.mjs'), dir, backend, String(segment), String(big)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let buffered = '';
    let stderr = '';
    let openedAt = -1;
    const acked = [];
    let timer;
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.stdout.setEncoding('utf8').on('data', (d) => {
      buffered += d;
      const lines = buffered.split('\n');
      buffered = lines.pop();
      for (const line of lines) {
        if (line.startsWith('open ')) openedAt = Number(line.slice(5));
        else if (line) acked.push(Number(line));
      }
      if (acked.length > 0 && timer === undefined) {
        timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    const guard = setTimeout(() => child.kill('SIGKILL'), 20000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      clearTimeout(timer);
      if (signal !== 'SIGKILL') {
        reject(new Error(`child exited with ${code}/${signal} before the kill:\n${stderr}`));
      } else if (acked.length === 0) {
        reject(new Error(`child acknowledged nothing:\n${stderr}`));
      } else {
        resolve({ openedAt, acked });
      }
    });
  });
}

/** `rounds` SIGKILL rounds on one log; returns how many recoveries cut a tail. */
async function crashRounds(rounds, segment, big) {
  const dir = makeTempDir('uring-loop-crash-');
  try {
    let maxAcked = 0;
    let recoveries = 0;
    for (let round = 0; round < rounds; round++) {
      const list = backends();
      const backend = list[round % list.length];
      const delay = 5 + Math.floor(Math.random() * 200);
      const { openedAt, acked } = await crashRound(dir, backend, delay, segment, big);
      expect(openedAt, 'the child reopened where the last round left off').to.be.at.least(1);
      for (const lsn of acked) if (lsn > maxAcked) maxAcked = lsn;

      const ring = new Ring({ backend });
      const log = await DurableLog.open(dir, { ring, segmentSize: segment });
      if (log.recovery) recoveries++;
      expect(log.nextLsn - 1, `round ${round}: acknowledged LSNs survive`).to.be.at.least(maxAcked);
      await log.close();

      // Every record intact, LSNs dense from 1, each producer's records in its own order.
      let expectLsn = 1;
      const lastSeq = new Map();
      for await (const rec of DurableLog.read(dir, { ring })) {
        expect(rec.lsn).to.equal(expectLsn);
        expectLsn++;
        const [producer, seq] = checkPayload(rec.payload);
        const key = `${producer}`;
        if (rec.lsn >= openedAt && lastSeq.has(key) && seq !== 0) {
          expect(seq, `producer ${producer} order`).to.be.greaterThan(lastSeq.get(key));
        }
        lastSeq.set(key, seq);
      }
      expect(expectLsn - 1, 'read yields every acknowledged record').to.be.at.least(maxAcked);
      await ring.shutdown();
    }
    return recoveries;
  } finally {
    removeTempDir(dir);
  }
}

describe('DurableLog crash safety (SIGKILL)', function () {
  const bigRounds = Math.max(2, Math.ceil(ROUNDS / 4));
  this.timeout((ROUNDS + bigRounds) * 20000 + 30000);

  it(`keeps every acknowledged record across ${ROUNDS} SIGKILL rounds`, async function () {
    const recoveries = await crashRounds(ROUNDS, SEGMENT, 0);
    // Informational: how many rounds left a tail to cut.
    this.test.title += ` (${recoveries} recoveries cut a tail)`;
  });

  it(`keeps every acknowledged record, records of 1-2 MiB among them, across ${bigRounds} SIGKILL rounds`, async function () {
    const recoveries = await crashRounds(bigRounds, BIG_SEGMENT, 2);
    this.test.title += ` (${recoveries} recoveries cut a tail)`;
  });

  // The kernel frees a killed process's io_uring requests (and the files they used) a few ms
  // after the process is gone; the log's lock must not wait for that. With the lock on the
  // directory fd the log fsyncs, about one round in ten was refused.
  it('a log whose writer was killed opens at once: the lock goes with the process', async function () {
    if (!backends().includes('io_uring')) this.skip();
    const dir = makeTempDir('uring-loop-relock-');
    try {
      for (let round = 0; round < 25; round++) {
        const child = spawn(
          process.execPath,
          [path.join(FIXTURES, 'log-crash-child.mjs'), dir, 'io_uring', '4096'],
          { stdio: ['ignore', 'pipe', 'inherit'] },
        );
        // Tiny segments: a rollover, with its directory fsync, every few appends.
        await once(child.stdout, 'data');
        await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 60));
        const closed = once(child, 'close');
        child.kill('SIGKILL');
        await closed;
        const ring = new Ring({ backend: 'io_uring' });
        try {
          const log = await DurableLog.open(dir, { ring, segmentSize: 4096 });
          await log.close();
        } finally {
          await ring.shutdown();
        }
      }
    } finally {
      removeTempDir(dir);
    }
  });
});
