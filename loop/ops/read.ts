// IORING_OP_READ: read into buffer[offset, offset+length) at position (-1: file position).
import { Opcode, P_BUF_OFFSET, P_LEN, P_OFFSET } from '../protocol';
import type { OpKind } from '../request';
import { emptyRead, fdOf, fs, fsCall } from './fs-call';
import { fillFile } from './fill';

const EMPTY = new Uint8Array(0);

export const read: OpKind = {
  name: 'read',
  opcode: Opcode.READ,
  fill(req, p) {
    fillFile(req, p, Opcode.READ);
    p[P_LEN] = req.len;
    p[P_OFFSET] = req.pos;
    p[P_BUF_OFFSET] = req.bufOffset;
  },
  result: (_req, res) => res,
  expected: (req) => req.len,
  quietResult: (req) => req.len,
  fs(req) {
    const view = req.a as NodeJS.ArrayBufferView;
    const pos = req.pos < 0 ? null : req.pos;
    if (req.len === 0) return emptyRead(req, [EMPTY], pos);
    return fsCall<number>(req, (cb) => fs.read(fdOf(req), view, req.bufOffset, req.len, pos, cb));
  },
};
