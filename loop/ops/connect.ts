// IORING_OP_CONNECT to the sockaddr in req.a.
import { NetOpcode, P_FD, P_OPCODE } from '../protocol';
import type { OpKind } from '../request';
import { notOnThisKernel } from './net-common';

export const connect: OpKind = {
  name: 'connect',
  opcode: NetOpcode.CONNECT,
  needsRing: true,
  waitsForPeer: true,
  fill(req, p) {
    p[P_OPCODE] = NetOpcode.CONNECT;
    p[P_FD] = req.fd;
  },
  result: () => undefined,
  fs: notOnThisKernel,
};
