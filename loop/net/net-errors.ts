// Errors of socket operations, shaped like node:net's: code, errno, syscall,
// and address/port where one is involved.
import { codedError, errnoError, type CodedError, type ErrnoError } from '../errors';

export {
  EADDRNOTAVAIL,
  EAFNOSUPPORT,
  ECONNABORTED,
  EMFILE,
  ENFILE,
  ENOBUFS,
  ENOMEM,
} from '../errors';

export interface NetError extends ErrnoError {
  address?: string;
  port?: number;
}

/** The negative errno carried by an error, or 0. */
export function errnoOf(error: unknown): number {
  const errno = (error as { errno?: unknown } | null)?.errno;
  return typeof errno === 'number' ? errno : 0;
}

/** An errno error naming the address, e.g. `ECONNREFUSED: connection refused, connect 127.0.0.1:9`. */
export function netError(
  errno: number,
  syscall: string,
  address?: string,
  port?: number,
): NetError {
  const error = errnoError(errno, syscall) as NetError;
  if (address !== undefined) {
    error.address = address;
    error.message += port === undefined ? ` ${address}` : ` ${address}:${port}`;
    if (port !== undefined) error.port = port;
  }
  return error;
}

/** Adds the address to an errno error thrown by an op. */
export function withAddress(error: unknown, address: string, port?: number): unknown {
  if (!errnoOf(error) || !(error instanceof Error)) return error;
  const out = error as NetError;
  out.address = address;
  if (port !== undefined) out.port = port;
  out.message += port === undefined ? ` ${address}` : ` ${address}:${port}`;
  return out;
}

export function socketClosedError(): CodedError {
  return codedError('ERR_SOCKET_CLOSED', 'Socket is closed');
}

export function writeAfterEndError(): CodedError {
  return codedError('ERR_STREAM_WRITE_AFTER_END', 'write after end');
}

export function unsupportedError(what: string): CodedError {
  return codedError(
    'ERR_URING_UNSUPPORTED',
    `${what} needs the io_uring backend (this ring runs on node:fs)`,
  );
}
