// ring.connect({ port, host } | { path }): socket -> connect, then a Connection.
// A name resolves with dns.lookup and each address is tried in turn.
import * as dns from 'node:dns';
import * as net from 'node:net';
import type { Backend } from '../../loop/backend';
import { withAddress } from '../../loop/net/net-errors';
import { setNoDelay } from '../../loop/net/sockets';
import { connect } from '../../loop/ops/bind';
import { socket } from '../../loop/ops/socket';
import { requestOf } from '../../loop/request';
import { optionsArg, typeError, valueError } from '../../loop/validate';
import { ipEndpoint, portArg, unixEndpoint, type Endpoint } from '../../loop/net/address';
import { closeFd } from './close-fd';
import { Connection } from './connection';
import { MAKING } from './making';
import { requireRing } from './listen';
import { connectionOptions, objectArg, type ConnectOptions } from './options';

async function endpoints(o: ConnectOptions): Promise<Endpoint[]> {
  if (o.path !== undefined) {
    if (o.host !== undefined || o.port !== undefined) {
      throw valueError('options', 'takes either path or host and port, not both');
    }
    return [unixEndpoint(o.path, 'options.path')];
  }
  const port = portArg(o.port, 'options.port', 1);
  const host = o.host ?? 'localhost';
  if (typeof host !== 'string') throw typeError('options.host', 'of type string', host);
  if (net.isIP(host)) return [ipEndpoint(host, port, 'options.host')];
  const found = await dns.promises.lookup(host, { all: true });
  return found.map((entry) => ipEndpoint(entry.address, port, 'options.host'));
}

export async function connectTo(impl: Backend, options: unknown): Promise<Connection> {
  const backend = requireRing(impl, 'ring.connect()');
  const o = objectArg<ConnectOptions>(options);
  const conn = connectionOptions(o);
  const { signal, timeout } = optionsArg({ signal: o.signal, timeout: o.timeout });
  let last: unknown;
  for (const endpoint of await endpoints(o)) {
    const fd = (await backend.run(requestOf(socket, endpoint.family))) as number;
    try {
      if (conn.noDelay && endpoint.family !== 'unix') setNoDelay(fd);
      const req = requestOf(
        connect,
        fd,
        endpoint.family === 'unix'
          ? { path: endpoint.address }
          : { host: endpoint.address, port: endpoint.port },
      );
      req.signal = signal;
      req.timeout = timeout;
      await backend.run(req);
      return new Connection(MAKING, backend, fd, conn);
    } catch (err) {
      await closeFd(backend, fd).catch(() => undefined);
      last = withAddress(err, endpoint.address, endpoint.port);
      // A deadline or an abort covers the whole connect, not one address.
      if (signal?.aborted || (err as { code?: string }).code === 'ETIMEDOUT') throw last;
    }
  }
  throw last;
}
