// Errors of the ring path as node:fs/promises words them: the syscall name node reports (which
// is not always the op that ran: access runs statx, truncate opens), the paths as given.
import { ChainError, errnoError } from '../../loop/errors';

/** The failure of one op, or of the op a chain failed at. */
export function causeOf(error: unknown): unknown {
  return error instanceof ChainError ? error.cause : error;
}

/** The errno of an OS error, or undefined for anything else (a closed ring, a short I/O). */
export function errnoOf(error: unknown): number | undefined {
  const e = causeOf(error) as { errno?: unknown; code?: unknown };
  return typeof e?.errno === 'number' && e.errno < 0 ? e.errno : undefined;
}

export function codeOf(error: unknown): string | undefined {
  const e = causeOf(error) as { code?: unknown };
  return typeof e?.code === 'string' ? e.code : undefined;
}

/** Node's error for a failed step: `ENOENT: no such file or directory, copyfile 'a' -> 'b'`. */
export function nodeError(error: unknown, syscall: string, path?: string, dest?: string): unknown {
  const errno = errnoOf(error);
  return errno === undefined ? causeOf(error) : errnoError(errno, syscall, path, dest);
}
