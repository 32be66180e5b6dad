// IORING_OP_STATX on a path (following symlinks) or on an fd (AT_EMPTY_PATH).
import {
  AT_EMPTY_PATH,
  AT_FDCWD,
  Opcode,
  P_FD,
  P_FILE_INDEX,
  P_LEN,
  P_OPCODE,
  P_OP_FLAGS,
  STATX_BASIC_STATS,
  STATX_BTIME,
} from '../protocol';
import type { OpKind } from '../request';
import { Stats } from '../stats';
import { fdOf, fs, fsCall } from './fs-call';

export const STATX_SIZE = 256;

export const stat: OpKind = {
  name: 'stat',
  opcode: Opcode.STATX,
  fill(req, p) {
    p[P_OPCODE] = Opcode.STATX;
    p[P_FD] = req.path === undefined ? req.fd : AT_FDCWD;
    p[P_OP_FLAGS] = req.path === undefined ? AT_EMPTY_PATH : 0;
    p[P_LEN] = STATX_BASIC_STATS | STATX_BTIME;
    p[P_FILE_INDEX] = 0;
  },
  result: (req) => (req.a instanceof Stats ? req.a : Stats.fromStatx(req.a as Uint8Array)),
  failKeepsLink: true,
  async fs(req) {
    const st =
      req.path === undefined
        ? await fsCall<import('node:fs').Stats>(req, (cb) => fs.fstat(fdOf(req), cb))
        : await fsCall<import('node:fs').Stats>(req, (cb) => fs.stat(req.path as string, cb));
    req.a = Stats.fromFs(st);
    return 0;
  },
};
