// IORING_OP_STATX on a path (following symlinks) or on an fd (AT_EMPTY_PATH).
import { ChainFile } from '../chain-file';
import {
  AT_EMPTY_PATH,
  AT_FDCWD,
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
import { op } from './op';

export const STATX_SIZE = 256;

export interface StatArgs {
  /** The fd, or -1 for a path. */
  fd: number;
  path: PathArg | undefined;
  /** struct statx, written by the kernel. */
  statx: Uint8Array;
  /** The fs backend's answer. */
  stats: Stats | undefined;
}

/** statx(2) of a path (following symlinks) or of an open fd. */
export const stat = op<[pathOrFd: string | Buffer | URL | number], Stats, StatArgs>({
  name: 'stat',
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
    if (typeof target === 'number') {
      args.fd = integer('fd', target, 0, MAX_INT32);
    } else if (target instanceof ChainFile) {
      throw typeError(
        'pathOrFd',
        'a path or a numeric fd (statx cannot take a direct descriptor)',
        target,
      );
    } else {
      args.path = pathArg(target, 'pathOrFd');
    }
    return args;
  },
  fill(p, req) {
    const byFd = req.args.path === undefined;
    p[P_FD] = byFd ? req.args.fd : AT_FDCWD;
    p[P_OP_FLAGS] = byFd ? AT_EMPTY_PATH : 0;
    p[P_LEN] = STATX_BASIC_STATS | STATX_BTIME;
  },
  slotA: (a) => a.statx,
  slotB: (a) => a.path?.bytes,
  path: (a) => a.path?.text,
  result: (req) => req.args.stats ?? statsFromStatx(req.args.statx),
  failKeepsLink: true,
  async fs(req) {
    const { fd, path } = req.args;
    const st =
      path === undefined
        ? await fsCall<import('node:fs').Stats>(req, (cb) => fs.fstat(fd, cb))
        : await fsCall<import('node:fs').Stats>(req, (cb) => fs.stat(path.text, cb));
    req.args.stats = statsFromFs(st);
    return 0;
  },
});
