// The durable log's group-commit algorithm on Node's fs, for comparison: the
// same record format (8-byte header with CRC32C, built into one batch buffer,
// the CRCs computed by the log's own function when the batch is committed),
// the same batching (appends made while a batch is in flight form the next
// batch), one durable write per batch, one batch in flight. Only the I/O path
// differs: fs.promises FileHandle or callback fs (both on libuv's thread pool)
// writing to a file opened with O_DSYNC, as the log's RWF_DSYNC writes are (one
// system call per batch; with `dsync: false`, a write and then an fdatasync),
// or, for bench/floor.mjs, one linked write -> fdatasync on the bare addon
// (bench/lib/floor-ring.js).
'use strict';

const fs = require('node:fs');
// The log's own record checksums, so that only the I/O path differs.
const { sealRecords } = require('../../dist/api/log/format.js');

const HEADER = 8;

function putU32(buf, off, value) {
  buf[off] = value;
  buf[off + 1] = value >>> 8;
  buf[off + 2] = value >>> 16;
  buf[off + 3] = value >>> 24;
}

class FsGroupLog {
  /**
   * @param {{ fd: number, handle?: import('node:fs/promises').FileHandle, position: number,
   *           arenaSize: number, io: 'promises' | 'callback' | 'floor', dsync?: boolean,
   *           ring?: import('./floor-ring').FloorRing }} o
   */
  constructor(o) {
    this.fd = o.fd;
    this.handle = o.handle;
    this.position = o.position;
    this.io = o.io;
    // The fd was opened with O_DSYNC: each write is durable when it returns.
    this.dsync = o.dsync === true;
    this.ring = o.ring;
    this.arenaSize = o.arenaSize;
    this.filling = this.newBatch();
    this.spare = [];
    this.committing = false;
    this.nextLsn = 1;
    this.batches = 0;
    this.scheduled = false;
    this.runCommit = () => {
      this.scheduled = false;
      if (!this.committing && this.filling.count > 0) this.commit();
    };
  }

  newBatch() {
    const arena = (this.spare && this.spare.pop()) || Buffer.allocUnsafe(this.arenaSize);
    return { arena, used: 0, count: 0, firstLsn: 0, resolves: [], rejects: [] };
  }

  append(payload) {
    return new Promise((resolve, reject) => {
      const b = this.filling;
      const size = HEADER + payload.length;
      if (b.count === 0) b.firstLsn = this.nextLsn;
      const off = b.used;
      const arena = b.arena;
      putU32(arena, off + 4, size);
      arena.set(payload, off + HEADER);
      this.nextLsn++;
      b.used += size;
      b.count++;
      b.resolves.push(resolve);
      b.rejects.push(reject);
      if (!this.scheduled) {
        this.scheduled = true;
        queueMicrotask(this.runCommit);
      }
    });
  }

  commit() {
    const b = this.filling;
    this.filling = this.newBatch();
    this.committing = true;
    sealRecords(b.arena, 0, b.used, b.firstLsn);
    const position = this.position;
    this.position += b.used;
    const done = (err) => {
      this.committing = false;
      this.batches++;
      if (err) for (const reject of b.rejects) reject(err);
      else for (let i = 0; i < b.count; i++) b.resolves[i]({ lsn: b.firstLsn + i });
      b.used = 0;
      this.spare.push(b.arena);
      if (this.filling.count > 0) this.commit();
    };
    if (this.io === 'floor') {
      this.ring.writeDatasync(this.fd, b.arena, b.used, position).then(() => done(), done);
    } else if (this.io === 'promises') {
      const written = this.handle.write(b.arena, 0, b.used, position);
      (this.dsync ? written : written.then(() => this.handle.datasync())).then(() => done(), done);
    } else {
      fs.write(this.fd, b.arena, 0, b.used, position, (err) => {
        if (err || this.dsync) return done(err);
        fs.fdatasync(this.fd, done);
      });
    }
  }
}

module.exports = { FsGroupLog };
