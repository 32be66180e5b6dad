// Recovery at open: a torn or corrupt tail of the last segment is cut back to
// exactly the intact prefix, reported in log.recovery, and appends go on from
// there. Also: directories that are not logs, damaged headers, leftovers.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';

import { DurableLog } from '../index.mjs';
import { describeBackends } from './helpers.mjs';

const SEG = '00000000000000000001.wal';

async function readAll(dir, ring) {
  const out = [];
  for await (const rec of DurableLog.read(dir, { ring })) out.push(rec.payload.toString());
  return out;
}

/** A closed log with records r0..r(n-1); returns the offsets where each record starts. */
async function makeLog(dir, ring, n, options = {}) {
  const log = await DurableLog.open(dir, { ring, ...options });
  const texts = Array.from({ length: n }, (_, i) => `r${i}-${'p'.repeat(10 + (i % 7))}`);
  await Promise.all(texts.map((p) => log.append(p)));
  await log.close();
  const offsets = [];
  let at = 32;
  for (const p of texts) {
    offsets.push(at);
    at += 8 + Buffer.byteLength(p);
  }
  return { texts, offsets, end: at };
}

function patch(file, position, bytes) {
  const fd = fs.openSync(file, 'r+');
  fs.writeSync(fd, bytes, 0, bytes.length, position);
  fs.closeSync(fd);
}

