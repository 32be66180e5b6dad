// A listening stream socket: an async iterable of accepted Connections
// (multishot accept underneath).
import { promises as fsp } from 'node:fs';
import { Acceptor } from '../../loop/net/acceptor';
import type { SocketName } from '../../loop/net/binding';
import type { UringBackend } from '../../loop/uring-backend';
import { closeFd } from './close-fd';
import { Connection } from './connection';
import { MAKING, checkMaking } from './making';
import type { ResolvedConnectionOptions } from './options';
import { track, untrack } from './registry';

export interface AddressInfo {
  address: string;
  family: string;
  port: number;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });
const toResult = (conn: Connection | null): IteratorResult<Connection, undefined> =>
  conn === null ? DONE : { value: conn, done: false };

export class Server implements AsyncIterable<Connection> {
  /** The listening socket's file descriptor. */
  readonly fd: number;
  readonly #backend: UringBackend;
  readonly #name: SocketName;
  readonly #options: ResolvedConnectionOptions;
  /** A unix socket path this server created and removes on close. */
  readonly #unlinkPath: string | undefined;
  readonly #acceptor: Acceptor;
  readonly #connections = new Set<Connection>();
  #closing: Promise<void> | null = null;
  readonly #forget = (conn: Connection) => this.#connections.delete(conn);

  /** @internal ring.listen() makes servers. */
  constructor(
    making: typeof MAKING,
    backend: UringBackend,
    fd: number,
    name: SocketName,
    backlog: number,
    options: ResolvedConnectionOptions,
    unlinkPath: string | undefined,
  ) {
    checkMaking(making, 'ring.listen() makes servers');
    this.fd = fd;
    this.#backend = backend;
    this.#name = name;
    this.#options = options;
    this.#unlinkPath = unlinkPath;
    this.#acceptor = new Acceptor(backend, fd, Math.max(1, backlog));
    track(backend, this);
  }

  /** Like net.Server#address(): { address, family, port }, or the unix socket path. */
  address(): AddressInfo | string {
    const name = this.#name;
    if (name.family === 'unix') return name.path;
    return { address: name.address, family: name.family, port: name.port };
  }

  /** True until close() is called. */
  get listening(): boolean {
    return this.#closing === null;
  }

  /** Connections accepted and not yet closed. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /** The next connection, or null once the server is closed. */
  accept(): Promise<Connection | null> {
    if (this.#closing) return Promise.resolve(null);
    return this.#acceptor.next().then((fd) => (fd === null ? null : this.#adopt(fd)));
  }

  /**
   * Stops accepting and closes the listening socket and every connection it
   * accepted that is still open (their pending reads end, pending writes fail
   * with ERR_SOCKET_CLOSED). A unix socket path is removed.
   */
  close(): Promise<void> {
    this.#closing ??= this.#destroy();
    return this.#closing;
  }

  [Symbol.asyncIterator](): AsyncIterator<Connection, undefined> {
    return {
      next: () => this.accept().then(toResult),
      // Leaving a for-await loop early closes the server.
      return: () => this.close().then(() => DONE),
    };
  }

  #adopt(fd: number): Connection | Promise<null> {
    if (this.#closing) return closeFd(this.#backend, fd).then(() => null);
    const conn = new Connection(MAKING, this.#backend, fd, this.#options, this.#forget);
    this.#connections.add(conn);
    return conn;
  }

  async #destroy(): Promise<void> {
    try {
      const unclaimed = await this.#acceptor.stop();
      await Promise.allSettled([
        ...unclaimed.map((fd) => closeFd(this.#backend, fd)),
        ...[...this.#connections].map((conn) => conn.close()),
      ]);
      await closeFd(this.#backend, this.fd);
      if (this.#unlinkPath !== undefined) {
        await fsp.unlink(this.#unlinkPath).catch(() => undefined);
      }
    } finally {
      untrack(this.#backend, this);
    }
  }
}
