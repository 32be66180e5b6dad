// The functions of uring-loop/fs on a ring: the module's own on the thread's default ring,
// createFs(ring) on a ring the caller made (to choose its size, backend, taskrun, ...).
import type * as NodeFsPromises from 'node:fs/promises';
import { typeError } from '../../loop/validate';
import { Ring } from '../ring';
import { copyFileRetrying } from './copy-file';
import { delegated, nodePromises } from './delegated';
import { mkdirOn } from './mkdir';
import { openOn } from './open';
import { linkOn, renameOn, rmOn, rmdirOn, symlinkOn, truncateOn, unlinkOn } from './path-calls';
import type { RingOf } from './ring-of';
import { accessOn, lstatOn, statOn } from './stat-calls';
import { appendFileOn, readFileOn, writeFileOn } from './whole-file';

/** node:fs/promises' API, as the running Node's type declarations describe it. */
export type FsPromises = typeof NodeFsPromises;

/** The calls that run on the ring, by name; every other name is node's own function. */
const RING_CALLS: Record<string, (ringOf: RingOf) => unknown> = {
  access: accessOn,
  appendFile: appendFileOn,
  copyFile: copyFileRetrying,
  link: linkOn,
  lstat: lstatOn,
  mkdir: mkdirOn,
  open: openOn,
  readFile: readFileOn,
  rename: renameOn,
  rm: rmOn,
  rmdir: rmdirOn,
  stat: statOn,
  symlink: symlinkOn,
  truncate: truncateOn,
  unlink: unlinkOn,
  writeFile: writeFileOn,
};

/** Names of the calls that run on the ring (the rest are delegated to node:fs/promises). */
export const ringCallNames: readonly string[] = Object.keys(RING_CALLS);

/** Every name of the running Node's node:fs/promises, in its order, on `ringOf`'s ring. */
export function fsOn(ringOf: RingOf): FsPromises {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(nodePromises)) {
    const make = RING_CALLS[name];
    out[name] = make ? make(ringOf) : delegated(name);
  }
  return out as FsPromises;
}

/** node:fs/promises' functions running on `ring` (the module itself uses the thread's default ring). */
export function createFs(ring: Ring): FsPromises {
  if (!(ring instanceof Ring)) throw typeError('ring', 'an instance of Ring', ring);
  return fsOn(() => ring);
}
