// Directory entries are durable only once their directory is fsynced: a file created and
// fdatasynced, in a directory nobody synced, is gone after a power cut.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Ring } from './ring';

const { O_RDONLY, O_DIRECTORY } = fs.constants;

/** fsync of the directory `dir`; file systems that cannot sync a directory (EINVAL...) are let be. */
export async function syncDirectory(ring: Ring, dir: string): Promise<void> {
  const fd = await ring.open(dir, O_RDONLY | O_DIRECTORY);
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
