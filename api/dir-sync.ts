// Directory entries are durable only once their directory is fsynced: a file created and
// fdatasynced, in a directory nobody synced, is gone after a power cut.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Ring } from './ring';

const { O_RDONLY, O_DIRECTORY } = fs.constants;

/**
 * fsync of the directory `dir`. File systems that cannot sync a directory (EINVAL...) are let be,
 * and so is a directory this process may write in but not open (mode -wx): failing the open of a
 * file there would be worse than the missing sync.
 */
export async function syncDirectory(ring: Ring, dir: string): Promise<void> {
  let fd: number;
  try {
    fd = await ring.open(dir, O_RDONLY | O_DIRECTORY);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'EACCES' || code === 'EPERM') return;
    throw err;
  }
  try {
    await ring.fsync(fd);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EROFS') {
      throw err;
    }
  } finally {
    await ring.close(fd).catch(() => undefined);
  }
}

/**
 * Makes the new entry `entry` durable: syncs its directory and, when mkdir -p made directories
 * for it (the first of them `firstCreatedDir`, as mkdir returns it), every directory up to the
 * one that holds that first new directory.
 */
export async function syncNewEntries(
  ring: Ring,
  entry: string,
  firstCreatedDir?: string,
): Promise<void> {
  const top = path.dirname(path.resolve(firstCreatedDir ?? entry));
  for (let dir = path.dirname(path.resolve(entry)); ; dir = path.dirname(dir)) {
    await syncDirectory(ring, dir);
    if (dir === top || dir === path.dirname(dir)) return;
  }
}
