// Argument pieces several op modules share: an fd or ChainFile, a buffer range, a path.
import { byteLengthOf } from '../byte-length';
import { ChainFile } from '../chain-file';
import { MAX_IO_LENGTH, bufferArg, fileArg, integer, pathArg, rangeError } from '../validate';

export { bufferArg };
import type { Fd } from './op';

export { fileArg as fdArg };

/** What goes in P_FD for a file op: the fd, or the direct descriptor's index (IOSQE_FIXED_FILE). */
export function fdField(fd: Fd): number {
  return fd instanceof ChainFile ? fd.index : fd;
}

export interface BufferRange {
  buffer: NodeJS.ArrayBufferView;
  /** Byte offset into `buffer`. */
  offset: number;
  /** Byte count. */
  length: number;
}

/** The start of buffer[offset, offset+length) in a view of `size` bytes. */
export function rangeStart(size: number, offset: unknown): number {
  return offset === undefined || offset === null ? 0 : integer('offset', offset, 0, size);
}

/** The length of buffer[offset, offset+length): the rest of the view by default, within the I/O cap. */
export function rangeLength(size: number, start: number, length: unknown): number {
  const len =
    length === undefined || length === null
      ? Math.min(size - start, MAX_IO_LENGTH)
      : integer('length', length, 0, MAX_IO_LENGTH);
  if (start + len > size) throw rangeError('length', `<= ${size - start}`, len);
  return len;
}

/** Several buffers with their total size, within the I/O cap. */
export function totalLength(views: readonly ArrayBufferView[]): number {
  let total = 0;
  for (const v of views) total += byteLengthOf(v);
  if (total > MAX_IO_LENGTH) throw rangeError('buffers', `<= ${MAX_IO_LENGTH} bytes in all`, total);
  return total;
}

/** A path: the NUL-terminated bytes the kernel reads (`bytes`) and its printable form (`text`). */
export interface PathArg {
  bytes: Buffer;
  text: string;
}

export { pathArg };
