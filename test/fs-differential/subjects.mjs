// The modules the fs differential test judges against node:fs/promises, chosen by FS_SUBJECT:
//
//   (unset) | uring   uring-loop/fs on the thread's default ring (io_uring) and createFs() on a
//                     Ring with the fs backend; both must be there, or the test fails
//   uring:default     only the first of these, uring:fs only the second
//   node              node:fs/promises itself (the harness agrees with its own reference)
//   broken[:bugs]     node:fs/promises with deliberate bugs (broken.mjs), e.g. broken:mkdir
import { createRequire } from 'node:module';
import fsp from 'node:fs/promises';

import { BUGS, brokenFs } from './broken.mjs';

const require = createRequire(import.meta.url);

/**
 * A subject is { key?, label, fs, ring?, backend?, close? }: `ring()` is the Ring the module
 * runs on, which must have `backend` and whose counters must move while the subject runs (a
 * module that only re-exported node:fs/promises would agree with it on everything and prove
 * nothing); `close()` releases what the subject holds.
 */
export function subjects(spec = process.env.FS_SUBJECT ?? 'uring') {
  const [kind, bugList] = spec.split(':');
  switch (kind) {
    case 'node':
      return [{ label: 'node:fs/promises', fs: fsp }];
    case 'broken': {
      const bugs = bugList ? bugList.split(',') : BUGS;
      for (const b of bugs) if (!BUGS.includes(b)) throw new Error(`no bug named ${b}`);
      return [{ label: `broken(${bugs})`, fs: brokenFs(bugs) }];
    }
    case 'uring': {
      const all = uringSubjects();
      if (bugList === undefined) return all;
      const picked = all.filter((s) => s.key === bugList);
      if (picked.length === 0)
        throw new Error(`FS_SUBJECT=${spec}: expected uring:default or uring:fs`);
      return picked;
    }
    default:
      throw new Error(`FS_SUBJECT=${spec}: expected uring[:default|:fs], node or broken[:${BUGS}]`);
  }
}

function uringSubjects() {
  let module;
  let lib;
  try {
    module = require('uring-loop/fs');
    lib = require('uring-loop');
  } catch (err) {
    throw new Error(
      `uring-loop/fs cannot be loaded (${err.message}); ` +
        'FS_SUBJECT=node or FS_SUBJECT=broken run the harness without it',
    );
  }
  if (typeof lib.createFs !== 'function') throw new Error('uring-loop exports no createFs()');
  const { defaultRing } = require('../../dist/api/default-ring.js');
  const fsRing = new lib.Ring({ backend: 'fs' });
  return [
    {
      key: 'default',
      label: 'uring-loop/fs (default ring)',
      fs: module,
      ring: () => defaultRing(),
      backend: lib.isIoUringAvailable() ? 'io_uring' : 'fs',
    },
    {
      key: 'fs',
      label: 'createFs(fs backend)',
      fs: lib.createFs(fsRing),
      ring: () => fsRing,
      backend: 'fs',
      close: () => fsRing.shutdown(),
    },
  ];
}
