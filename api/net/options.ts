// Option objects of ring.listen() and ring.connect().
import { integer, rangeError, typeError } from '../../loop/validate';

export interface ConnectionOptions {
  /**
   * Receive buffers of each connection (a power of two, 1–4096; default 8):
   * at most this many received chunks wait for the reader, after which
   * receiving pauses until the reader catches up.
   */
  recvBuffers?: number;
  /** Bytes per receive buffer, the largest chunk a read returns (default 16384). */
  recvBufferSize?: number;
  /**
   * Keep the connection writable after the peer ended it. Default false: once
   * the reader has seen the end, the connection ends its side and closes, like
   * node:net.
   */
  allowHalfOpen?: boolean;
  /** TCP_NODELAY: send small writes at once instead of coalescing them (default true). */
  noDelay?: boolean;
}

export interface ListenOptions extends ConnectionOptions {
  port?: number;
  /** An IP address or a name (resolved with dns.lookup). Default: '::', or '0.0.0.0' without IPv6. */
  host?: string;
  /** A unix socket path instead of host and port; removed again by server.close(). */
  path?: string | Buffer | URL;
  /** listen(2) backlog. Default 511. */
  backlog?: number;
  /** SO_REUSEADDR (default true, like node:net). */
  reuseAddr?: boolean;
  /** SO_REUSEPORT: several sockets may listen on one port (default false). */
  reusePort?: boolean;
}

export interface ConnectOptions extends ConnectionOptions {
  port?: number;
  /** An IP address or a name (resolved with dns.lookup; every address is tried). Default 'localhost'. */
  host?: string;
  path?: string | Buffer | URL;
  signal?: AbortSignal;
  /** Deadline of each connect attempt in milliseconds. */
  timeout?: number;
}

export type ResolvedConnectionOptions = Required<ConnectionOptions>;

const MAX_GROUP_BYTES = 256 * 1024 * 1024;

function bool(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw typeError(name, 'of type boolean', value);
  return value;
}

export function objectArg<T>(value: unknown, name = 'options'): T {
  if (typeof value !== 'object' || value === null) throw typeError(name, 'of type object', value);
  return value as T;
}

export function connectionOptions(o: ConnectionOptions): ResolvedConnectionOptions {
  const recvBuffers =
    o.recvBuffers === undefined ? 8 : integer('options.recvBuffers', o.recvBuffers, 1, 4096);
  if ((recvBuffers & (recvBuffers - 1)) !== 0) {
    throw rangeError('options.recvBuffers', 'a power of two', recvBuffers);
  }
  const recvBufferSize =
    o.recvBufferSize === undefined
      ? 16384
      : integer('options.recvBufferSize', o.recvBufferSize, 1, 16 * 1024 * 1024);
  if (recvBuffers * recvBufferSize > MAX_GROUP_BYTES) {
    throw rangeError(
      'options.recvBuffers * options.recvBufferSize',
      `<= ${MAX_GROUP_BYTES}`,
      recvBuffers * recvBufferSize,
    );
  }
  return {
    recvBuffers,
    recvBufferSize,
    allowHalfOpen: bool(o.allowHalfOpen, 'options.allowHalfOpen', false),
    noDelay: bool(o.noDelay, 'options.noDelay', true),
  };
}

export { bool as boolOption };
