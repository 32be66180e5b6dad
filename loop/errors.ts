// Error objects shaped like node:fs's: code, errno (negative), syscall, path, dest.
import * as os from 'node:os';
import * as util from 'node:util';

let errorMap: Map<number, [string, string]> | undefined;

function describe(errno: number): [string, string] {
  errorMap ??= util.getSystemErrorMap();
  return errorMap.get(errno) ?? [`E${-errno}`, `unknown error ${-errno}`];
}

/** An OS error from an op, e.g. `ENOENT: no such file or directory, open '/x'`. */
export interface ErrnoError extends Error {
  code: string;
  errno: number;
  syscall: string;
  path?: string;
  dest?: string;
}

/** Builds a Node-style error from a negative errno as returned by the kernel. */
export function errnoError(
  errno: number,
  syscall: string,
  path?: string,
  dest?: string,
  detail?: string,
): ErrnoError {
  const [code, text] = describe(errno);
  let message = `${code}: ${detail ?? text}, ${syscall}`;
  if (path !== undefined) message += ` '${path}'`;
  if (dest !== undefined) message += ` -> '${dest}'`;
  const error = new Error(message) as ErrnoError;
  error.errno = errno;
  error.code = code;
  error.syscall = syscall;
  if (path !== undefined) error.path = path;
  if (dest !== undefined) error.dest = dest;
  return error;
}

// Negative errno numbers, as the kernel returns them, from the one table Node has.
const errno = os.constants.errno;
export const ECANCELED = -errno.ECANCELED;
export const ETIMEDOUT = -errno.ETIMEDOUT;
export const ETIME = -errno.ETIME;
export const EINTR = -errno.EINTR;
export const EBADF = -errno.EBADF;
export const EPERM = -errno.EPERM;
export const EINVAL = -errno.EINVAL;
export const EMFILE = -errno.EMFILE;
export const ENOSYS = -errno.ENOSYS;
export const EOPNOTSUPP = -errno.EOPNOTSUPP;
export const ENOMEM = -errno.ENOMEM;
export const ENFILE = -errno.ENFILE;
export const ENOBUFS = -errno.ENOBUFS;
export const ECONNABORTED = -errno.ECONNABORTED;
export const EAFNOSUPPORT = -errno.EAFNOSUPPORT;
export const EADDRNOTAVAIL = -errno.EADDRNOTAVAIL;

/** Rejection for an op whose AbortSignal fired, like Node's own AbortError. */
export class AbortError extends Error {
  override readonly name = 'AbortError';
  readonly code = 'ABORT_ERR';
  constructor(message = 'The operation was aborted', options?: { cause?: unknown }) {
    super(message, options);
  }
}

export function timeoutError(syscall: string, ms: number, path?: string): ErrnoError {
  return errnoError(ETIMEDOUT, syscall, path, undefined, `operation timed out after ${ms} ms`);
}

/** A read or write that moved fewer bytes than asked: fails a chain. */
export interface ShortIoError extends Error {
  code: 'ERR_URING_SHORT_IO';
  syscall: string;
  bytes: number;
  expected: number;
}

export function shortIoError(syscall: string, bytes: number, expected: number): ShortIoError {
  const error = new Error(
    `short ${syscall}: ${bytes} of ${expected} bytes; the rest of the chain was cancelled`,
  ) as ShortIoError;
  error.code = 'ERR_URING_SHORT_IO';
  error.syscall = syscall;
  error.bytes = bytes;
  error.expected = expected;
  return error;
}

export type SettledResult =
  { status: 'fulfilled'; value: unknown } | { status: 'rejected'; reason: unknown };

/** Rejection of `chain.run()`: which op failed, why, and what every op did. */
export class ChainError extends Error {
  override readonly name = 'ChainError';
  readonly code = 'ERR_URING_CHAIN';
  constructor(
    readonly index: number,
    override readonly cause: unknown,
    readonly results: SettledResult[],
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`chain failed at op ${index}: ${reason}`, { cause });
  }
}

export interface CodedError extends Error {
  code: string;
}

export function codedError(code: string, message: string): CodedError {
  const error = new Error(message) as CodedError;
  error.code = code;
  return error;
}

export function closedError(): CodedError {
  return codedError('ERR_URING_CLOSED', 'the ring has been shut down');
}

/** An op refused because the process changed user since its ring was created. */
export function credentialsChangedError(syscall: string, path?: string): ErrnoError {
  return errnoError(
    EPERM,
    syscall,
    path,
    undefined,
    'the ring was created with other credentials (process.setuid() or similar since); ' +
      'shut it down and create a new ring',
  );
}

export function canceledByShutdown(syscall: string, path?: string): ErrnoError {
  return errnoError(
    ECANCELED,
    syscall,
    path,
    undefined,
    'operation canceled: the ring was shut down',
  );
}
