// mkdir(path, mode | { recursive, mode }) on the ring. Recursive: one mkdirat when the parent
// exists (the usual case); otherwise the missing ancestors are made first, top down, and the
// first one made is the result, as node reports it.
import * as nodePath from 'node:path';
import * as nodeFs from 'node:fs/promises';
import type { Ring } from '../ring';
import { isBoolean, modeOf, pathText, plainOptions, ringPath } from './args';
import { codeOf, nodeError } from './fs-errors';
import type { RingOf } from './ring-of';
import { statx } from './stat-calls';

/** Something node answers differently from a plain walk (a race, a permission error). */
const HAND_OVER = Symbol('hand over to node');

/** Makes `path` and its missing ancestors; the first made, or undefined if it existed. */
async function mkdirp(ring: Ring, path: string, mode: number): Promise<string | undefined> {
  try {
    await ring.mkdir(path, mode);
    return path;
  } catch (err) {
    const code = codeOf(err);
    if (code === 'EEXIST') {
      const st = await statx(() => ring, path, false, 'mkdir', false).catch(() => undefined);
      if (st?.isDirectory()) return undefined;
      throw err;
    }
    const parent = nodePath.dirname(path);
    if (code !== 'ENOENT' || parent === path) throw err;
  }
  const first = await mkdirp(ring, nodePath.dirname(path), mode).catch(() => {
    throw HAND_OVER;
  });
  try {
    await ring.mkdir(path, mode);
  } catch {
    throw HAND_OVER;
  }
  return first ?? path;
}

const nodeMkdir = nodeFs.mkdir as (path: unknown, options: unknown) => Promise<string | undefined>;

export function mkdirOn(ringOf: RingOf) {
  return async function mkdir(path: unknown, options?: unknown): Promise<string | undefined> {
    const p = ringPath(path);
    let recursive = false;
    let mode: number | undefined;
    if (typeof options === 'number' || typeof options === 'string') {
      mode = modeOf(options, 0o777);
    } else {
      const o = plainOptions(options, {
        recursive: isBoolean,
        mode: (v) => modeOf(v, 0) !== undefined,
      });
      recursive = o?.recursive === true;
      mode = o === undefined ? undefined : modeOf(o.mode, 0o777);
    }
    // A recursive mkdir of a Buffer or URL path reports its result as node spells it: node's.
    if (p === undefined || mode === undefined || (recursive && typeof p !== 'string'))
      return nodeMkdir(path, options);
    const ring = ringOf();
    if (!recursive) {
      try {
        await ring.mkdir(p, mode);
      } catch (err) {
        throw nodeError(err, 'mkdir', pathText(p));
      }
      return undefined;
    }
    try {
      return await mkdirp(ring, p as string, mode);
    } catch (err) {
      if (err === HAND_OVER) return nodeMkdir(path, options);
      throw nodeError(err, 'mkdir', pathText(p));
    }
  };
}
