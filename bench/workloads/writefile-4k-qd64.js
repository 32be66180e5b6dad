'use strict';
// writeFile of 4 KiB over existing files of a set of 2000, 64 calls in flight
// (fs-sync: the same sequence one at a time). The parent makes a fresh set
// for every run (bench/lib/file-set.js, files of 3.5 to 4.5 KiB, in the page
// cache) and checks it afterwards: every file holds what its last write put
// there, and the files account for at least the writes the run counted.
// Worker w writes files w, w + 64, w + 128, ... in turn, so no two writes to
// one file are ever in flight; each write carries the file's index and its
// pass over the worker's files.
const path = require('node:path');
const fs = require('node:fs');
const {
  DEPTH,
  WRITE_BYTES,
  createSet,
  setPaths,
  filesOfWorker,
  writtenContent,
  verifyWrittenSet,
} = require('../lib/file-set');
const { FS_SYSTEMS, runFsSystem } = require('../lib/fs-systems');

const setOf = (dir) => path.join(dir, 'set');

module.exports = {
  name: 'writefile-4k-qd64',
  unit: 'files',
  systems: FS_SYSTEMS,
  c: true,
  beforeRun(dir) {
    createSet(setOf(dir));
  },
  afterRun(dir, result) {
    verifyWrittenSet(setOf(dir), result.ops);
  },
  cArgs(_prepared, ctx) {
    return ['--dir', setOf(ctx.dir)];
  },
  run(system, ctx) {
    const paths = setPaths(setOf(ctx.dir));
    // Worker w's next file and the buffer to write to it, with the pass set.
    const worker = (w) => {
      const files = filesOfWorker(w);
      const buffers = files.map((i) => writtenContent(i));
      let k = 0;
      return () => {
        const at = k % files.length;
        const buf = buffers[at];
        buf.writeUInt32LE(Math.floor(k / files.length), 4);
        k++;
        return [paths[files[at]], buf];
      };
    };
    return runFsSystem(system, ctx, {
      depth: DEPTH,
      bytesPerOp: WRITE_BYTES,
      promiseOp: (api, w) => {
        const next = worker(w);
        return () => api.writeFile(...next());
      },
      callbackOp: (w) => {
        const next = worker(w);
        return (cb) => fs.writeFile(...next(), cb);
      },
      syncOp: () => {
        const workers = Array.from({ length: DEPTH }, (_, w) => worker(w));
        let n = 0;
        return () => fs.writeFileSync(...workers[n++ % DEPTH]());
      },
    });
  },
};
