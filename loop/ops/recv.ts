// IORING_OP_RECV, in two forms:
// - recv: into buffer[offset, offset+length); req.flags may hold MSG_WAITALL
//   (wait for the whole length; chains always do, see api/build-net.ts).
// - recvProvided / recvMultishot: into a buffer the kernel takes from the
//   provided-buffer group req.x (loop/net/buffer-group.ts); each CQE names the
//   buffer in its flags. The multishot form yields one CQE per arrival until
//   EOF, an error, cancellation or an empty group (ENOBUFS).
import {
  NetOpcode,
  P_BUF_OFFSET,
  P_FD,
  P_LEN,
  P_OPCODE,
  P_OP_FLAGS,
  P_X1,
  P_X2,
} from '../protocol';
import type { OpKind } from '../request';
import { notOnThisKernel } from './net-common';

export const recv: OpKind = {
  name: 'recv',
  opcode: NetOpcode.RECV,
  needsRing: true,
  waitsForPeer: true,
  fill(req, p) {
    p[P_OPCODE] = NetOpcode.RECV;
    p[P_FD] = req.fd;
    p[P_LEN] = req.len;
    p[P_BUF_OFFSET] = req.bufOffset;
    p[P_OP_FLAGS] = req.flags;
    p[P_X1] = 0;
    p[P_X2] = 0;
  },
  result: (_req, res) => res,
  expected: (req) => req.len,
  fs: notOnThisKernel,
};

function provided(multishot: boolean): OpKind {
  return {
    name: 'recv',
    opcode: NetOpcode.RECV,
    needsRing: true,
    waitsForPeer: true,
    multishot: true,
    fill(req, p) {
      p[P_OPCODE] = NetOpcode.RECV;
      p[P_FD] = req.fd;
      p[P_OP_FLAGS] = 0;
      p[P_X1] = req.x + 1;
      p[P_X2] = multishot ? 1 : 0;
    },
    result: (_req, res) => res,
    fs: notOnThisKernel,
  };
}

/** One receive into a provided buffer (for kernels without multishot receive). */
export const recvProvided = provided(false);
export const recvMultishot = provided(true);
