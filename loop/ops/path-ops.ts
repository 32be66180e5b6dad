// Path operations: IORING_OP_UNLINKAT (unlink, rmdir), MKDIRAT and RENAMEAT.
import { AT_FDCWD, AT_REMOVEDIR, Opcode, P_FD, P_LEN, P_OPCODE, P_OP_FLAGS } from '../protocol';
import type { OpKind } from '../request';
import { fs, fsCall } from './fs-call';

function unlinkOp(name: 'unlink' | 'rmdir', flags: number): OpKind {
  return {
    name,
    opcode: Opcode.UNLINKAT,
    fill(_req, p) {
      p[P_OPCODE] = Opcode.UNLINKAT;
      p[P_FD] = AT_FDCWD;
      p[P_OP_FLAGS] = flags;
    },
    result: () => undefined,
    failKeepsLink: true,
    fs(req) {
      const call = name === 'unlink' ? fs.unlink : fs.rmdir;
      return fsCall<void>(req, (cb) => call(req.path as string, cb)).then(() => 0);
    },
  };
}

export const unlink = unlinkOp('unlink', 0);
export const rmdir = unlinkOp('rmdir', AT_REMOVEDIR);

export const mkdir: OpKind = {
  name: 'mkdir',
  opcode: Opcode.MKDIRAT,
  fill(req, p) {
    p[P_OPCODE] = Opcode.MKDIRAT;
    p[P_FD] = AT_FDCWD;
    p[P_LEN] = req.mode;
  },
  result: () => undefined,
  failKeepsLink: true,
  fs(req) {
    return fsCall<void>(req, (cb) =>
      fs.mkdir(req.path as string, { mode: req.mode }, (err) => cb(err, undefined)),
    ).then(() => 0);
  },
};

export const rename: OpKind = {
  name: 'rename',
  opcode: Opcode.RENAMEAT,
  fill(_req, p) {
    p[P_OPCODE] = Opcode.RENAMEAT;
    p[P_OP_FLAGS] = 0;
  },
  result: () => undefined,
  failKeepsLink: true,
  fs(req) {
    return fsCall<void>(req, (cb) => fs.rename(req.path as string, req.dest as string, cb)).then(
      () => 0,
    );
  },
};
