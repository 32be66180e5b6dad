// IORING_OP_BIND (Linux 6.11) and IORING_OP_CONNECT of a sockaddr (object slot A).
// bind's SO_REUSEADDR/SO_REUSEPORT bits go in P_X1: the addon sets them just before.
// Kernels without IORING_OP_BIND run bind(2) in the addon instead: it never blocks.
import { errnoError } from '../errors';
import { netAddon } from '../net/binding';
import { addressArg, addressed, type SocketAddress } from '../net/address';
import { NetOpcode, P_FD, P_X1 } from '../protocol';
import { typeError } from '../validate';
import { notOnThisKernel, socketFd } from './net-common';
import { op } from './op';

export const REUSE_ADDR = 1;
export const REUSE_PORT = 2;

export interface BindAddress extends SocketAddress {
  /** SO_REUSEADDR before binding. */
  reuseAddr?: boolean;
  /** SO_REUSEPORT before binding. */
  reusePort?: boolean;
}

export interface AddressArgs {
  fd: number;
  sockaddr: Uint8Array;
  /** A unix socket's path, for errors. */
  path: string | undefined;
  /** bind: REUSE_ADDR | REUSE_PORT. */
  reuse: number;
}

function flag(value: unknown, name: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw typeError(name, 'of type boolean', value);
  return value;
}

function addressArgs(fd: unknown, address: unknown, minPort: number): AddressArgs {
  const socket = socketFd(fd);
  const endpoint = addressArg(address, 'address', minPort);
  return {
    fd: socket,
    sockaddr: endpoint.sockaddr,
    path: endpoint.family === 'unix' ? endpoint.address : undefined,
    reuse: 0,
  };
}

/**
 * bind(2) to `{ host, port }` (an IP address) or `{ path }`, after setting
 * SO_REUSEADDR / SO_REUSEPORT when asked.
 */
export const bind = op<[fd: number, address: BindAddress], void, AddressArgs>({
  name: 'bind',
  opcode: NetOpcode.BIND,
  required: 2,
  count: 2,
  needsRing: true,
  parse(fd, address) {
    const args = addressArgs(fd, address, 0);
    const a = address as BindAddress;
    args.reuse =
      (flag(a.reuseAddr, 'address.reuseAddr') ? REUSE_ADDR : 0) |
      (flag(a.reusePort, 'address.reusePort') ? REUSE_PORT : 0);
    return args;
  },
  fill(p, req) {
    p[P_FD] = req.args.fd;
    p[P_X1] = req.args.reuse;
  },
  slotA: (a) => a.sockaddr,
  path: (a) => a.path,
  result: () => undefined,
  fs(req) {
    const { fd, sockaddr, reuse } = req.args;
    const res = netAddon().bind(fd, sockaddr, reuse);
    return res < 0 ? Promise.reject(errnoError(res, 'bind')) : Promise.resolve(0);
  },
  ringError: addressed,
});

/** connect(2) to `{ host, port }` (an IP address) or `{ path }`. */
export const connect = op<[fd: number, address: BindAddress], void, AddressArgs>({
  name: 'connect',
  opcode: NetOpcode.CONNECT,
  required: 2,
  count: 2,
  needsRing: true,
  waitsForPeer: true,
  parse: (fd, address) => addressArgs(fd, address, 1),
  fill(p, req) {
    p[P_FD] = req.args.fd;
  },
  slotA: (a) => a.sockaddr,
  path: (a) => a.path,
  result: () => undefined,
  fs: notOnThisKernel,
  ringError: addressed,
});