describeBackends('DurableLog recovery', function (_backend, t) {
  const cases = [
    {
      title: 'a record cut short by the end of the file',
      preallocate: false,
      damage: (file, o) => fs.truncateSync(file, o.offsets[9] + 11),
      reason: 'torn-record',
      dropped: () => 11,
    },
    {
      title: 'a flipped byte in the last record',
      damage: (file, o) => {
        const fd = fs.openSync(file, 'r+');
        const b = Buffer.alloc(1);
        fs.readSync(fd, b, 0, 1, o.offsets[9] + 12);
        b[0] ^= 0x40;
        fs.writeSync(fd, b, 0, 1, o.offsets[9] + 12);
        fs.closeSync(fd);
      },
      reason: 'checksum-mismatch',
      dropped: (o) => o.end - o.offsets[9],
    },
    {
      title: 'the last record half overwritten by zeros (a torn write in a preallocated file)',
      damage: (file, o) => patch(file, o.offsets[9] + 10, Buffer.alloc(o.end - o.offsets[9] - 10)),
      reason: 'checksum-mismatch',
      dropped: () => 10,
    },
    {
      title: 'garbage right after the last record',
      damage: (file, o) => patch(file, o.end, Buffer.from('this is not a record at all')),
      reason: ['bad-length', 'checksum-mismatch', 'torn-record'],
      dropped: () => 27,
      keep: 10,
    },
    {
      title: 'garbage behind a run of zeros (a later batch written behind a hole)',
      damage: (file, o) => patch(file, o.end + 100, Buffer.from([1, 2, 3, 4, 5])),
      reason: 'trailing-garbage',
      dropped: () => 105,
      keep: 10,
    },
    {
      title: 'an intact record copied to the end (valid CRC, wrong LSN)',
      damage: (file, o) => {
        const rec = Buffer.alloc(o.offsets[1] - o.offsets[0]);
        const fd = fs.openSync(file, 'r+');
        fs.readSync(fd, rec, 0, rec.length, o.offsets[0]);
        fs.writeSync(fd, rec, 0, rec.length, o.end);
        fs.closeSync(fd);
      },
      reason: 'checksum-mismatch',
      dropped: (o) => o.offsets[1] - o.offsets[0],
      keep: 10,
    },
  ];

  for (const c of cases) {
    it(`cuts ${c.title} and keeps exactly the intact prefix`, async function () {
      const dir = t.file('log');
      const options = { segmentSize: 64 * 1024, preallocate: c.preallocate ?? true };
      const o = await makeLog(dir, t.ring, 10, options);
      c.damage(path.join(dir, SEG), o);
      const keep = c.keep ?? 9;

      const log = await DurableLog.open(dir, { ring: t.ring, ...options });
      const r = log.recovery;
      expect(r, 'recovery report').to.not.equal(null);
      expect(r.segment).to.equal(SEG);
      expect(r.truncatedAt).to.equal(keep === 10 ? o.end : o.offsets[9]);
      expect(r.droppedBytes).to.equal(c.dropped(o));
      expect([].concat(c.reason)).to.include(r.reason);
      expect(r.nextLsn).to.equal(keep + 1);
      expect(log.nextLsn).to.equal(keep + 1);
      expect((await log.append('after')).lsn).to.equal(keep + 1);
      await log.close();

      expect(await readAll(dir, t.ring)).to.deep.equal([...o.texts.slice(0, keep), 'after']);
      const again = await DurableLog.open(dir, { ring: t.ring, ...options });
      expect(again.recovery).to.equal(null);
      await again.close();
      if (options.preallocate) expect(fs.statSync(path.join(dir, SEG)).size).to.equal(64 * 1024);
    });
  }

  it('records larger than the 1 MiB scan window survive reopen, and read back in both segments', async function () {
    const dir = t.file('log');
    const sizes = [2 << 20, 5, (1 << 20) - 4, (1 << 20) + 100, 3 << 20, 7];
    const payload = (i) => Buffer.alloc(sizes[i], 0x61 + i);
    // 4 MiB segments: the 3 MiB record starts the second one, at its first record offset.
    let log = await DurableLog.open(dir, { ring: t.ring, segmentSize: 4 << 20 });
    for (let i = 0; i < sizes.length; i++)
      expect((await log.append(payload(i))).lsn).to.equal(i + 1);
    await log.close();
    log = await DurableLog.open(dir, { ring: t.ring, segmentSize: 4 << 20 });
    expect(log.recovery).to.equal(null);
    expect(log.nextLsn).to.equal(sizes.length + 1);
    await log.close();
    expect(fs.readdirSync(dir).length).to.be.greaterThan(1);
    const got = [];
    for await (const rec of DurableLog.read(dir, { ring: t.ring })) got.push(rec);
    expect(got.map((r) => r.lsn)).to.deep.equal(sizes.map((_, i) => i + 1));
    got.forEach((r, i) => expect(r.payload.equals(payload(i))).to.equal(true));
  });

  it('a large record cut short is a torn tail: recovery keeps the records before it', async function () {
    const dir = t.file('log');
    let log = await DurableLog.open(dir, { ring: t.ring, preallocate: false });
    await log.append('first');
    await log.append(Buffer.alloc(3 << 20, 0x62));
    await log.close();
    const file = path.join(dir, SEG);
    const start = 32 + 8 + 5;
    fs.truncateSync(file, start + (2 << 20));
    log = await DurableLog.open(dir, { ring: t.ring, preallocate: false });
    expect(log.recovery).to.include({ reason: 'torn-record', truncatedAt: start, nextLsn: 2 });
    expect(log.recovery.droppedBytes).to.equal(2 << 20);
    await log.close();
    expect(await readAll(dir, t.ring)).to.deep.equal(['first']);
  });

  it('the reader stops at a torn tail of the last segment without opening the log', async function () {
    const dir = t.file('log');
    const o = await makeLog(dir, t.ring, 10);
    patch(path.join(dir, SEG), o.offsets[8] + 9, Buffer.from([0xff]));
    expect(await readAll(dir, t.ring)).to.deep.equal(o.texts.slice(0, 8));
  });

  it('a damaged record in an earlier segment is reported as corruption by the reader', async function () {
    const dir = t.file('log');
    const log = await DurableLog.open(dir, { ring: t.ring, segmentSize: 2048 });
    await Promise.all(Array.from({ length: 100 }, (_, i) => log.append(`c${i}-${'k'.repeat(30)}`)));
    await log.close();
    patch(path.join(dir, SEG), 32 + 8 + 2, Buffer.from('#'));
    const err = await readAll(dir, t.ring).catch((e) => e);
    expect(err.code).to.equal('ERR_URING_LOG_CORRUPT');
    expect(err.path).to.equal(path.join(fs.realpathSync(dir), SEG));
  });

  it('removes leftover temporary segments', async function () {
    const dir = t.file('log');
    await makeLog(dir, t.ring, 3);
    fs.writeFileSync(path.join(dir, '00000000000000000004.wal.tmp'), 'half-made segment');
    fs.writeFileSync(path.join(dir, 'spare.wal.tmp'), 'half-made spare');
    const log = await DurableLog.open(dir, { ring: t.ring });
    await log.close();
    expect(fs.readdirSync(dir).sort()).to.deep.equal([SEG]);
  });

  it('refuses a directory that holds other files and no segment (ERR_URING_NOT_A_LOG)', async function () {
    const dir = t.file('other');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'hello');
    const err = await DurableLog.open(dir, { ring: t.ring }).catch((e) => e);
    expect(err.code).to.equal('ERR_URING_NOT_A_LOG');
    expect(fs.readdirSync(dir)).to.deep.equal(['notes.txt']);
    // It can be opened again later (nothing stays locked).
    fs.unlinkSync(path.join(dir, 'notes.txt'));
    const log = await DurableLog.open(dir, { ring: t.ring });
    await log.close();
  });

  it('refuses a segment with a foreign magic (NOT_A_LOG) or a damaged header (LOG_CORRUPT)', async function () {
    const dir = t.file('log');
    await makeLog(dir, t.ring, 2);
    const file = path.join(dir, SEG);
    patch(file, 20, Buffer.from([9]));
    let err = await DurableLog.open(dir, { ring: t.ring }).catch((e) => e);
    expect(err.code).to.equal('ERR_URING_LOG_CORRUPT');
    patch(file, 0, Buffer.from('NOTALOG!'));
    err = await DurableLog.open(dir, { ring: t.ring }).catch((e) => e);
    expect(err.code).to.equal('ERR_URING_NOT_A_LOG');
  });

  it('a path that is a file is an ENOTDIR/EEXIST error', async function () {
    fs.writeFileSync(t.file('plain'), 'x');
    const err = await DurableLog.open(t.file('plain'), { ring: t.ring }).catch((e) => e);
    expect(['ENOTDIR', 'EEXIST']).to.include(err.code);
  });
});
