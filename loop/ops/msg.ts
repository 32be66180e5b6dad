// IORING_OP_SENDMSG / RECVMSG over several buffers (scatter/gather). The addon
// lays a struct msghdr and its iovecs out in object slot A, pointing at the
// views in slot B; both stay referenced until completion. No address or control data.
import { NetOpcode, P_FD, P_LEN, P_OP_FLAGS } from '../protocol';
import { buffersArg } from '../validate';
import { totalLength } from './args';
import {
  MSG_NOSIGNAL,
  MSG_WAITALL,
  notOnThisKernel,
  socketFd,
  waitAllFlag,
  type RecvOptions,
} from './net-common';
import { op, type OpKind } from './op';

/** sizeof(struct msghdr) on 64-bit Linux, and of one struct iovec. */
export const MSGHDR_SIZE = 56;
export const IOVEC_SIZE = 16;

export interface MessageArgs {
  fd: number;
  buffers: NodeJS.ArrayBufferView[];
  /** Their total byte count. */
  length: number;
  /** Where the addon writes the msghdr and its iovecs. */
  msghdr: Uint8Array;
  /** recvmsg: MSG_WAITALL or 0. */
  flags: number;
}

/** Arguments of a message over `views` (loop/net/sender.ts builds them too). */
export function messageArgs(fd: number, views: ArrayBufferView[], length: number): MessageArgs {
  const msghdr = new Uint8Array(MSGHDR_SIZE + views.length * IOVEC_SIZE);
  return { fd, buffers: views as NodeJS.ArrayBufferView[], length, msghdr, flags: 0 };
}

function msgOp(name: 'sendmsg' | 'recvmsg', opcode: number): OpKind<MessageArgs> {
  return {
    name,
    opcode,
    required: 2,
    count: 2,
    needsRing: true,
    waitsForPeer: true,
    chainWaitsAll: name === 'recvmsg',
    parse(fd, buffers, _a2, _a3, _a4, options) {
      const socket = socketFd(fd);
      const views = buffersArg(buffers);
      const args = messageArgs(socket, views, totalLength(views));
      if (name === 'recvmsg') args.flags = waitAllFlag(options);
      return args;
    },
    fill(p, req) {
      const a = req.args;
      p[P_FD] = a.fd;
      p[P_LEN] = a.buffers.length;
      // Sends always go whole and never raise SIGPIPE (see send.ts).
      p[P_OP_FLAGS] = name === 'sendmsg' ? MSG_NOSIGNAL | MSG_WAITALL : a.flags;
    },
    slotA: (a) => a.msghdr,
    slotB: (a) => a.buffers,
    result: (_req, res) => res,
    expected: (req) => req.args.length,
    fs: notOnThisKernel,
  };
}

type MessageParams = [fd: number, buffers: NodeJS.ArrayBufferView[]];

/** Sends several buffers in one message (whole, never raising SIGPIPE). */
export const sendmsg = op<MessageParams, number, MessageArgs>(msgOp('sendmsg', NetOpcode.SENDMSG));
/** Receives into several buffers in turn. */
export const recvmsg = op<MessageParams, number, MessageArgs, RecvOptions>(
  msgOp('recvmsg', NetOpcode.RECVMSG),
);
