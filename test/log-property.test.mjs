// Property: whatever the records (Buffers and UTF-8 strings, empty to several
// MiB, across scan-window and segment boundaries) and however appends are
// grouped into batches, a log closed and reopened recovers nothing, continues
// at the right LSN, and read() yields every record intact and in order, from
// the start or from any LSN.
import { expect } from 'chai';
import fc from 'fast-check';
import fs from 'node:fs';

import { DurableLog } from '../index.mjs';
import { describeBackends } from './helpers.mjs';

const KiB = 1024;
const MiB = 1024 * KiB;

// Mostly small records, some medium, a few larger than the readers' 1 MiB window.
const recordSize = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 600 }) },
  { weight: 3, arbitrary: fc.integer({ min: 600, max: 300 * KiB }) },
  { weight: 1, arbitrary: fc.integer({ min: MiB - 16, max: 2 * MiB + 64 }) },
);

const scenario = fc.record({
  segmentSize: fc.constantFrom(256 * KiB, 3 * MiB),
  preallocate: fc.boolean(),
  // Appends in groups: each group is issued at once and awaited together.
  groups: fc.array(fc.array(recordSize, { minLength: 1, maxLength: 12 }), {
    minLength: 1,
    maxLength: 6,
  }),
  fromPick: fc.nat(),
});

/** Every third record is a string (2-byte UTF-8 characters), the rest Buffers; `size` bytes either way. */
function payloadOf(lsn, size) {
  if (lsn % 3 === 0) {
    if (size === 0) return '';
    const rest = size - 1;
    return `${lsn % 10}${rest % 2 ? 'x' : ''}${'é'.repeat(Math.floor(rest / 2))}`;
  }
  const buf = Buffer.alloc(size, lsn & 0xff);
  if (size >= 4) buf.writeUInt32LE(lsn, 0);
  return buf;
}

function bytesOf(payload) {
  return typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
}

describeBackends('DurableLog (property)', function (_backend, t) {
  it('reopen recovers nothing; read() yields every record intact, from any LSN', async function () {
    this.timeout(120000);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const dir = t.file(`log${run++}`);
        const options = { ring: t.ring, segmentSize: s.segmentSize, preallocate: s.preallocate };
        const max = s.segmentSize - 32 - 8;
        const sizes = [];
        let log = await DurableLog.open(dir, options);
        for (const group of s.groups) {
          const lsns = group.map((size) => {
            const clamped = Math.min(size, max);
            sizes.push(clamped);
            return sizes.length;
          });
          const done = await Promise.all(
            lsns.map((lsn) => log.append(payloadOf(lsn, sizes[lsn - 1]))),
          );
          expect(done.map((r) => r.lsn)).to.deep.equal(lsns);
        }
        await log.close();

        log = await DurableLog.open(dir, options);
        expect(log.recovery).to.equal(null);
        expect(log.nextLsn).to.equal(sizes.length + 1);
        await log.close();

        const from = 1 + (s.fromPick % sizes.length);
        let lsn = from;
        for await (const rec of DurableLog.read(dir, { ring: t.ring, fromLsn: from })) {
          expect(rec.lsn).to.equal(lsn);
          expect(rec.payload.equals(bytesOf(payloadOf(lsn, sizes[lsn - 1])))).to.equal(true);
          lsn++;
        }
        expect(lsn).to.equal(sizes.length + 1);
        fs.rmSync(dir, { recursive: true, force: true });
      }),
      { numRuns: 25, seed: 20261121 },
    );
  });
});
