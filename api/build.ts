// One builder per op: validates arguments and describes the op as a Request.
// Shared by Ring (single ops) and Chain.
import { ChainFile } from '../loop/chain-file';
import * as opsModule from '../loop/ops';
import { byteLengthOf } from '../loop/byte-length';
import { Request, type OpKind } from '../loop/request';
import { openFlags } from './open-flags';
import {
  MAX_INT32,
  MAX_IO_LENGTH,
  bufferArg,
  buffersArg,
  fileArg,
  integer,
  modeArg,
  pathArg,
  positionArg,
  rangeError,
  typeError,
} from './validate';

// A plain object: the module namespace would cost a getter call per op.
const ops = { ...opsModule };

function withFile(kind: OpKind, fd: unknown): Request {
  const req = new Request(kind);
  const file = fileArg(fd);
  if (file instanceof ChainFile) req.file = file;
  else req.fd = file;
  return req;
}

/** buffer[offset, offset+length) as the request's memory: defaults, bounds and the I/O cap. */
export function bufferRange(
  req: Request,
  buffer: unknown,
  offset: unknown,
  length: unknown,
): Request {
  const view = bufferArg(buffer);
  const size = byteLengthOf(view);
  const start = offset === undefined || offset === null ? 0 : integer('offset', offset, 0, size);
  const max = Math.min(size - start, MAX_IO_LENGTH);
  const len =
    length === undefined || length === null ? max : integer('length', length, 0, MAX_IO_LENGTH);
  if (start + len > size) throw rangeError('length', `<= ${size - start}`, len);
  req.a = view;
  req.bufOffset = start;
  req.len = len;
  return req;
}

function rw(
  kind: OpKind,
  fd: unknown,
  buffer: unknown,
  offset: unknown,
  length: unknown,
  position: unknown,
): Request {
  const req = bufferRange(withFile(kind, fd), buffer, offset, length);
  req.pos = positionArg(position);
  return req;
}

export function read(
  fd: unknown,
  buffer: unknown,
  offset?: unknown,
  length?: unknown,
  position?: unknown,
): Request {
  return rw(ops.read, fd, buffer, offset, length, position);
}

export function write(
  fd: unknown,
  buffer: unknown,
  offset?: unknown,
  length?: unknown,
  position?: unknown,
): Request {
  return rw(ops.write, fd, buffer, offset, length, position);
}

function vector(kind: OpKind, fd: unknown, buffers: unknown, position: unknown): Request {
  const req = withFile(kind, fd);
  const views = buffersArg(buffers);
  let total = 0;
  for (const v of views) total += byteLengthOf(v);
  if (total > MAX_IO_LENGTH) throw rangeError('buffers', `<= ${MAX_IO_LENGTH} bytes in all`, total);
  req.b = views;
  // The addon writes one struct iovec (16 bytes) per view here.
  req.a = new Uint8Array(views.length * 16);
  req.len = total;
  req.pos = positionArg(position);
  return req;
}

export function readv(fd: unknown, buffers: unknown, position?: unknown): Request {
  return vector(ops.readv, fd, buffers, position);
}

export function writev(fd: unknown, buffers: unknown, position?: unknown): Request {
  return vector(ops.writev, fd, buffers, position);
}

export function fsync(fd: unknown): Request {
  return withFile(ops.fsync, fd);
}

export function fdatasync(fd: unknown): Request {
  return withFile(ops.fdatasync, fd);
}

export function fallocate(fd: unknown, offset: unknown, length: unknown, mode?: unknown): Request {
  const req = withFile(ops.fallocate, fd);
  req.pos = integer('offset', offset, 0, Number.MAX_SAFE_INTEGER);
  req.len = integer('length', length, 1, Number.MAX_SAFE_INTEGER);
  req.mode = mode === undefined ? 0 : integer('mode', mode, 0, MAX_INT32);
  return req;
}

export function ftruncate(fd: unknown, length?: unknown): Request {
  const req = withFile(ops.ftruncate, fd);
  req.len = length === undefined ? 0 : integer('length', length, 0, Number.MAX_SAFE_INTEGER);
  return req;
}

export function open(path: unknown, flags?: unknown, mode?: unknown): Request {
  const req = new Request(ops.open);
  const p = pathArg(path);
  req.a = p.bytes;
  req.path = p.text;
  req.flags = openFlags(flags);
  req.mode = modeArg(mode, 0o666);
  return req;
}

export function close(fd: unknown): Request {
  return withFile(ops.close, fd);
}

export function stat(target: unknown): Request {
  const req = new Request(ops.stat);
  req.a = new Uint8Array(ops.STATX_SIZE);
  if (typeof target === 'number') {
    req.fd = integer('fd', target, 0, MAX_INT32);
  } else if (target instanceof ChainFile) {
    throw typeError(
      'pathOrFd',
      'a path or a numeric fd (statx cannot take a direct descriptor)',
      target,
    );
  } else {
    const p = pathArg(target, 'pathOrFd');
    req.b = p.bytes;
    req.path = p.text;
  }
  return req;
}

function pathOp(kind: OpKind, path: unknown): Request {
  const req = new Request(kind);
  const p = pathArg(path);
  req.a = p.bytes;
  req.path = p.text;
  return req;
}

export function unlink(path: unknown): Request {
  return pathOp(ops.unlink, path);
}

export function rmdir(path: unknown): Request {
  return pathOp(ops.rmdir, path);
}

export function mkdir(path: unknown, mode?: unknown): Request {
  const req = pathOp(ops.mkdir, path);
  req.mode = modeArg(mode, 0o777);
  return req;
}

export function rename(from: unknown, to: unknown): Request {
  const req = new Request(ops.rename);
  const a = pathArg(from, 'oldPath');
  const b = pathArg(to, 'newPath');
  req.a = a.bytes;
  req.b = b.bytes;
  req.path = a.text;
  req.dest = b.text;
  return req;
}

export function nop(): Request {
  return new Request(ops.nop);
}

export function sleep(ms: unknown): Request {
  const req = new Request(ops.sleep);
  if (typeof ms !== 'number') throw typeError('ms', 'of type number', ms);
  if (!(ms >= 0) || !Number.isFinite(ms) || ms > MAX_INT32)
    throw rangeError('ms', `>= 0 && <= ${MAX_INT32}`, ms);
  req.x = ms;
  req.a = new Uint8Array(16);
  return req;
}
