// IORING_OP_ACCEPT: one connection (resolves with its fd, SOCK_CLOEXEC), or
// multishot: one CQE per connection (IORING_ACCEPT_MULTISHOT) until cancelled
// or failed. The peer address is read later with getpeername().
import { NetOpcode, P_FD, P_OPCODE, P_OP_FLAGS, P_X2 } from '../protocol';
import type { OpKind } from '../request';
import { SOCK_CLOEXEC, notOnThisKernel } from './net-common';

function acceptOp(multishot: boolean): OpKind {
  return {
    name: 'accept',
    opcode: NetOpcode.ACCEPT,
    needsRing: true,
    waitsForPeer: true,
    multishot,
    fill(req, p) {
      p[P_OPCODE] = NetOpcode.ACCEPT;
      p[P_FD] = req.fd;
      p[P_OP_FLAGS] = SOCK_CLOEXEC;
      p[P_X2] = multishot ? 1 : 0;
    },
    result: (_req, res) => res,
    fs: notOnThisKernel,
  };
}

export const accept = acceptOp(false);
export const acceptMultishot = acceptOp(true);
