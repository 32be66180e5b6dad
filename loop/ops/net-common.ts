// Shared pieces of the socket op modules.
import { errnoError, ENOSYS } from '../errors';
import type { Request } from '../request';

export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;
export const SOCK_STREAM = 1;
export const SOCK_CLOEXEC = 0o2000000;
export const MSG_WAITALL = 0x100;
export const MSG_NOSIGNAL = 0x4000;

/**
 * The node:fs path of a socket op. The fs backend never gets here (api/ refuses
 * socket ops there); on io_uring it means the kernel lacks the opcode.
 */
export function notOnThisKernel(req: Request): Promise<number> {
  return Promise.reject(
    errnoError(ENOSYS, req.kind.name, undefined, undefined, 'not supported by this kernel'),
  );
}
