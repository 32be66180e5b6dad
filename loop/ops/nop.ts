// IORING_OP_NOP: completes at once; measures pure framework overhead.
import { Opcode, P_OPCODE } from '../protocol';
import type { OpKind } from '../request';

export const nop: OpKind = {
  name: 'nop',
  opcode: Opcode.NOP,
  fill(_req, p) {
    p[P_OPCODE] = Opcode.NOP;
  },
  result: () => undefined,
  quietResult: () => 0,
  fs: () => new Promise((resolve) => setImmediate(() => resolve(0))),
};
