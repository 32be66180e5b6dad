// A segment file of the log and how a new one comes into being: written and
// preallocated under a temporary name, synced, renamed into place, and the
// directory synced, so a segment that has its final name always has a valid
// header.
import * as path from 'node:path';
import { ChainError } from '../../loop/errors';
import type { Ring } from '../ring';
import { SEGMENT_HEADER_SIZE, encodeSegmentHeader, segmentName } from './format';

export class Segment {
  /** Open fd once the segment exists, else -1 (planned). */
  fd = -1;
  readonly name: string;
  readonly path: string;

  constructor(
    dir: string,
    /** LSN of its first record. */
    readonly base: number,
  ) {
    this.name = segmentName(base);
    this.path = path.join(dir, this.name);
  }
}

/** The error inside a ChainError: what the caller of the log wants to see (ENOSPC...). */
export function rootCause(err: unknown): unknown {
  return err instanceof ChainError ? err.cause : err;
}

export async function createSegment(
  ring: Ring,
  seg: Segment,
  dirFd: number,
  size: number,
  preallocate: boolean,
): Promise<void> {
  const temp = `${seg.path}.tmp`;
  const fd = await ring.open(temp, 'w+', 0o644);
  try {
    const chain = ring.chain().write(fd, encodeSegmentHeader(seg.base), 0, SEGMENT_HEADER_SIZE, 0);
    if (preallocate && size > SEGMENT_HEADER_SIZE) chain.fallocate(fd, 0, size);
    await chain.fsync(fd).run();
    await ring.chain().rename(temp, seg.path).fsync(dirFd).run();
  } catch (err) {
    await ring.close(fd).catch(() => undefined);
    await ring.unlink(temp).catch(() => undefined);
    throw rootCause(err);
  }
  seg.fd = fd;
}
