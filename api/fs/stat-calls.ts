// stat, lstat and access(F_OK): one IORING_OP_STATX each.
import type * as fs from 'node:fs';
import * as nodeFs from 'node:fs/promises';
import { fileOps } from '../../loop/ops';
import type { OpKind } from '../../loop/ops/op';
import type { StatArgs } from '../../loop/ops/stat';
import { requestOf, type Request } from '../../loop/request';
import { backendOf, type Ring } from '../ring';
import { pathText, ringPath } from './args';
import { nodeError } from './fs-errors';
import { nodeStatsFromBigInt, nodeStatsFromStatx } from './node-stats';
import type { RingOf } from './ring-of';

type Target = string | Buffer;

/** Runs one statx of `path` on the ring; rejects with node's error for `syscall`. */
export async function statx(
  ringOf: RingOf,
  path: Target,
  noFollow: boolean,
  syscall: string,
  bigint: boolean,
): Promise<fs.Stats | fs.BigIntStats> {
  const kind = noFollow ? fileOps.lstat : fileOps.stat;
  const req = requestOf(kind as OpKind<StatArgs>, path);
  try {
    await backendOf(ringOf()).run(req as Request);
  } catch (err) {
    throw nodeError(err, syscall, pathText(path));
  }
  const { stats, statx: buf } = req.args;
  return stats ? nodeStatsFromBigInt(stats, bigint) : nodeStatsFromStatx(buf, bigint);
}

/** One statx of an open fd on `ring` (FileHandle.stat); rejects with node's fstat error. */
export async function fstatx(
  ring: Ring,
  fd: number,
  bigint: boolean,
): Promise<fs.Stats | fs.BigIntStats> {
  const req = requestOf(fileOps.stat as OpKind<StatArgs>, fd);
  try {
    await backendOf(ring).run(req as Request);
  } catch (err) {
    throw nodeError(err, 'fstat', undefined);
  }
  const { stats, statx: buf } = req.args;
  return stats ? nodeStatsFromBigInt(stats, bigint) : nodeStatsFromStatx(buf, bigint);
}

function statCall(noFollow: boolean) {
  const name = noFollow ? 'lstat' : 'stat';
  const delegate = noFollow ? nodeFs.lstat : nodeFs.stat;
  return (ringOf: RingOf) => {
    const call = async function (
      path: unknown,
      options?: unknown,
    ): Promise<fs.Stats | fs.BigIntStats> {
      const p = ringPath(path);
      if (
        p === undefined ||
        (options !== undefined && (typeof options !== 'object' || options === null))
      )
        return delegate(path as Target, options as fs.StatOptions);
      const bigint = (options as { bigint?: unknown } | undefined)?.bigint === true;
      return statx(ringOf, p, noFollow, name, bigint);
    };
    return Object.defineProperty(call, 'name', { value: name });
  };
}

export const statOn = statCall(false);
export const lstatOn = statCall(true);

/** access(): existence (F_OK, the default) is a statx; other modes need faccessat, which io_uring lacks. */
export function accessOn(ringOf: RingOf) {
  return async function access(path: unknown, mode?: unknown): Promise<void> {
    const p = ringPath(path);
    if (p === undefined || (mode !== undefined && mode !== 0)) {
      return nodeFs.access(path as Target, mode as number);
    }
    await statx(ringOf, p, false, 'access', false);
  };
}
