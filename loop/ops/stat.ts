// IORING_OP_STATX on a path (stat follows symlinks, lstat does not: AT_SYMLINK_NOFOLLOW) or on
// an fd (AT_EMPTY_PATH).
import type * as nodeFs from 'node:fs';
import { ChainFile } from '../chain-file';
import {
  AT_EMPTY_PATH,
  AT_FDCWD,
  AT_SYMLINK_NOFOLLOW,
  Opcode,
  P_FD,
  P_LEN,
  P_OP_FLAGS,
  STATX_BASIC_STATS,
  STATX_BTIME,
} from '../protocol';
import { statsFromFs, statsFromStatx, type Stats } from '../stats';
import { MAX_INT32, integer, typeError } from '../validate';
import { pathArg, type PathArg } from './args';
import { fs, fsCall } from './fs-call';
import { op, type OpKind } from './op';

export const STATX_SIZE = 256;

export interface StatArgs {
  /** The fd, or -1 for a path. */
  fd: number;
  path: PathArg | undefined;
  /** struct statx, written by the kernel. */
  statx: Uint8Array;
  /** The fs backend's answer, in nanoseconds (what statx gives). */
  stats: nodeFs.BigIntStats | undefined;
}

type StatTarget = string | Buffer | URL | number;

function statOp(name: 'stat' | 'lstat', noFollow: boolean): OpKind<StatArgs> {
  const what = noFollow ? 'path' : 'pathOrFd';
  return {
    name,
    opcode: Opcode.STATX,
    required: 1,
    count: 1,
    parse(target) {
      const args: StatArgs = {
        fd: -1,
        path: undefined,
        statx: new Uint8Array(STATX_SIZE),
        stats: undefined,
      };
      if (typeof target === 'number' && !noFollow) {
        args.fd = integer('fd', target, 0, MAX_INT32);
      } else if (target instanceof ChainFile) {
        throw typeError(
          what,
          noFollow
            ? 'a path (statx cannot take a direct descriptor)'
            : 'a path or a numeric fd (statx cannot take a direct descriptor)',
          target,
        );
      } else {
        args.path = pathArg(target, what);
      }
      return args;
    },
    fill(p, req) {
      const byFd = req.args.path === undefined;
      p[P_FD] = byFd ? req.args.fd : AT_FDCWD;
      p[P_OP_FLAGS] = byFd ? AT_EMPTY_PATH : noFollow ? AT_SYMLINK_NOFOLLOW : 0;
      p[P_LEN] = STATX_BASIC_STATS | STATX_BTIME;
    },
    slotA: (a) => a.statx,
    slotB: (a) => a.path?.bytes,
    path: (a) => a.path?.text,
    result: (req) =>
      req.args.stats ? statsFromFs(req.args.stats) : statsFromStatx(req.args.statx),
    failKeepsLink: true,
    async fs(req) {
      const { fd, path } = req.args;
      const big = { bigint: true } as const;
      type Big = nodeFs.BigIntStats;
      req.args.stats =
        path === undefined
          ? await fsCall<Big>(req, (cb) => fs.fstat(fd, big, cb))
          : noFollow
            ? await fsCall<Big>(req, (cb) => fs.lstat(path.text, big, cb))
            : await fsCall<Big>(req, (cb) => fs.stat(path.text, big, cb));
      return 0;
    },
  };
}

/** statx(2) of a path (following symlinks) or of an open fd. */
export const stat = op<[pathOrFd: StatTarget], Stats, StatArgs>(statOp('stat', false));

/** statx(2) of a path without following a final symlink (lstat). */
export const lstat = op<[path: string | Buffer | URL], Stats, StatArgs>(statOp('lstat', true));
