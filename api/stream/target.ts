// Where a destination writes and how. A regular file gets positional writes
// at offsets the destination tracks itself (so flushSync() can put buffered
// bytes exactly after a ring write still in flight); anything else (pipe,
// terminal, socket, or a file descriptor opened with O_APPEND) is written at
// the descriptor's own position.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { syncNewEntries } from '../dir-sync';
import type { Ring } from '../ring';

const { O_WRONLY, O_CREAT, O_EXCL, O_TRUNC, O_APPEND } = fs.constants;

export interface Target {
  fd: number;
  /** Path it was opened from (reopen() needs one). */
  file: string | null;
  /** Writes carry explicit offsets. */
  positional: boolean;
  /** Offset of the next byte (positional only). */
  position: number;
  /** fdatasync makes sense (a regular file or block device). */
  syncable: boolean;
}

export async function openTarget(
  ring: Ring,
  file: string,
  append: boolean,
  mode: number,
  mkdir: boolean,
): Promise<Target> {
  const made = mkdir ? await fs.promises.mkdir(path.dirname(file), { recursive: true }) : undefined;
  // No O_APPEND: the kernel would ignore the offsets of positional writes.
  const { fd, created } = await openCreating(ring, file, O_WRONLY | (append ? 0 : O_TRUNC), mode);
  try {
    // A new file's directory entry is durable only once its directory is synced: without that,
    // a power cut takes the file, synced data and all.
    if (created) await syncNewEntries(ring, file, made);
    const st = await ring.stat(fd);
    const regular = st.isFile();
    return {
      fd,
      file,
      positional: regular,
      position: regular && append ? st.size : 0,
      syncable: regular || st.isBlockDevice(),
    };
  } catch (err) {
    await ring.close(fd).catch(() => undefined);
    throw err;
  }
}

/** Opens `file`, creating it if missing; says whether this call created it. */
async function openCreating(
  ring: Ring,
  file: string,
  flags: number,
  mode: number,
): Promise<{ fd: number; created: boolean }> {
  try {
    return { fd: await ring.open(file, flags | O_CREAT | O_EXCL, mode), created: true };
  } catch (err) {
    if ((err as { code?: string }).code !== 'EEXIST') throw err;
  }
  try {
    return { fd: await ring.open(file, flags, mode), created: false };
  } catch (err) {
    // Removed in between, or a dangling symlink: create it (and count it as new).
    if ((err as { code?: string }).code !== 'ENOENT') throw err;
  }
  return { fd: await ring.open(file, flags | O_CREAT, mode), created: true };
}

/** Inspects a descriptor the caller opened (synchronously: it is known at construction). */
export function inspectFd(fd: number): Target {
  const st = fs.fstatSync(fd);
  const target: Target = {
    fd,
    file: null,
    positional: false,
    position: 0,
    syncable: st.isFile() || st.isBlockDevice(),
  };
  if (st.isFile()) {
    const info = fdInfo(fd);
    if (info && (info.flags & O_APPEND) === 0) {
      target.positional = true;
      target.position = info.pos;
    }
  }
  return target;
}

/** Offset and open flags of a descriptor from /proc (Linux); null elsewhere. */
function fdInfo(fd: number): { pos: number; flags: number } | null {
  try {
    const text = fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'latin1');
    const pos = /^pos:\s*(\d+)/m.exec(text);
    const flags = /^flags:\s*([0-7]+)/m.exec(text);
    if (!pos || !flags) return null;
    return { pos: Number(pos[1]), flags: parseInt(flags[1], 8) };
  } catch {
    return null;
  }
}
