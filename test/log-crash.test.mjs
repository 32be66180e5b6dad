// Crash safety: a child appends and reports each acknowledged LSN; it is killed
// with SIGKILL at a random moment; the log is reopened (recovered) and must hold
// every acknowledged record, intact, in order, with no gap. The same log goes
// through every round, so recovery also runs on logs that were recovered before.
// CRASH_ROUNDS sets the number of rounds (npm run test:crash runs 50).
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import path from 'node:path';

import { DurableLog, Ring } from '../index.mjs';
import { FIXTURES, backends, makeTempDir, removeTempDir } from './helpers.mjs';
import { checkPayload } from './fixtures/log-records.mjs';

const ROUNDS = Number(process.env.CRASH_ROUNDS || 8);
const SEGMENT = 64 * 1024;

/** Runs the child until it has acknowledged something, then kills it after `delayMs`. */
function crashRound(dir, backend, delayMs) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(FIXTURES, 'log-crash-child.mjs'), dir, backend, String(SEGMENT)],
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

describe('DurableLog crash safety (SIGKILL)', function () {
  this.timeout(ROUNDS * 20000 + 30000);

  it(`keeps every acknowledged record across ${ROUNDS} SIGKILL rounds`, async function () {
    const dir = makeTempDir('uring-loop-crash-');
    try {
      let maxAcked = 0;
      let recoveries = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const list = backends();
        const backend = list[round % list.length];
        const delay = 5 + Math.floor(Math.random() * 200);
        const { openedAt, acked } = await crashRound(dir, backend, delay);
        expect(openedAt, 'the child reopened where the last round left off').to.be.at.least(1);
        for (const lsn of acked) if (lsn > maxAcked) maxAcked = lsn;

        const ring = new Ring({ backend });
        const log = await DurableLog.open(dir, { ring, segmentSize: SEGMENT });
        if (log.recovery) recoveries++;
        expect(log.nextLsn - 1, `round ${round}: acknowledged LSNs survive`).to.be.at.least(
          maxAcked,
        );
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
      // Informational: how many rounds left a tail to cut.
      this.test.title += ` (${recoveries} recoveries cut a tail)`;
    } finally {
      removeTempDir(dir);
    }
  });
});
