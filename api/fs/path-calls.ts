// unlink, rmdir, rm, rename, link, symlink, truncate: one ring op each, or one linked chain.
import * as nodeFs from 'node:fs/promises';
import { isBoolean, pathText, plainOptions, ringPath } from './args';
import { codeOf, nodeError } from './fs-errors';
import type { RingOf } from './ring-of';

type Target = string | Buffer;
type Delegate = (...args: never[]) => Promise<unknown>;

/** Calls node's function with the caller's arguments. */
function delegate(fn: Delegate, ...args: unknown[]): Promise<never> {
  return (fn as (...a: unknown[]) => Promise<never>)(...args);
}

export function unlinkOn(ringOf: RingOf) {
  return async function unlink(path: unknown): Promise<void> {
    const p = ringPath(path);
    if (p === undefined) return delegate(nodeFs.unlink, path);
    try {
      await ringOf().unlink(p);
    } catch (err) {
      throw nodeError(err, 'unlink', pathText(p));
    }
  };
}

/** rmdir(path): any option goes to node (`recursive` is deprecated, then refused, per version). */
export function rmdirOn(ringOf: RingOf) {
  return async function rmdir(path: unknown, options?: unknown): Promise<void> {
    const p = ringPath(path);
    if (p === undefined || plainOptions(options, {}) === undefined)
      return delegate(nodeFs.rmdir, path, options);
    try {
      await ringOf().rmdir(p);
    } catch (err) {
      throw nodeError(err, 'rmdir', pathText(p));
    }
  };
}

/**
 * rm(path, { force }): a file or symlink is one unlink on the ring. A directory (unlink says
 * EISDIR), `recursive`, retries and any failure but ENOENT go to node, whose errors (ERR_FS_EISDIR,
 * its lstat's) the caller then gets unchanged.
 */
export function rmOn(ringOf: RingOf) {
  return async function rm(path: unknown, options?: unknown): Promise<void> {
    const p = ringPath(path);
    const o = plainOptions(options, {
      force: isBoolean,
      recursive: (v) => v === undefined || v === false,
    });
    if (p === undefined || o === undefined) return delegate(nodeFs.rm, path, options);
    try {
      await ringOf().unlink(p);
    } catch (err) {
      if (codeOf(err) !== 'ENOENT') return delegate(nodeFs.rm, path, options);
      if (o.force === true) return;
      // node looks the path up first: a missing one is its lstat's error.
      throw nodeError(err, 'lstat', pathText(p));
    }
  };
}

function twoPathCall(
  name: 'rename' | 'link' | 'symlink',
  fn: Delegate,
  run: (ringOf: RingOf, from: Target, to: Target) => Promise<void>,
) {
  return (ringOf: RingOf) => {
    const call = async function (from: unknown, to: unknown, type?: unknown): Promise<void> {
      const a = ringPath(from);
      const b = ringPath(to);
      // symlink's type only matters on Windows; node checks it is one it knows.
      const typeOk =
        name !== 'symlink' ||
        type === undefined ||
        type === null ||
        type === 'dir' ||
        type === 'file' ||
        type === 'junction';
      if (a === undefined || b === undefined || !typeOk) return delegate(fn, from, to, type);
      try {
        await run(ringOf, a, b);
      } catch (err) {
        throw nodeError(err, name, pathText(a), pathText(b));
      }
    };
    return Object.defineProperty(call, 'name', { value: name });
  };
}

export const renameOn = twoPathCall('rename', nodeFs.rename, (r, a, b) => r().rename(a, b));
export const linkOn = twoPathCall('link', nodeFs.link, (r, a, b) => r().link(a, b));
export const symlinkOn = twoPathCall('symlink', nodeFs.symlink, (r, a, b) => r().symlink(a, b));

/**
 * truncate(path, len): open 'r+' into a direct descriptor → ftruncate → close, one linked
 * submission. Where the kernel has no IORING_OP_FTRUNCATE (before Linux 6.9), node does it.
 */
export function truncateOn(ringOf: RingOf) {
  return async function truncate(path: unknown, len?: unknown): Promise<void> {
    const p = ringPath(path);
    const length =
      len === undefined
        ? 0
        : typeof len === 'number' && Number.isSafeInteger(len)
          ? len
          : undefined;
    const ring = ringOf();
    if (p === undefined || length === undefined || !ring.supports('ftruncate'))
      return delegate(nodeFs.truncate, path, len);
    const chain = ring.chain();
    const file = chain.open(p, 'r+');
    chain.ftruncate(file, Math.max(0, length)).close(file);
    try {
      await chain.run();
    } catch (err) {
      const failed = (err as { index?: number }).index;
      throw failed === 0 ? nodeError(err, 'open', pathText(p)) : nodeError(err, 'ftruncate');
    }
  };
}
