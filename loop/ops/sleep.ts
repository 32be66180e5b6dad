// IORING_OP_TIMEOUT with no completion count: a pure timer in the ring; its
// natural end (-ETIME) is success.
import { ETIME } from '../errors';
import { Opcode, P_OPCODE, P_OP_FLAGS, P_X1 } from '../protocol';

/** -ETIME counts as success for linked ops, so a sleep does not break its chain (Linux 6.0). */
const IORING_TIMEOUT_ETIME_SUCCESS = 1 << 5;
import type { OpKind } from '../request';

export const sleep: OpKind = {
  name: 'sleep',
  opcode: Opcode.TIMEOUT,
  fill(req, p) {
    p[P_OPCODE] = Opcode.TIMEOUT;
    p[P_X1] = req.x;
    p[P_OP_FLAGS] = IORING_TIMEOUT_ETIME_SUCCESS;
  },
  result: () => undefined,
  normalize: (res) => (res === ETIME ? 0 : res),
  fs: (req) =>
    new Promise((resolve) => {
      req.b = setTimeout(() => resolve(0), req.x);
    }),
  fsCancel: (req) => clearTimeout(req.b as NodeJS.Timeout),
};
