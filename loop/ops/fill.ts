// Parameter-block helpers shared by the op modules.
import { P_FD, P_FILE_INDEX, P_OPCODE, P_OP_FLAGS } from '../protocol';
import type { Request } from '../request';

/** Opcode plus the target fd (regular or direct descriptor). */
export function fillFile(req: Request, p: Float64Array, opcode: number): void {
  p[P_OPCODE] = opcode;
  p[P_FD] = req.file ? req.file.index : req.fd;
  p[P_OP_FLAGS] = 0;
  p[P_FILE_INDEX] = 0;
}
