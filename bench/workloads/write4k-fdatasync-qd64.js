'use strict';
// Each op writes 4 KiB at its own offset of a 16 MiB file and then fdatasyncs;
// 64 in flight. uring-loop does each op as one linked chain write -> fdatasync.
const fs = require('node:fs');
const path = require('node:path');
const { Phase, promisePool, callbackPool } = require('../lib/phase');

const BLOCK = 4096;
const FILE_BYTES = 16 << 20;
const BLOCKS = FILE_BYTES / BLOCK;

module.exports = {
  name: 'write4k-fdatasync-qd64',
  unit: 'durable writes',
  systems: ['uring-loop', 'fs-promises', 'fs-callback'],
  c: true,
  prepare(shared) {
    // Written in full and synced first: the runs overwrite allocated blocks, so
    // fdatasync flushes data, not block allocations.
    const file = path.join(shared, 'write-16m.bin');
    fs.writeFileSync(file, Buffer.alloc(FILE_BYTES, 0x2e));
    const fd = fs.openSync(file, 'r+');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    return { file };
  },
  cArgs(prepared) {
    return ['--file', prepared.file];
  },
  async run(system, ctx) {
    let seq = 0;
    const nextPosition = () => (seq++ % BLOCKS) * BLOCK;
    const bufferFor = (i) => Buffer.alloc(BLOCK, 0x61 + (i % 26));
    const check = (n) => {
      if (n !== BLOCK) throw new Error(`short write: ${n}`);
    };
    const phase = (ring) => new Phase({ ...ctx.timing, bytesPerOp: BLOCK, ring });
    const file = ctx.prepared.file;
    switch (system) {
      case 'uring-loop': {
        const ring = new ctx.lib.Ring();
        const fd = fs.openSync(file, 'r+');
        const result = await promisePool(
          phase(ring),
          64,
          (i) => {
            const buf = bufferFor(i);
            return () => ring.chain().write(fd, buf, 0, BLOCK, nextPosition()).fdatasync(fd).run();
          },
          (r) => check(r[0]),
        );
        await ring.shutdown();
        fs.closeSync(fd);
        return result;
      }
      case 'fs-promises': {
        const fh = await fs.promises.open(file, 'r+');
        const result = await promisePool(phase(), 64, (i) => {
          const buf = bufferFor(i);
          return async () => {
            check((await fh.write(buf, 0, BLOCK, nextPosition())).bytesWritten);
            await fh.datasync();
          };
        });
        await fh.close();
        return result;
      }
      case 'fs-callback': {
        const fd = fs.openSync(file, 'r+');
        const result = await callbackPool(phase(), 64, (i) => {
          const buf = bufferFor(i);
          return (cb) =>
            fs.write(fd, buf, 0, BLOCK, nextPosition(), (err, n) => {
              if (err) return cb(err);
              check(n);
              fs.fdatasync(fd, cb);
            });
        });
        fs.closeSync(fd);
        return result;
      }
      default:
        throw new Error(`unknown system ${system}`);
    }
  },
};
