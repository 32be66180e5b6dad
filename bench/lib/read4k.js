'use strict';
// 4 KiB reads at random aligned offsets of a 64 MiB file in the page cache.
const fs = require('node:fs');
const { cachedFile } = require('./files');
const { FloorRing } = require('./floor-ring');
const { BLOCK, offsets } = require('./offsets');
const { Phase, promisePool, callbackPool, syncLoop } = require('./phase');
const { uringFs, uringFsRing } = require('./fs-systems');

const FILE_BYTES = 64 << 20;

/**
 * `fileHandle`: the variant that compares uring-loop/fs's FileHandle.read
 * with ring.read (and fs.promises' FileHandle.read), without the C reference.
 */
function read4k(depth, { fileHandle = false } = {}) {
  const systems = fileHandle
    ? ['uring-loop/fs', 'uring-loop', 'fs-promises']
    : ['uring-loop', 'fs-promises', 'fs-callback'];
  if (depth === 1) systems.push('fs-sync');
  return {
    name: fileHandle ? `filehandle-read4k-qd${depth}` : `read4k-qd${depth}`,
    unit: 'reads',
    systems,
    c: !fileHandle,
    prepare(shared) {
      return { file: cachedFile(shared, 'read-64m.bin', FILE_BYTES) };
    },
    cArgs(prepared) {
      return ['--file', prepared.file];
    },
    async run(system, ctx) {
      const next = offsets(FILE_BYTES);
      const fd = fs.openSync(ctx.prepared.file, 'r');
      const check = (n) => {
        if (n !== BLOCK) throw new Error(`short read: ${n}`);
      };
      const phase = (ring) =>
        new Phase({ ...ctx.timing, sampleEvery: depth === 1 ? 1 : 16, bytesPerOp: BLOCK, ring });
      try {
        switch (system) {
          case 'uring-loop': {
            const ring = new ctx.lib.Ring();
            const result = await promisePool(
              phase(ring),
              depth,
              () => {
                const buf = Buffer.allocUnsafe(BLOCK);
                return () => ring.read(fd, buf, 0, BLOCK, next());
              },
              check,
            );
            await ring.shutdown();
            return result;
          }
          case 'uring-loop/fs': {
            const fh = await uringFs().open(ctx.prepared.file, 'r');
            const result = await promisePool(
              phase(uringFsRing() ?? undefined),
              depth,
              () => {
                const buf = Buffer.allocUnsafe(BLOCK);
                return () => fh.read(buf, 0, BLOCK, next());
              },
              (r) => check(r.bytesRead),
            );
            await fh.close();
            return result;
          }
          case 'floor': {
            // bench/floor.mjs only: the smallest Promise-per-op layer on the addon.
            const ring = new FloorRing();
            const result = await promisePool(
              phase(),
              depth,
              () => {
                const buf = Buffer.allocUnsafe(BLOCK);
                return () => ring.read(fd, buf, next());
              },
              check,
            );
            ring.close();
            return result;
          }
          case 'fs-promises': {
            const fh = await fs.promises.open(ctx.prepared.file, 'r');
            const result = await promisePool(
              phase(),
              depth,
              () => {
                const buf = Buffer.allocUnsafe(BLOCK);
                return () => fh.read(buf, 0, BLOCK, next());
              },
              (r) => check(r.bytesRead),
            );
            await fh.close();
            return result;
          }
          case 'fs-callback':
            return await callbackPool(phase(), depth, () => {
              const buf = Buffer.allocUnsafe(BLOCK);
              return (cb) =>
                fs.read(fd, buf, 0, BLOCK, next(), (err, n) => {
                  if (!err) check(n);
                  cb(err);
                });
            });
          case 'fs-sync': {
            const buf = Buffer.allocUnsafe(BLOCK);
            return syncLoop(phase(), () => check(fs.readSync(fd, buf, 0, BLOCK, next())));
          }
          default:
            throw new Error(`unknown system ${system}`);
        }
      } finally {
        fs.closeSync(fd);
      }
    },
  };
}

module.exports = { read4k };
