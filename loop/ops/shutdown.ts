// IORING_OP_SHUTDOWN: shut down reading (0), writing (1) or both (2); req.len holds `how`.
import { NetOpcode, P_FD, P_LEN, P_OPCODE } from '../protocol';
import type { OpKind } from '../request';
import { notOnThisKernel } from './net-common';

export const shutdown: OpKind = {
  name: 'shutdown',
  opcode: NetOpcode.SHUTDOWN,
  needsRing: true,
  fill(req, p) {
    p[P_OPCODE] = NetOpcode.SHUTDOWN;
    p[P_FD] = req.fd;
    p[P_LEN] = req.len;
  },
  result: () => undefined,
  fs: notOnThisKernel,
};
