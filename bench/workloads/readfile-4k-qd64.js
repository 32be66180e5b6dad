'use strict';
// readFile of whole files of 3.5 to 4.5 KiB from a set of 2000 in the page
// cache, 64 calls in flight (fs-sync: one at a time). Every system reads the
// files in the same order and compares each result with the file's content.
const path = require('node:path');
const fs = require('node:fs');
const { FILES, DEPTH, createSet, setPaths, originalContent } = require('../lib/file-set');
const { FS_SYSTEMS, runFsSystem } = require('../lib/fs-systems');

module.exports = {
  name: 'readfile-4k-qd64',
  unit: 'files',
  systems: FS_SYSTEMS,
  c: true,
  prepare(shared) {
    return { dir: createSet(path.join(shared, 'read-set')) };
  },
  cArgs(prepared) {
    return ['--dir', prepared.dir];
  },
  run(system, ctx) {
    const paths = setPaths(ctx.prepared.dir);
    const expected = paths.map((_, i) => originalContent(i));
    let seq = 0;
    const next = () => seq++ % FILES;
    const check = (i, data) => {
      if (!expected[i].equals(data)) throw new Error(`${paths[i]}: readFile returned other bytes`);
    };
    return runFsSystem(system, ctx, {
      depth: DEPTH,
      bytesPerOp: expected.reduce((sum, b) => sum + b.length, 0) / FILES,
      promiseOp: (api) => async () => {
        const i = next();
        check(i, await api.readFile(paths[i]));
      },
      callbackOp: () => (cb) => {
        const i = next();
        fs.readFile(paths[i], (err, data) => {
          if (!err) check(i, data);
          cb(err);
        });
      },
      syncOp: () => () => {
        const i = next();
        check(i, fs.readFileSync(paths[i]));
      },
    });
  },
};
