'use strict';
// 1 MiB sequential writes, one at a time, to a fresh file: 256 MiB in all
// (64 MiB with --quick). An untimed pass of the same size to another file,
// unlinked just before the timed pass, warms up first: on a VM whose balloon
// reports free pages to the host, page-cache pages that come from memory the
// host took back cost about ten times more to fill (a 256 MiB pass after 5 s
// idle: 670-700 ms; right after another pass: 64-80 ms). The warm-up hands the
// timed pass memory that was in use a moment ago, whichever system runs it.
const fs = require('node:fs');
const path = require('node:path');
const { Phase } = require('../lib/phase');

const CHUNK = 1 << 20;

module.exports = {
  name: 'seqwrite-1m',
  unit: 'writes',
  systems: ['uring-loop', 'fs-promises', 'fs-callback', 'fs-sync'],
  c: true,
  cArgs(_prepared, ctx) {
    return ['--dir', ctx.dir, '--total', String(ctx.quick ? 64 << 20 : 256 << 20)];
  },
  async run(system, ctx) {
    const total = ctx.quick ? 64 << 20 : 256 << 20;
    const buf = Buffer.alloc(CHUNK, 0x78);
    const check = (n) => {
      if (n !== CHUNK) throw new Error(`short write: ${n}`);
    };
    let writer;
    let done = async () => {};
    switch (system) {
      case 'uring-loop': {
        const ring = new ctx.lib.Ring();
        writer = {
          ring,
          open: (file) => fs.openSync(file, 'w'),
          write: async (fd, pos) => check(await ring.write(fd, buf, 0, CHUNK, pos)),
          close: (fd) => fs.closeSync(fd),
        };
        done = () => ring.shutdown();
        break;
      }
      case 'fs-promises':
        writer = {
          open: (file) => fs.promises.open(file, 'w'),
          write: async (fh, pos) => check((await fh.write(buf, 0, CHUNK, pos)).bytesWritten),
          close: (fh) => fh.close(),
        };
        break;
      case 'fs-callback':
        writer = {
          open: (file) => fs.openSync(file, 'w'),
          write: (fd, pos) =>
            new Promise((resolve, reject) =>
              fs.write(fd, buf, 0, CHUNK, pos, (err, n) => {
                if (err) return reject(err);
                check(n);
                resolve();
              }),
            ),
          close: (fd) => fs.closeSync(fd),
        };
        break;
      case 'fs-sync':
        writer = {
          open: (file) => fs.openSync(file, 'w'),
          write: (fd, pos) => check(fs.writeSync(fd, buf, 0, CHUNK, pos)),
          close: (fd) => fs.closeSync(fd),
        };
        break;
      default:
        throw new Error(`unknown system ${system}`);
    }
    const pass = async (file, bytes, phase) => {
      const handle = await writer.open(file);
      for (let pos = 0; pos < bytes; pos += CHUNK) {
        const started = phase ? phase.startOp() : 0;
        await writer.write(handle, pos);
        if (phase) phase.done(started);
      }
      // Closing and unlinking are not part of the measured writes.
      if (phase) phase.finish();
      await writer.close(handle);
      fs.unlinkSync(file);
    };
    await pass(path.join(ctx.dir, 'seqwrite-warmup.bin'), total, null);
    const phase = new Phase({
      warmupMs: 0,
      seconds: Infinity,
      bytesPerOp: CHUNK,
      ring: writer.ring,
    });
    phase.begin();
    await pass(path.join(ctx.dir, 'seqwrite.bin'), total, phase);
    await done();
    return phase.result();
  },
};
