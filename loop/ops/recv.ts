// IORING_OP_RECV, in two forms:
// - recv: into buffer[offset, offset+length); `flags` may hold MSG_WAITALL
//   (wait for the whole length; chains do unless the op is hardlinked: OpKind.chainWaitsAll).
// - recvProvided / recvMultishot: into a buffer the kernel takes from a
//   provided-buffer group (loop/net/buffer-group.ts); each CQE names the
//   buffer in its flags. The multishot form yields one CQE per arrival until
//   EOF, an error, cancellation or an empty group (ENOBUFS).
import type { BufferGroup } from '../net/buffer-group';
import { NetOpcode, P_BUF_OFFSET, P_FD, P_LEN, P_OP_FLAGS, P_X1, P_X2 } from '../protocol';
import { notOnThisKernel, waitAllFlag, type RecvOptions } from './net-common';
import { op, type OpKind } from './op';
import { sendArgs, type SendArgs } from './send';

export interface RecvArgs extends SendArgs {
  /** MSG_WAITALL or 0. */
  flags: number;
}

/** Receives into buffer[offset, offset+length); 0 at the end of the stream. */
export const recv = op<
  [fd: number, buffer: NodeJS.ArrayBufferView, offset?: number, length?: number],
  number,
  RecvArgs,
  RecvOptions
>({
  name: 'recv',
  opcode: NetOpcode.RECV,
  required: 2,
  count: 4,
  needsRing: true,
  waitsForPeer: true,
  chainWaitsAll: true,
  parse(fd, buffer, offset, length, _a4, options) {
    const a = sendArgs(fd, buffer, offset, length);
    const flags = waitAllFlag(options);
    return { fd: a.fd, buffer: a.buffer, offset: a.offset, length: a.length, flags };
  },
  fill(p, req) {
    const a = req.args;
    p[P_FD] = a.fd;
    p[P_LEN] = a.length;
    p[P_BUF_OFFSET] = a.offset;
    p[P_OP_FLAGS] = a.flags;
  },
  slotA: (a) => a.buffer,
  result: (_req, res) => res,
  expected: (req) => req.args.length,
  fs: notOnThisKernel,
});

export interface ProvidedArgs {
  fd: number;
  /** The group the kernel picks buffers from; referenced here while it may write into it. */
  group: BufferGroup;
}

function provided(multishot: boolean): OpKind<ProvidedArgs> {
  return {
    name: 'recv',
    opcode: NetOpcode.RECV,
    needsRing: true,
    waitsForPeer: true,
    multishot: true,
    fill(p, req) {
      p[P_FD] = req.args.fd;
      // The group id + 1: 0 means a receive into a buffer of its own.
      p[P_X1] = req.args.group.id + 1;
      p[P_X2] = multishot ? 1 : 0;
    },
    result: (_req, res) => res,
    fs: notOnThisKernel,
  };
}

/** One receive into a provided buffer (for kernels without multishot receive). */
export const recvProvided = provided(false);
export const recvMultishot = provided(true);
