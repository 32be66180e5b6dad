'use strict';
// The systems of the path-level fs workloads (readfile, writefile, stat,
// copyfile) and how one run drives each. A workload gives the same call in
// three shapes; every system runs it through the same loop of bench/lib/phase.js:
//   promiseOp(api, w)  worker w's op on a promise API (uring-loop/fs or node:fs/promises),
//   callbackOp(w)      the same on node:fs callbacks,
//   syncOp()           one op at a time on node:fs sync calls.
// The `bun` system is the fs-promises code run by Bun (bench/index.mjs starts
// bench/run-one.js under Bun with --system fs-promises).
const fs = require('node:fs');
const { FloorRing } = require('./floor-ring');
const { Phase, promisePool, callbackPool, syncLoop } = require('./phase');

const FS_SYSTEMS = ['uring-loop/fs', 'fs-promises', 'fs-callback', 'fs-sync', 'bun'];

/** The module under test, by its package name, as a program would load it. */
function uringFs() {
  return require('uring-loop/fs');
}

/**
 * The ring uring-loop/fs runs on when no ring is passed: read for its
 * counters (SQEs per io_uring_enter); null where the build has no default ring.
 */
function uringFsRing() {
  try {
    return require('../../dist/api/default-ring.js').defaultRing();
  } catch {
    return null;
  }
}

/**
 * @param {string} system
 * @param {{ timing: object }} ctx
 * @param {{ depth: number, bytesPerOp?: number, promiseOp: Function, callbackOp: Function,
 *           syncOp: Function }} w
 */
async function runFsSystem(system, ctx, w) {
  const sampleEvery = w.depth === 1 ? 1 : 16;
  const phase = (ring) =>
    new Phase({ ...ctx.timing, sampleEvery, bytesPerOp: w.bytesPerOp ?? 0, ring });
  switch (system) {
    case 'uring-loop/fs': {
      const api = uringFs();
      const ring = uringFsRing();
      return promisePool(phase(ring ?? undefined), w.depth, (i) => w.promiseOp(api, i));
    }
    case 'fs-promises':
      return promisePool(phase(), w.depth, (i) => w.promiseOp(fs.promises, i));
    case 'fs-callback':
      return callbackPool(phase(), w.depth, (i) => w.callbackOp(i));
    case 'fs-sync':
      return syncLoop(phase(), w.syncOp());
    case 'floor': {
      // bench/floor.mjs only: readFile as the smallest layer on the addon runs it.
      const ring = new FloorRing({ directFiles: w.depth });
      const api = { readFile: (file) => ring.readFile(file) };
      const result = await promisePool(phase(), w.depth, (i) => w.promiseOp(api, i));
      ring.close();
      return result;
    }
    default:
      throw new Error(`unknown system ${system}`);
  }
}

module.exports = { FS_SYSTEMS, uringFs, uringFsRing, runFsSystem };
