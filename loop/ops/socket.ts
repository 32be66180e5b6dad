// IORING_OP_SOCKET: a stream socket (always SOCK_CLOEXEC); resolves with its fd.
// req.x holds the address family.
import { NetOpcode, P_FD, P_LEN, P_OPCODE, P_OP_FLAGS } from '../protocol';
import type { OpKind } from '../request';
import { SOCK_CLOEXEC, SOCK_STREAM, notOnThisKernel } from './net-common';

export const socket: OpKind = {
  name: 'socket',
  opcode: NetOpcode.SOCKET,
  needsRing: true,
  fill(req, p) {
    p[P_OPCODE] = NetOpcode.SOCKET;
    p[P_FD] = req.x;
    p[P_OP_FLAGS] = SOCK_STREAM | SOCK_CLOEXEC;
    p[P_LEN] = 0;
  },
  result: (_req, res) => res,
  fs: notOnThisKernel,
};
