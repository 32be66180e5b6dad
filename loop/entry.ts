// The one writer of staging entries: every field native reads for any opcode is set here, so an
// op's fill() writes only what its opcode uses and never sees what an earlier op left behind.
import {
  P_BUF_OFFSET,
  P_FD,
  P_FILE_INDEX,
  P_GROUP,
  P_LEN,
  P_OFFSET,
  P_OPCODE,
  P_OP_FLAGS,
  P_SLOT,
  P_SQE_FLAGS,
  P_TAG,
  P_X1,
  P_X2,
} from './protocol';

/**
 * Writes one entry: the opcode, the fields `fill` sets from `source` (all others zero), the
 * user_data halves (`slot`, `tag`), the IOSQE_* flags and, on a linked group's first entry,
 * the group's size (0 on the others).
 */
export function writeEntry<T>(
  p: Float64Array,
  opcode: number,
  fill: (p: Float64Array, source: T) => void,
  source: T,
  slot: number,
  tag: number,
  sqeFlags: number,
  group: number,
): void {
  p[P_OPCODE] = opcode;
  p[P_FD] = 0;
  p[P_LEN] = 0;
  p[P_OFFSET] = 0;
  p[P_OP_FLAGS] = 0;
  p[P_BUF_OFFSET] = 0;
  p[P_FILE_INDEX] = 0;
  p[P_X1] = 0;
  p[P_X2] = 0;
  fill(p, source);
  p[P_SLOT] = slot;
  p[P_TAG] = tag;
  p[P_SQE_FLAGS] = sqeFlags;
  p[P_GROUP] = group;
}
