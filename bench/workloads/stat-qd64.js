'use strict';
// stat of the files of a set of 2000 (3.5 to 4.5 KiB each, every size
// different from its neighbours'), 64 calls in flight (fs-sync: one at a
// time). Every system stats the files in the same order and checks each
// result's type and size against the file's.
const path = require('node:path');
const fs = require('node:fs');
const { FILES, DEPTH, createSet, setPaths, fileSize } = require('../lib/file-set');
const { FS_SYSTEMS, runFsSystem } = require('../lib/fs-systems');

module.exports = {
  name: 'stat-qd64',
  unit: 'stats',
  systems: FS_SYSTEMS,
  c: true,
  prepare(shared) {
    return { dir: createSet(path.join(shared, 'stat-set')) };
  },
  cArgs(prepared) {
    return ['--dir', prepared.dir];
  },
  run(system, ctx) {
    const paths = setPaths(ctx.prepared.dir);
    let seq = 0;
    const next = () => seq++ % FILES;
    const check = (i, st) => {
      if (!st.isFile() || st.size !== fileSize(i)) {
        throw new Error(`${paths[i]}: stat gave size ${st.size}, expected ${fileSize(i)}`);
      }
    };
    return runFsSystem(system, ctx, {
      depth: DEPTH,
      promiseOp: (api) => async () => {
        const i = next();
        check(i, await api.stat(paths[i]));
      },
      callbackOp: () => (cb) => {
        const i = next();
        fs.stat(paths[i], (err, st) => {
          if (!err) check(i, st);
          cb(err);
        });
      },
      syncOp: () => () => {
        const i = next();
        check(i, fs.statSync(paths[i]));
      },
    });
  },
};
