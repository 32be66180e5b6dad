// IORING_OP_NOP: completes at once; measures pure framework overhead.
import { Opcode } from '../protocol';
import { op } from './op';

/** A no-op through the ring: measures the framework's own cost. */
export const nop = op<[], void, undefined>({
  name: 'nop',
  opcode: Opcode.NOP,
  required: 0,
  count: 0,
  parse: () => undefined,
  fill() {},
  result: () => undefined,
  quietResult: () => 0,
  fs: () => new Promise((resolve) => setImmediate(() => resolve(0))),
});
