// IORING_OP_READV / WRITEV: scatter/gather through an iovec array the addon fills
// in `req.a` from the views in `req.b`; both stay referenced until completion.
import { Opcode, P_LEN, P_OFFSET } from '../protocol';
import type { OpKind, Request } from '../request';
import { emptyRead, fdOf, fs, fsCall } from './fs-call';
import { fillFile } from './fill';

function total(req: Request): number {
  return req.len;
}

function vectorOp(name: 'readv' | 'writev', opcode: number): OpKind {
  return {
    name,
    opcode,
    fill(req, p) {
      fillFile(req, p, opcode);
      p[P_LEN] = (req.b as unknown[]).length;
      p[P_OFFSET] = req.pos;
    },
    result: (_req, res) => res,
    expected: total,
    quietResult: total,
    fs(req) {
      const views = req.b as NodeJS.ArrayBufferView[];
      const pos = req.pos < 0 ? null : req.pos;
      if (name === 'readv' && req.len === 0) return emptyRead(req, views, pos);
      return name === 'readv'
        ? fsCall<number>(req, (cb) => fs.readv(fdOf(req), views, pos, cb))
        : fsCall<number>(req, (cb) => fs.writev(fdOf(req), views, pos, cb));
    },
  };
}

export const readv = vectorOp('readv', Opcode.READV);
export const writev = vectorOp('writev', Opcode.WRITEV);
