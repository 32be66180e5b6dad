// IORING_OP_TIMEOUT with no completion count: a pure timer in the ring; its
// natural end (-ETIME) is success.
import { ETIME } from '../errors';
import { Opcode, P_OPCODE, P_X1 } from '../protocol';
import type { OpKind } from '../request';

export const sleep: OpKind = {
  name: 'sleep',
  opcode: Opcode.TIMEOUT,
  fill(req, p) {
    p[P_OPCODE] = Opcode.TIMEOUT;
    p[P_X1] = req.x;
  },
  result: () => undefined,
  normalize: (res) => (res === ETIME ? 0 : res),
  fs: (req) => new Promise((resolve) => setTimeout(() => resolve(0), req.x)),
};
