// Advisory exclusive locks on open files: flock(2) through the addon, always
// with LOCK_NB, so taking a lock never blocks the event loop. A flock belongs
// to the open file description: it excludes other processes, other threads
// and other opens of the same file in this thread alike, and the kernel drops
// it when the last fd of that description closes (also when a process dies).
import { constants } from 'node:os';
import { loadAddon } from './binding';
import { errnoError } from './errors';

interface NativeFileLock {
  /** flock(fd, LOCK_EX | LOCK_NB): 0 or a negative errno. */
  tryLockExclusive(fd: number): number;
}

const { EWOULDBLOCK, ENOLCK, EOPNOTSUPP, ENOTSUP, EINVAL } = constants.errno;
/** File systems that cannot lock (some FUSE and network mounts): no lock, no error. */
const CANNOT_LOCK = new Set([ENOLCK, EOPNOTSUPP, ENOTSUP, EINVAL]);

/**
 * 'locked' once this fd holds the lock; 'busy' when another open file holds it;
 * 'unsupported' where no lock can be taken (no addon on this platform, or a
 * file system without flock). Other failures throw an errno error.
 */
export type LockOutcome = 'locked' | 'busy' | 'unsupported';

function native(): NativeFileLock | undefined {
  return (loadAddon() as { fileLock?: NativeFileLock } | undefined)?.fileLock;
}

export function tryLockExclusive(fd: number, path?: string): LockOutcome {
  const lock = native();
  if (!lock) return 'unsupported';
  const ret = lock.tryLockExclusive(fd);
  if (ret === 0) return 'locked';
  if (-ret === EWOULDBLOCK) return 'busy';
  if (CANNOT_LOCK.has(-ret)) return 'unsupported';
  throw errnoError(ret, 'flock', path);
}
