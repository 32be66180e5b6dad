// Socket system calls that never block, run by the addon on the JS thread:
// address conversion, socket names and options.
import { netAddon, type SocketName } from './binding';
import { netError } from './net-errors';

export type { SocketName };

/** sockaddr_in / sockaddr_in6 bytes, or null when `address` is not a literal of that family. */
export function ipSockaddr(family: 4 | 6, address: string, port: number): Uint8Array | null {
  return netAddon().sockaddr(family, address, port);
}

/** sockaddr_un bytes, or null when the path does not fit in sun_path. */
export function unixSockaddr(path: Uint8Array): Uint8Array | null {
  return netAddon().unixSockaddr(path);
}

/** getsockname(2); throws the errno error. */
export function socketName(fd: number): SocketName {
  const name = netAddon().sockname(fd);
  if (typeof name === 'number') throw netError(name, 'getsockname');
  return name;
}

/** getpeername(2); throws the errno error. */
export function peerName(fd: number): SocketName {
  const name = netAddon().peername(fd);
  if (typeof name === 'number') throw netError(name, 'getpeername');
  return name;
}

const IPPROTO_TCP = 6;
const TCP_NODELAY = 1;

/** TCP_NODELAY on a TCP socket (accepted sockets inherit it from the listening one). */
export function setNoDelay(fd: number): void {
  const res = netAddon().setsockoptInt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
  if (res < 0) throw netError(res, 'setsockopt');
}
