// Shared pieces of the socket op modules.
import { errnoError, ENOSYS } from '../errors';
import type { Request } from '../request';
import { fdArg, isOptionsObject, typeError } from '../validate';

export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;
export const SOCK_STREAM = 1;
export const SOCK_CLOEXEC = 0o2000000;
export const MSG_WAITALL = 0x100;
export const MSG_NOSIGNAL = 0x4000;

/** Socket ops take a regular fd only (a bigint is refused, as node:fs does). */
export function socketFd(fd: unknown): number {
  return fdArg(fd);
}

export interface SocketArgs {
  fd: number;
}

/** Per-op options of the socket ops: the usual ones plus recv's `waitAll`. */
export interface NetOpOptions {
  signal?: AbortSignal;
  timeout?: number;
}

export interface RecvOptions extends NetOpOptions {
  /** Wait until the whole length arrived (MSG_WAITALL); fewer bytes only at EOF. Default false. */
  waitAll?: boolean;
}

/** For socket ops an object naming only `waitAll` is an options object too. */
export function isNetOptions(value: unknown): boolean {
  return (
    isOptionsObject(value) ||
    (typeof value === 'object' &&
      value !== null &&
      !ArrayBuffer.isView(value) &&
      !Array.isArray(value) &&
      'waitAll' in value)
  );
}

/** recv's and recvmsg's MSG_WAITALL, from their options. */
export function waitAllFlag(options: unknown): number {
  if (options === undefined || options === null || typeof options !== 'object') return 0;
  const value = (options as RecvOptions).waitAll;
  if (value === undefined) return 0;
  if (typeof value !== 'boolean') throw typeError('options.waitAll', 'of type boolean', value);
  return value ? MSG_WAITALL : 0;
}

/**
 * The node:fs path of a socket op. The fs backend never gets here (api/ refuses
 * socket ops there); on io_uring it means the kernel lacks the opcode.
 */
export function notOnThisKernel(req: Request): Promise<number> {
  return Promise.reject(
    errnoError(ENOSYS, req.kind.name, undefined, undefined, 'not supported by this kernel'),
  );
}
