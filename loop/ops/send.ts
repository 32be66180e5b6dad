// IORING_OP_SEND of buffer[offset, offset+length). Always MSG_NOSIGNAL (a
// closed peer gives EPIPE, never SIGPIPE) and MSG_WAITALL: on a stream socket
// the kernel keeps sending until every byte is queued or the send fails, so a
// send completes whole and consecutive sends never interleave.
import { NetOpcode, P_BUF_OFFSET, P_FD, P_LEN, P_OPCODE, P_OP_FLAGS } from '../protocol';
import type { OpKind } from '../request';
import { MSG_NOSIGNAL, MSG_WAITALL, notOnThisKernel } from './net-common';

export const send: OpKind = {
  name: 'send',
  opcode: NetOpcode.SEND,
  needsRing: true,
  waitsForPeer: true,
  fill(req, p) {
    p[P_OPCODE] = NetOpcode.SEND;
    p[P_FD] = req.fd;
    p[P_LEN] = req.len;
    p[P_BUF_OFFSET] = req.bufOffset;
    p[P_OP_FLAGS] = MSG_NOSIGNAL | MSG_WAITALL;
  },
  result: (_req, res) => res,
  expected: (req) => req.len,
  fs: notOnThisKernel,
};
