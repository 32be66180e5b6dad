// IORING_OP_FSYNC, with IORING_FSYNC_DATASYNC for fdatasync.
import { IORING_FSYNC_DATASYNC, Opcode, P_OP_FLAGS } from '../protocol';
import type { OpKind } from '../request';
import { fdOf, fs, fsCall } from './fs-call';
import { fillFile } from './fill';

function syncOp(name: 'fsync' | 'fdatasync', flags: number): OpKind {
  return {
    name,
    opcode: Opcode.FSYNC,
    fill(req, p) {
      fillFile(req, p, Opcode.FSYNC);
      p[P_OP_FLAGS] = flags;
    },
    result: () => undefined,
    failKeepsLink: true,
    fs(req) {
      const call = name === 'fsync' ? fs.fsync : fs.fdatasync;
      return fsCall<void>(req, (cb) => call(fdOf(req), cb)).then(() => 0);
    },
  };
}

export const fsync = syncOp('fsync', 0);
export const fdatasync = syncOp('fdatasync', IORING_FSYNC_DATASYNC);
