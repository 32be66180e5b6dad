// IORING_OP_OPENAT relative to the cwd; into a direct descriptor slot when the
// request opens a ChainFile.
import { Opcode, P_FD, P_FILE_INDEX, P_LEN, P_OPCODE, P_OP_FLAGS, AT_FDCWD } from '../protocol';
import type { OpKind } from '../request';
import { fs, fsCall } from './fs-call';

const O_CLOEXEC = 0o2000000;

export const open: OpKind = {
  name: 'open',
  opcode: Opcode.OPENAT,
  fill(req, p) {
    p[P_OPCODE] = Opcode.OPENAT;
    p[P_FD] = AT_FDCWD;
    // A direct descriptor is not in the fd table: the kernel rejects O_CLOEXEC for it.
    p[P_OP_FLAGS] = req.opens ? req.flags & ~O_CLOEXEC : req.flags;
    p[P_LEN] = req.mode;
    p[P_FILE_INDEX] = req.opens ? req.opens.index + 1 : 0;
  },
  result: (req, res) => {
    if (!req.opens) return res;
    if (!req.opens.closed) req.opens.open = true;
    return req.opens;
  },
  // Into a direct descriptor slot the kernel returns 0; a regular fd is only known from the CQE.
  quietResult: (req) => (req.opens ? 0 : -1),
  async fs(req) {
    const fd = await fsCall<number>(req, (cb) =>
      fs.open(req.path as string, req.flags, req.mode, cb),
    );
    if (req.opens) req.opens.fd = fd;
    return fd;
  },
};
