// The addon's socket helpers (native/net-sync.cc): plain system calls that
// never block, and provided-buffer ring registration.
import { loadAddon, type NativeRing } from '../binding';
import { codedError } from '../errors';

export type SocketName =
  { family: 'IPv4' | 'IPv6'; address: string; port: number } | { family: 'unix'; path: string };

export interface NativeNet {
  readonly pageSize: number;
  /** sockaddr_in / sockaddr_in6 bytes, or null when `address` is not a literal of that family. */
  sockaddr(family: 4 | 6, address: string, port: number): Uint8Array | null;
  /** sockaddr_un bytes, or null when the path does not fit in sun_path. */
  unixSockaddr(path: Uint8Array): Uint8Array | null;
  /** getsockname(2) / getpeername(2): the address, or a negative errno. */
  sockname(fd: number): SocketName | number;
  peername(fd: number): SocketName | number;
  /** bind(2) after setting the reuse bits, and listen(2): 0 or a negative errno. */
  bind(fd: number, sockaddr: Uint8Array, reuse: number): number;
  listen(fd: number, backlog: number): number;
  /** setsockopt(2) with an int value: 0 or a negative errno. */
  setsockoptInt(fd: number, level: number, name: number, value: number): number;
  /** Registers a provided-buffer ring at the first page boundary of `memory`. */
  registerBufRing(
    ring: NativeRing,
    memory: ArrayBuffer,
    entries: number,
    group: number,
  ): { ringOffset: number; address: number } | number;
  unregisterBufRing(ring: NativeRing, group: number): number;
}

let net: NativeNet | undefined;

/** The helpers; throws ERR_URING_UNSUPPORTED when the addon is not loaded. */
export function netAddon(): NativeNet {
  if (net) return net;
  // The addon exports `net` beside NativeRing (native/addon.cc).
  const addon = loadAddon() as { net?: NativeNet } | undefined;
  if (!addon?.net) {
    throw codedError('ERR_URING_UNSUPPORTED', 'socket operations need the io_uring backend');
  }
  net = addon.net;
  return net;
}
