// Socket addresses: validation of { host, port } / { path } and the sockaddr
// bytes the kernel reads, built by the addon.
import * as net from 'node:net';
import { Buffer } from 'node:buffer';
import { fileURLToPath } from 'node:url';
import { withAddress } from './net-errors';
import { ipSockaddr, unixSockaddr } from './sockets';
import { AF_INET, AF_INET6, AF_UNIX } from '../ops/net-common';
import { describe, integer, rangeError, typeError, valueError } from '../validate';

export type Family = 4 | 6 | 'unix';

/** A resolved address: what the kernel reads, and how errors name it. */
export interface Endpoint {
  family: Family;
  sockaddr: Uint8Array;
  /** IP address or unix path, for messages. */
  address: string;
  port?: number;
}

export function domainOf(family: Family): number {
  return family === 4 ? AF_INET : family === 6 ? AF_INET6 : AF_UNIX;
}

/** 'ipv4' | 'ipv6' | 'unix' | 4 | 6 (also 'IPv4', 'IPv6'). */
export function familyArg(value: unknown, name = 'family'): Family {
  if (value === 4 || value === 6 || value === 'unix') return value;
  if (typeof value === 'string') {
    const lower = value.toLowerCase();
    if (lower === 'ipv4') return 4;
    if (lower === 'ipv6') return 6;
  }
  throw valueError(name, `must be 'ipv4', 'ipv6', 'unix', 4 or 6. Received ${describe(value)}`);
}

export function portArg(value: unknown, name: string, min = 0): number {
  return integer(name, value, min, 65535);
}

/** The bytes of a unix socket path (a string, Buffer or file: URL). */
function unixPath(value: unknown, name: string): { bytes: Buffer; text: string } {
  let bytes: Buffer;
  if (typeof value === 'string') bytes = Buffer.from(value, 'utf8');
  else if (value instanceof URL) {
    if (value.protocol !== 'file:')
      throw valueError(name, `must be a file: URL. Received ${value.href}`);
    bytes = Buffer.from(fileURLToPath(value), 'utf8');
  } else if (value instanceof Uint8Array) bytes = Buffer.from(value);
  else throw typeError(name, 'of type string or an instance of Buffer or URL', value);
  if (bytes.length === 0) throw valueError(name, 'must not be empty');
  // sun_path holds 108 bytes including the terminating NUL.
  if (bytes.length > 107)
    throw rangeError(`${name}.length`, '<= 107 bytes (sun_path)', bytes.length);
  if (bytes.indexOf(0) > 0) throw valueError(name, 'must not contain null bytes after the first');
  return { bytes, text: bytes.toString('utf8') };
}

/** A sockaddr for an IP literal; `host` that is not one is an ERR_INVALID_ARG_VALUE. */
export function ipEndpoint(host: string, port: number, name = 'address.host'): Endpoint {
  const family = net.isIP(host) as 0 | 4 | 6;
  const sockaddr = family === 0 ? null : ipSockaddr(family, host, port);
  if (family === 0 || !sockaddr) {
    throw valueError(name, `must be an IP address. Received ${JSON.stringify(host)}`);
  }
  return { family, sockaddr, address: host, port };
}

export function unixEndpoint(path: unknown, name = 'address.path'): Endpoint {
  const { bytes, text } = unixPath(path, name);
  const sockaddr = unixSockaddr(bytes);
  if (!sockaddr) throw rangeError(`${name}.length`, '<= 107 bytes (sun_path)', bytes.length);
  return { family: 'unix', sockaddr, address: text };
}

export interface SocketAddress {
  /** An IP address (ops take literals only; ring.connect() also resolves names). */
  host?: string;
  port?: number;
  /** A unix socket path, instead of host and port. */
  path?: string | Buffer | URL;
}

/** `{ host, port }` (an IP literal) or `{ path }`, as a low-level op takes it. */
export function addressArg(value: unknown, name = 'address', minPort = 0): Endpoint {
  if (typeof value !== 'object' || value === null) throw typeError(name, 'an object', value);
  const { host, port, path } = value as SocketAddress;
  if (path !== undefined) {
    if (host !== undefined || port !== undefined) {
      throw valueError(name, 'takes either path or host and port, not both');
    }
    return unixEndpoint(path, `${name}.path`);
  }
  if (typeof host !== 'string') throw typeError(`${name}.host`, 'of type string', host);
  return ipEndpoint(host, portArg(port, `${name}.port`, minPort), `${name}.host`);
}

/** An options object rather than an fd (ring.listen / ring.connect overloads). */
export function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !ArrayBuffer.isView(value);
}

/** Names the address of a failed bind or connect in its error. */
export function addressed(error: unknown, address: unknown): unknown {
  if (typeof address !== 'object' || address === null) return error;
  const { host, port, path } = address as SocketAddress;
  if (path !== undefined) return error;
  return typeof host === 'string' ? withAddress(error, host, port) : error;
}
