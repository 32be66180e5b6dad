// IORING_OP_SENDMSG / RECVMSG over several buffers (scatter/gather). The addon
// lays a struct msghdr and its iovecs out in req.a, pointing at the views in
// req.b; both stay referenced until completion. No address or control data.
import { NetOpcode, P_FD, P_LEN, P_OPCODE, P_OP_FLAGS } from '../protocol';
import type { OpKind } from '../request';
import { MSG_NOSIGNAL, MSG_WAITALL, notOnThisKernel } from './net-common';

/** sizeof(struct msghdr) on 64-bit Linux, and of one struct iovec. */
export const MSGHDR_SIZE = 56;
export const IOVEC_SIZE = 16;

function msgOp(name: 'sendmsg' | 'recvmsg', opcode: number): OpKind {
  return {
    name,
    opcode,
    needsRing: true,
    waitsForPeer: true,
    fill(req, p) {
      p[P_OPCODE] = opcode;
      p[P_FD] = req.fd;
      p[P_LEN] = (req.b as unknown[]).length;
      // Sends always go whole and never raise SIGPIPE (see send.ts).
      p[P_OP_FLAGS] = name === 'sendmsg' ? MSG_NOSIGNAL | MSG_WAITALL : req.flags;
    },
    result: (_req, res) => res,
    expected: (req) => req.len,
    fs: notOnThisKernel,
  };
}

export const sendmsg = msgOp('sendmsg', NetOpcode.SENDMSG);
export const recvmsg = msgOp('recvmsg', NetOpcode.RECVMSG);
