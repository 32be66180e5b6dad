// Errors specific to the durable log, coded like the rest of uring-loop.
import { codedError, type CodedError } from '../../loop/errors';

export function notALogError(dir: string, detail: string): CodedError & { path: string } {
  const error = codedError(
    'ERR_URING_NOT_A_LOG',
    `${dir} is not a uring-loop log: ${detail}`,
  ) as CodedError & { path: string };
  error.path = dir;
  return error;
}

export function corruptLogError(path: string, detail: string): CodedError & { path: string } {
  const error = codedError(
    'ERR_URING_LOG_CORRUPT',
    `log segment ${path} is corrupt: ${detail}`,
  ) as CodedError & { path: string };
  error.path = path;
  return error;
}

/** The log could not restore a consistent state after a failed batch: reopen it to recover. */
export function logFailedError(cause: unknown): CodedError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  const error = codedError(
    'ERR_URING_LOG_FAILED',
    `the log failed and must be reopened: ${reason}`,
  );
  (error as Error & { cause?: unknown }).cause = cause;
  return error;
}

/** The log is open elsewhere: in this thread, another thread, or another process. */
export function logLockedError(dir: string): CodedError & { path: string } {
  const error = codedError(
    'ERR_URING_LOG_LOCKED',
    `the log in ${dir} is already open (by this process or another one)`,
  ) as CodedError & { path: string };
  error.path = dir;
  return error;
}
