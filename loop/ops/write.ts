// IORING_OP_WRITE: write buffer[offset, offset+length) at position (-1: file position).
import { Opcode, P_BUF_OFFSET, P_LEN, P_OFFSET } from '../protocol';
import type { OpKind } from '../request';
import { fdOf, fs, fsCall } from './fs-call';
import { fillFile } from './fill';

export const write: OpKind = {
  name: 'write',
  opcode: Opcode.WRITE,
  fill(req, p) {
    fillFile(req, p, Opcode.WRITE);
    p[P_LEN] = req.len;
    p[P_OFFSET] = req.pos;
    p[P_BUF_OFFSET] = req.bufOffset;
  },
  result: (_req, res) => res,
  expected: (req) => req.len,
  quietResult: (req) => req.len,
  fs(req) {
    const view = req.a as NodeJS.ArrayBufferView;
    return fsCall<number>(req, (cb) =>
      fs.write(fdOf(req), view, req.bufOffset, req.len, req.pos < 0 ? null : req.pos, cb),
    );
  },
};
