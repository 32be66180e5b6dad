// IORING_OP_FSYNC, with IORING_FSYNC_DATASYNC for fdatasync.
import { IORING_FSYNC_DATASYNC, Opcode, P_FD, P_OP_FLAGS } from '../protocol';
import { fdArg, fdField } from './args';
import { fdOf, fs, fsCall } from './fs-call';
import { op, type Fd, type OpKind } from './op';

export interface FdArgs {
  fd: Fd;
}

function syncOp(name: 'fsync' | 'fdatasync', flags: number): OpKind<FdArgs> {
  return {
    name,
    opcode: Opcode.FSYNC,
    required: 1,
    count: 1,
    parse: (fd) => ({ fd: fdArg(fd) }),
    fill(p, req) {
      p[P_FD] = fdField(req.args.fd);
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

export const fsync = op<[fd: Fd], void, FdArgs>(syncOp('fsync', 0));
export const fdatasync = op<[fd: Fd], void, FdArgs>(syncOp('fdatasync', IORING_FSYNC_DATASYNC));
