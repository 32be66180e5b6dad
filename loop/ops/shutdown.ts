// IORING_OP_SHUTDOWN: shut down reading (0), writing (1) or both (2).
import { NetOpcode, P_FD, P_LEN } from '../protocol';
import { describe, valueError } from '../validate';
import { notOnThisKernel, socketFd } from './net-common';
import { op } from './op';

export interface ShutdownArgs {
  fd: number;
  /** SHUT_RD, SHUT_WR or SHUT_RDWR. */
  how: number;
}

const HOW: Record<string, number> = { read: 0, write: 1, both: 2 };

/** shutdown(2) of a socket: 'read', 'write' or 'both' (default). */
export const shutdown = op<
  [fd: number, how?: 'read' | 'write' | 'both' | 0 | 1 | 2],
  void,
  ShutdownArgs
>({
  name: 'shutdown',
  opcode: NetOpcode.SHUTDOWN,
  required: 1,
  count: 2,
  needsRing: true,
  parse(fd, how) {
    const socket = socketFd(fd);
    let value: number;
    if (how === undefined) value = 2;
    else if (typeof how === 'string' && Object.hasOwn(HOW, how)) value = HOW[how];
    else if (how === 0 || how === 1 || how === 2) value = how;
    else
      throw valueError(
        'how',
        `must be 'read', 'write', 'both', 0, 1 or 2. Received ${describe(how)}`,
      );
    return { fd: socket, how: value };
  },
  fill(p, req) {
    p[P_FD] = req.args.fd;
    p[P_LEN] = req.args.how;
  },
  result: () => undefined,
  fs: notOnThisKernel,
});
