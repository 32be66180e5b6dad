// IORING_OP_SEND of buffer[offset, offset+length). Always MSG_NOSIGNAL (a
// closed peer gives EPIPE, never SIGPIPE) and MSG_WAITALL: on a stream socket
// the kernel keeps sending until every byte is queued or the send fails, so a
// send completes whole and consecutive sends never interleave.
import { NetOpcode, P_BUF_OFFSET, P_FD, P_LEN, P_OP_FLAGS } from '../protocol';
import type { Request } from '../request';
import { byteLengthOf } from '../byte-length';
import { bufferArg, rangeLength, rangeStart, type BufferRange } from './args';
import { MSG_NOSIGNAL, MSG_WAITALL, notOnThisKernel, socketFd } from './net-common';
import { op } from './op';

export interface SendArgs extends BufferRange {
  fd: number;
}

export function sendArgs(fd: unknown, buffer: unknown, offset: unknown, length: unknown): SendArgs {
  const socket = socketFd(fd);
  const view = bufferArg(buffer) as NodeJS.ArrayBufferView;
  const size = byteLengthOf(view);
  const start = rangeStart(size, offset);
  return { fd: socket, buffer: view, offset: start, length: rangeLength(size, start, length) };
}

/** Sends buffer[offset, offset+length) whole (MSG_WAITALL), never raising SIGPIPE. */
export const send = op<
  [fd: number, buffer: NodeJS.ArrayBufferView, offset?: number, length?: number],
  number,
  SendArgs
>({
  name: 'send',
  opcode: NetOpcode.SEND,
  required: 2,
  count: 4,
  needsRing: true,
  waitsForPeer: true,
  parse: sendArgs,
  fill(p, req) {
    const a = req.args;
    p[P_FD] = a.fd;
    p[P_LEN] = a.length;
    p[P_BUF_OFFSET] = a.offset;
    p[P_OP_FLAGS] = MSG_NOSIGNAL | MSG_WAITALL;
  },
  slotA: (a) => a.buffer,
  result: (_req, res) => res,
  expected: (req: Request<SendArgs>) => req.args.length,
  fs: notOnThisKernel,
});
