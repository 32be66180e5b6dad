'use strict';
// copyFile of a 1 MiB file, one call at a time, to a destination that does
// not exist: before each copy the harness unlinks the previous one (the same
// name every time). Not overwriting: ext4 starts writeback of a file that was
// truncated to zero and rewritten when it is closed (auto_da_alloc), and a
// copyFile that truncates an existing destination pays for it where one that
// writes over it in place does not; with a new file every time, every system
// does the same work. The copies alternate between two sources of different
// random bytes in the page cache; after each copy the harness reads 16 bytes
// at the start, at a moving offset and at the end of the destination (and that
// it ends there), and after the run the parent compares the whole destination
// with a source: a copy that was skipped or cut short fails.
const path = require('node:path');
const fs = require('node:fs');
const { cachedFile } = require('../lib/files');
const { FS_SYSTEMS, runFsSystem } = require('../lib/fs-systems');

const SIZE = 1 << 20;
const PROBE = 16;
const destOf = (dir) => path.join(dir, 'copy-dest.bin');

module.exports = {
  name: 'copyfile-1m',
  unit: 'copies',
  systems: FS_SYSTEMS,
  c: true,
  prepare(shared) {
    return { sources: [0, 1].map((n) => cachedFile(shared, `copy-src-${n}.bin`, SIZE)) };
  },
  cArgs(prepared, ctx) {
    const [a, b] = prepared.sources;
    return ['--file', a, '--file2', b, '--dir', ctx.dir];
  },
  afterRun(dir, _result, prepared) {
    const got = fs.readFileSync(destOf(dir));
    if (!prepared.sources.some((s) => fs.readFileSync(s).equals(got))) {
      throw new Error(`${destOf(dir)} is a copy of neither source (${got.length} bytes)`);
    }
  },
  run(system, ctx) {
    const sources = ctx.prepared.sources;
    const contents = sources.map((s) => fs.readFileSync(s));
    const dest = destOf(ctx.dir);
    const probe = Buffer.allocUnsafe(2 * PROBE);
    let n = 0;
    const next = () => {
      if (n > 0) fs.unlinkSync(dest);
      return sources[n % 2];
    };
    // Reads the destination back where the copy just finished writing it.
    const check = () => {
      const want = contents[n % 2];
      const middle = ((n * 65537) % (SIZE / PROBE)) * PROBE;
      n++;
      const fd = fs.openSync(dest, 'r');
      try {
        for (const at of [0, middle, SIZE - PROBE]) {
          const got = fs.readSync(fd, probe, 0, 2 * PROBE, at);
          const wanted = Math.min(2 * PROBE, SIZE - at);
          if (got !== wanted || !probe.subarray(0, got).equals(want.subarray(at, at + got))) {
            throw new Error(`${dest} differs from its source at ${at} after copy ${n}`);
          }
        }
      } finally {
        fs.closeSync(fd);
      }
    };
    return runFsSystem(system, ctx, {
      depth: 1,
      bytesPerOp: SIZE,
      promiseOp: (api) => async () => {
        await api.copyFile(next(), dest);
        check();
      },
      callbackOp: () => (cb) =>
        fs.copyFile(next(), dest, (err) => {
          if (!err) check();
          cb(err);
        }),
      syncOp: () => () => {
        fs.copyFileSync(next(), dest);
        check();
      },
    });
  },
};
