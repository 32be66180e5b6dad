// Builders for the socket ops: validate arguments and describe each op as a
// Request. Shared by Ring (single ops) and Chain.
import * as ops from '../loop/ops';
import { REUSE_ADDR, REUSE_PORT } from '../loop/ops/bind';
import { IOVEC_SIZE, MSGHDR_SIZE } from '../loop/ops/msg';
import { MSG_WAITALL } from '../loop/ops/net-common';
import { Request, type OpKind } from '../loop/request';
import { bufferRange } from './build';
import { addressArg, domainOf, familyArg } from './net/address';
import {
  MAX_IO_LENGTH,
  buffersArg,
  describe,
  fdArg,
  integer,
  isOptionsObject,
  rangeError,
  typeError,
  valueError,
} from './validate';

/** Per-op options of the socket ops: the usual ones plus recv's `waitAll`. */
export interface NetOpOptions {
  signal?: AbortSignal;
  timeout?: number;
}

export interface RecvOptions extends NetOpOptions {
  /** Wait until the whole length arrived (MSG_WAITALL); fewer bytes only at EOF. Default false. */
  waitAll?: boolean;
}

export interface BindAddress {
  host?: string;
  port?: number;
  path?: string | Buffer | URL;
  /** SO_REUSEADDR before binding. */
  reuseAddr?: boolean;
  /** SO_REUSEPORT before binding. */
  reusePort?: boolean;
}

function isRecvOptions(value: unknown): boolean {
  return (
    isOptionsObject(value) ||
    (typeof value === 'object' &&
      value !== null &&
      !ArrayBuffer.isView(value) &&
      !Array.isArray(value) &&
      'waitAll' in value)
  );
}

/** Like splitOptions(), but an object naming only `waitAll` is an options object too. */
export function splitNetOptions(
  args: unknown[],
  required: number,
  count: number,
): [unknown[], unknown] {
  for (let i = required; i < args.length && i < count; i++) {
    if (isRecvOptions(args[i])) return [args.slice(0, i), args[i]];
  }
  return [args.slice(0, count), args[count]];
}

function waitAllArg(options: unknown): boolean {
  if (options === undefined || options === null || typeof options !== 'object') return false;
  const value = (options as RecvOptions).waitAll;
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw typeError('options.waitAll', 'of type boolean', value);
  return value;
}

function withFd(kind: OpKind, fd: unknown): Request {
  const req = new Request(kind);
  req.fd = fdArg(fd);
  return req;
}

function flag(value: unknown, name: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw typeError(name, 'of type boolean', value);
  return value;
}

export function socket(family: unknown): Request {
  const req = new Request(ops.socket);
  req.x = domainOf(familyArg(family));
  return req;
}

export function bind(fd: unknown, address: unknown): Request {
  const req = withFd(ops.bind, fd);
  const endpoint = addressArg(address);
  const a = address as BindAddress;
  req.a = endpoint.sockaddr;
  req.flags =
    (flag(a.reuseAddr, 'address.reuseAddr') ? REUSE_ADDR : 0) |
    (flag(a.reusePort, 'address.reusePort') ? REUSE_PORT : 0);
  if (endpoint.family === 'unix') req.path = endpoint.address;
  return req;
}

export function listen(fd: unknown, backlog?: unknown): Request {
  const req = withFd(ops.listen, fd);
  req.len = backlog === undefined ? 511 : integer('backlog', backlog, 0, 65535);
  return req;
}

export function accept(fd: unknown): Request {
  return withFd(ops.accept, fd);
}

export function connect(fd: unknown, address: unknown): Request {
  const req = withFd(ops.connect, fd);
  const endpoint = addressArg(address, 'address', 1);
  req.a = endpoint.sockaddr;
  if (endpoint.family === 'unix') req.path = endpoint.address;
  return req;
}

export function send(fd: unknown, buffer: unknown, offset?: unknown, length?: unknown): Request {
  return bufferRange(withFd(ops.send, fd), buffer, offset, length);
}

export function recv(
  fd: unknown,
  buffer: unknown,
  offset?: unknown,
  length?: unknown,
  options?: unknown,
): Request {
  const req = bufferRange(withFd(ops.recv, fd), buffer, offset, length);
  req.flags = waitAllArg(options) ? MSG_WAITALL : 0;
  return req;
}

function message(kind: OpKind, fd: unknown, buffers: unknown): Request {
  const req = withFd(kind, fd);
  const views = buffersArg(buffers);
  let total = 0;
  for (const v of views) total += v.byteLength;
  if (total > MAX_IO_LENGTH) throw rangeError('buffers', `<= ${MAX_IO_LENGTH} bytes in all`, total);
  req.b = views;
  req.a = new Uint8Array(MSGHDR_SIZE + views.length * IOVEC_SIZE);
  req.len = total;
  return req;
}

export function sendmsg(fd: unknown, buffers: unknown): Request {
  return message(ops.sendmsg, fd, buffers);
}

export function recvmsg(fd: unknown, buffers: unknown, options?: unknown): Request {
  const req = message(ops.recvmsg, fd, buffers);
  req.flags = waitAllArg(options) ? MSG_WAITALL : 0;
  return req;
}

const SHUTDOWN_HOW: Record<string, number> = { read: 0, write: 1, both: 2 };

export function shutdown(fd: unknown, how?: unknown): Request {
  const req = withFd(ops.shutdownSocket, fd);
  if (how === undefined) req.len = 2;
  else if (typeof how === 'string' && Object.hasOwn(SHUTDOWN_HOW, how)) req.len = SHUTDOWN_HOW[how];
  else if (how === 0 || how === 1 || how === 2) req.len = how;
  else
    throw valueError(
      'how',
      `must be 'read', 'write', 'both', 0, 1 or 2. Received ${describe(how)}`,
    );
  return req;
}

/** In a chain a receive waits for its whole length: a short one would run the next op on a partly filled buffer. */
export function chainRecv(
  fd: unknown,
  buffer: unknown,
  offset?: unknown,
  length?: unknown,
): Request {
  return recv(fd, buffer, offset, length, { waitAll: true });
}

export function chainRecvmsg(fd: unknown, buffers: unknown): Request {
  return recvmsg(fd, buffers, { waitAll: true });
}
