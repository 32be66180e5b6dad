// IORING_OP_FTRUNCATE (Linux 6.9): set the file size; the length travels in `off`.
import { Opcode, P_OFFSET } from '../protocol';
import type { OpKind } from '../request';
import { fdOf, fs, fsCall } from './fs-call';
import { fillFile } from './fill';

export const ftruncate: OpKind = {
  name: 'ftruncate',
  opcode: Opcode.FTRUNCATE,
  fill(req, p) {
    fillFile(req, p, Opcode.FTRUNCATE);
    p[P_OFFSET] = req.len;
  },
  result: () => undefined,
  failKeepsLink: true,
  fs(req) {
    return fsCall<void>(req, (cb) => fs.ftruncate(fdOf(req), req.len, cb)).then(() => 0);
  },
};
