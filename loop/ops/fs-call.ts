// Promise wrappers for the node:fs callback API used by the fallback backend.
import * as fs from 'node:fs';
import { ChainFile } from '../chain-file';
import { errnoError, EBADF, EINVAL } from '../errors';
import type { Request } from '../request';
import type { Fd } from './op';

type Callback<T> = (err: NodeJS.ErrnoException | null, value: T) => void;

/** Calls a callback-style fs function and rethrows its error with this op's names. */
export function fsCall<T>(req: Request, fn: (cb: Callback<T>) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    fn((err, value) => {
      if (err) {
        const errno = typeof err.errno === 'number' ? err.errno : EINVAL;
        reject(errnoError(errno, req.kind.name, req.path, req.dest));
      } else {
        resolve(value);
      }
    });
  });
}

/** A write with RWF_DSYNC on node:fs: once `written` succeeded, an fdatasync; then its count. */
export function thenDatasync(req: Request<{ fd: Fd }>, written: Promise<number>): Promise<number> {
  return written.then((n) => fsCall<void>(req, (cb) => fs.fdatasync(fdOf(req), cb)).then(() => n));
}

/**
 * A zero-length read as io_uring does it: the fd must be open for reading (EBADF otherwise),
 * and a directory gives 0 bytes. fs.read() would answer 0 without asking the kernel at all.
 */
export function emptyRead(
  req: Request<{ fd: Fd }>,
  views: NodeJS.ArrayBufferView[],
  pos: number | null,
): Promise<number> {
  return fsCall<number>(req, (cb) => fs.readv(fdOf(req), views, pos, cb)).catch((err) => {
    if ((err as { code?: string }).code === 'EISDIR') return 0;
    throw err;
  });
}

/** The regular fd behind a request on the fs backend. */
export function fdOf(req: Request<{ fd: Fd }>): number {
  const fd = req.args.fd;
  if (fd instanceof ChainFile) {
    if (!fd.open || fd.fd < 0) throw errnoError(EBADF, req.kind.name);
    return fd.fd;
  }
  return fd;
}

export { fs };
