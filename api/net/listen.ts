// ring.listen({ port, host, path, ... }): socket -> bind -> listen, then a Server.
import * as dns from 'node:dns';
import * as net from 'node:net';
import type { Backend } from '../../loop/backend';
import {
  EADDRNOTAVAIL,
  EAFNOSUPPORT,
  errnoOf,
  unsupportedError,
  withAddress,
} from '../../loop/net/net-errors';
import { UringBackend } from '../../loop/uring-backend';
import { bind } from '../../loop/ops/bind';
import { listen } from '../../loop/ops/listen';
import { socket } from '../../loop/ops/socket';
import { requestOf } from '../../loop/request';
import { integer } from '../../loop/validate';
import { ipEndpoint, portArg, unixEndpoint, type Endpoint } from '../../loop/net/address';
import { closeFd } from './close-fd';
import { boolOption, connectionOptions, objectArg, type ListenOptions } from './options';
import { setNoDelay, socketName, type SocketName } from '../../loop/net/sockets';
import { MAKING } from './making';
import { Server } from './server';

export function requireRing(impl: Backend, what: string): UringBackend {
  if (impl instanceof UringBackend) return impl;
  throw unsupportedError(what);
}

async function hostEndpoint(host: string, port: number): Promise<Endpoint> {
  if (net.isIP(host)) return ipEndpoint(host, port, 'options.host');
  const { address } = await dns.promises.lookup(host);
  return ipEndpoint(address, port, 'options.host');
}

/** socket + bind + listen; the fd is closed again if bind or listen fails. */
async function open(
  backend: UringBackend,
  endpoint: Endpoint,
  reuse: { reuseAddr: boolean; reusePort: boolean },
  backlog: number,
  noDelay: boolean,
): Promise<number> {
  const fd = (await backend.run(requestOf(socket, endpoint.family))) as number;
  try {
    if (noDelay && endpoint.family !== 'unix') setNoDelay(fd);
    await backend.run(requestOf(bind, fd, { ...reuse, ...addressOf(endpoint) }));
    await backend.run(requestOf(listen, fd, backlog));
    return fd;
  } catch (err) {
    await closeFd(backend, fd).catch(() => undefined);
    throw withAddress(err, endpoint.address, endpoint.port);
  }
}

function addressOf(endpoint: Endpoint): { host: string; port: number } | { path: string } {
  return endpoint.family === 'unix'
    ? { path: endpoint.address }
    : { host: endpoint.address, port: endpoint.port as number };
}

export async function listenServer(impl: Backend, options: unknown): Promise<Server> {
  const backend = requireRing(impl, 'ring.listen()');
  const o = objectArg<ListenOptions>(options);
  const conn = connectionOptions(o);
  const backlog = o.backlog === undefined ? 511 : integer('options.backlog', o.backlog, 0, 65535);
  const reuse = {
    reuseAddr: boolOption(o.reuseAddr, 'options.reuseAddr', true),
    reusePort: boolOption(o.reusePort, 'options.reusePort', false),
  };
  let fd: number;
  let endpoint: Endpoint;
  if (o.path !== undefined) {
    endpoint = unixEndpoint(o.path, 'options.path');
    // SO_REUSEADDR means nothing for unix sockets.
    fd = await open(backend, endpoint, { reuseAddr: false, reusePort: false }, backlog, false);
  } else {
    const port = o.port === undefined ? 0 : portArg(o.port, 'options.port');
    if (o.host !== undefined) {
      endpoint = await hostEndpoint(o.host, port);
      fd = await open(backend, endpoint, reuse, backlog, conn.noDelay);
    } else {
      // Like node:net: every IPv6 and IPv4 address, or every IPv4 one without IPv6.
      endpoint = ipEndpoint('::', port);
      try {
        fd = await open(backend, endpoint, reuse, backlog, conn.noDelay);
      } catch (err) {
        const errno = errnoOf(err);
        if (errno !== EAFNOSUPPORT && errno !== EADDRNOTAVAIL) throw err;
        endpoint = ipEndpoint('0.0.0.0', port);
        fd = await open(backend, endpoint, reuse, backlog, conn.noDelay);
      }
    }
  }
  let name: SocketName;
  try {
    name = socketName(fd);
  } catch (err) {
    await closeFd(backend, fd).catch(() => undefined);
    throw withAddress(err, endpoint.address, endpoint.port);
  }
  const unlinkPath =
    endpoint.family === 'unix' && endpoint.address[0] !== '\0' ? endpoint.address : undefined;
  return new Server(MAKING, backend, fd, name, backlog, conn, unlinkPath);
}
