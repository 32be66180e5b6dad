// Blocking writes for flushSync(): the whole range, retrying short writes and
// EAGAIN (a non-blocking pipe that is full) until every byte is out.
import * as fs from 'node:fs';

const sleeper = new Int32Array(new SharedArrayBuffer(4));

function isRetryable(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === 'EAGAIN' || code === 'EBUSY' || code === 'EINTR';
}

export function writeAllSync(
  fd: number,
  buf: Buffer,
  start: number,
  end: number,
  position: number | null,
): void {
  let at = start;
  while (at < end) {
    let n: number;
    try {
      n = fs.writeSync(fd, buf, at, end - at, position === null ? null : position + (at - start));
    } catch (err) {
      if (!isRetryable(err)) throw err;
      Atomics.wait(sleeper, 0, 0, 5);
      continue;
    }
    at += n;
  }
}

/** fdatasync that ignores descriptors which cannot be synced. */
export function datasyncSync(fd: number): void {
  try {
    fs.fdatasyncSync(fd);
  } catch (err) {
    if (!isUnsyncable(err)) throw err;
  }
}

export function isUnsyncable(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === 'EINVAL' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'EROFS';
}
