// IORING_OP_ACCEPT: one connection (resolves with its fd, SOCK_CLOEXEC), or
// multishot: one CQE per connection (IORING_ACCEPT_MULTISHOT) until cancelled
// or failed. The peer address is read later with getpeername().
import { NetOpcode, P_FD, P_OP_FLAGS, P_X2 } from '../protocol';
import { SOCK_CLOEXEC, notOnThisKernel, socketFd, type SocketArgs } from './net-common';
import { op, type OpKind } from './op';

function acceptOp(multishot: boolean): OpKind<SocketArgs> {
  return {
    name: 'accept',
    opcode: NetOpcode.ACCEPT,
    required: 1,
    count: 1,
    needsRing: true,
    waitsForPeer: true,
    multishot,
    parse: (fd) => ({ fd: socketFd(fd) }),
    fill(p, req) {
      p[P_FD] = req.args.fd;
      p[P_OP_FLAGS] = SOCK_CLOEXEC;
      p[P_X2] = multishot ? 1 : 0;
    },
    result: (_req, res) => res,
    fs: notOnThisKernel,
  };
}

/** Accepts one connection; resolves with its fd (close-on-exec). */
export const accept = op<[fd: number], number, SocketArgs>(acceptOp(false));
export const acceptMultishot = acceptOp(true);
