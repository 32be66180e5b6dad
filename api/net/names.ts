// getsockname(2) / getpeername(2) of a socket fd, shaped like net.Server#address().
import { peerName, socketName, type SocketName } from '../../loop/net/sockets';
import { fdArg } from '../../loop/validate';
import type { AddressInfo } from './server';

function describe(name: SocketName): AddressInfo | string {
  if (name.family === 'unix') return name.path;
  return { address: name.address, family: name.family, port: name.port };
}

/** The address a socket is bound to: { address, family, port }, or a unix socket path. */
export function localAddress(fd: number): AddressInfo | string {
  const n = fdArg(fd);
  return describe(socketName(n));
}

/** The address of a connected socket's peer: { address, family, port }, or a unix socket path. */
export function remoteAddress(fd: number): AddressInfo | string {
  const n = fdArg(fd);
  return describe(peerName(n));
}
