// open(path, flags, mode): one IORING_OP_OPENAT; the fd becomes a FileHandle on the same ring.
import * as nodeFs from 'node:fs/promises';
import { openFlags } from '../../loop/open-flags';
import { modeOf, pathText, ringPath } from './args';
import { fileHandleOf, type FileHandle } from './file-handle';
import { nodeError } from './fs-errors';
import type { RingOf } from './ring-of';

/** Flags as both node and the ring read them: a flag string or a non-negative 32-bit integer. */
function flagsOf(value: unknown): string | number | undefined {
  if (value === undefined || value === null) return 'r';
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  try {
    openFlags(value);
    return value;
  } catch {
    return undefined;
  }
}

export function openOn(ringOf: RingOf) {
  return async function open(path: unknown, flags?: unknown, mode?: unknown): Promise<FileHandle> {
    const p = ringPath(path);
    const f = flagsOf(flags);
    const m = modeOf(mode ?? undefined, 0o666);
    if (p === undefined || f === undefined || m === undefined)
      return (nodeFs.open as (...args: unknown[]) => Promise<never>)(path, flags, mode);
    const ring = ringOf();
    let fd: number;
    try {
      fd = await ring.open(p, f, m);
    } catch (err) {
      throw nodeError(err, 'open', pathText(p));
    }
    return fileHandleOf(ring, fd);
  };
}
