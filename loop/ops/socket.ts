// IORING_OP_SOCKET: a stream socket (always SOCK_CLOEXEC); resolves with its fd.
import { domainOf, familyArg } from '../net/address';
import { NetOpcode, P_FD, P_OP_FLAGS } from '../protocol';
import { SOCK_CLOEXEC, SOCK_STREAM, notOnThisKernel } from './net-common';
import { op } from './op';

export interface SocketDomainArgs {
  /** AF_INET, AF_INET6 or AF_UNIX. */
  domain: number;
}

/** A stream socket ('ipv4', 'ipv6' or 'unix'; always close-on-exec); resolves with its fd. */
export const socket = op<[family: 'ipv4' | 'ipv6' | 'unix' | 4 | 6], number, SocketDomainArgs>({
  name: 'socket',
  opcode: NetOpcode.SOCKET,
  required: 1,
  count: 1,
  needsRing: true,
  parse: (family) => ({ domain: domainOf(familyArg(family)) }),
  fill(p, req) {
    p[P_FD] = req.args.domain;
    p[P_OP_FLAGS] = SOCK_STREAM | SOCK_CLOEXEC;
  },
  result: (_req, res) => res,
  fs: notOnThisKernel,
});
