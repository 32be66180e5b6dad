// Record CRCs sealed a batch at a time (in the addon where the CPU has a
// CRC32C instruction) must equal the ones the CRC32C library gives record by
// record, which is what recovery and read() verify with.
import { expect } from 'chai';
import { createRequire } from 'node:module';

import { IS_LINUX } from './helpers.mjs';

const require = createRequire(import.meta.url);
const { parseRecord, recordCrc, sealRecords } = require('../dist/api/log/format.js');
const { sealRecordsNative } = require('../dist/loop/record-crc.js');

/** Records of random sizes (empty payloads and sizes that are not multiples of 8 included) from offset `start`. */
function batch(seed, count, start) {
  let x = seed;
  const rand = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
  const sizes = Array.from({ length: count }, (_, i) => 8 + (i === 0 ? 0 : rand() % 700));
  const end = start + sizes.reduce((a, b) => a + b, 0);
  const buf = Buffer.alloc(end + 16, 0xee);
  const offsets = [];
  for (let i = 0, off = start; i < count; off += sizes[i], i++) {
    offsets.push(off);
    buf.writeUInt32LE(sizes[i], off + 4);
    for (let k = off + 8; k < off + sizes[i]; k++) buf[k] = rand() & 0xff;
  }
  return { buf, offsets, sizes, end };
}

describe('DurableLog record CRCs', () => {
  // Around 2^32 the seed wraps; the largest LSN is 2^53 - 1.
  for (const firstLsn of [1, 1000, 0xfffffff0, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER - 100]) {
    it(`sealRecords() writes what recordCrc() computes, from LSN ${firstLsn}`, () => {
      const { buf, offsets, sizes, end } = batch(firstLsn % 9973, 80, 5);
      expect(sealRecords(buf, 5, end, firstLsn)).to.equal(80);
      offsets.forEach((off, i) => {
        expect(buf.readUInt32LE(off)).to.equal(recordCrc(buf, off, sizes[i], firstLsn + i));
        expect(parseRecord(buf, off, end - off, firstLsn + i)).to.equal(sizes[i]);
      });
      // Bound to its place: the same bytes do not verify one LSN later.
      expect(parseRecord(buf, offsets[3], end - offsets[3], firstLsn + 4)).to.be.below(0);
      expect(buf.subarray(end)).to.deep.equal(Buffer.alloc(16, 0xee));
    });
  }

  it('an empty range seals nothing', () => {
    const buf = Buffer.alloc(16, 0xee);
    expect(sealRecords(buf, 4, 4, 1)).to.equal(0);
    expect(buf).to.deep.equal(Buffer.alloc(16, 0xee));
  });

  it('size fields that do not tile the range throw, and nothing is written', () => {
    const { buf, offsets, end } = batch(7, 10, 0);
    const before = Buffer.from(buf);
    expect(() => sealRecords(buf, 0, end - 1, 1)).to.throw(RangeError);
    buf.writeUInt32LE(3, offsets[4] + 4);
    const broken = Buffer.from(buf);
    expect(() => sealRecords(buf, 0, end, 1)).to.throw(RangeError);
    if (sealRecordsNative(before, 0, 0, 1) === 0) expect(buf).to.deep.equal(broken);
  });

  (IS_LINUX && process.arch === 'x64' ? it : it.skip)(
    'on x86-64 the addon seals a batch in one call',
    () => {
      const { buf, end } = batch(3, 5, 0);
      expect(sealRecordsNative(buf, 0, end, 1)).to.equal(5);
      expect(() => sealRecordsNative(buf, 0, end, 1.5)).to.throw(RangeError);
      expect(() => sealRecordsNative(buf, 0, buf.length + 1, 1)).to.throw(RangeError);
    },
  );
});
