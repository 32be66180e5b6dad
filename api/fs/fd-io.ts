// Reading and writing a whole open file on the ring, as node:fs/promises does it on a FileHandle
// (readFile, writeFile), and the data forms writeFile takes.
import { Buffer } from 'node:buffer';
import type { Ring } from '../ring';
import type { ChainFile } from '../../loop/chain-file';
import type { Stats } from '../../loop/stats';
import { argTypeError, checkAborted } from './options';

/** Node's kReadFileBufferLength: a file of known size is read in pieces of this. */
export const READ_CHUNK = 512 * 1024;
/** Node's kReadFileUnknownBufferLength: a file of unknown size (0, /proc, a FIFO) grows by this. */
export const UNKNOWN_CHUNK = 64 * 1024;
/** Node's kWriteFileMaxChunkSize. */
export const WRITE_CHUNK = 512 * 1024;
/** Node's kIoMaxLength: the largest file readFile returns. */
const IO_MAX_LENGTH = 2 ** 31 - 1;

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;

/** What writeFile writes: bytes, or chunks from an (async) iterable such as a Readable. */
export type WriteData = Uint8Array | Iterable<unknown> | AsyncIterable<unknown>;

function isIterable(value: unknown): value is Iterable<unknown> | AsyncIterable<unknown> {
  if (value === null || value === undefined || typeof value === 'string') return false;
  const v = value as Record<symbol, unknown>;
  return typeof v[Symbol.asyncIterator] === 'function' || typeof v[Symbol.iterator] === 'function';
}

/** writeFile's data as node takes it: a view, an (async) iterable, or a string in `encoding`. */
export function dataOf(data: unknown, encoding: unknown): WriteData {
  if (ArrayBuffer.isView(data)) {
    return data instanceof Uint8Array
      ? data
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  if (isIterable(data)) return data;
  if (typeof data !== 'string') {
    throw argTypeError(
      'data',
      'of type string or an instance of Buffer, TypedArray, or DataView',
      data,
    );
  }
  return Buffer.from(data, (encoding as BufferEncoding) || 'utf8');
}

/** Bytes or text from what a read produced, as readFile returns it. */
export function decoded(bytes: Buffer, encoding: string | null): Buffer | string {
  return encoding ? bytes.toString(encoding as BufferEncoding) : bytes;
}

export function fileTooLarge(size: number): RangeError {
  const error = new RangeError(`File size (${size}) is greater than 2 GiB`);
  (error as RangeError & { code: string }).code = 'ERR_FS_FILE_TOO_LARGE';
  return error;
}

/**
 * Reads an open file to its end, as node's readFileHandle: a regular file up to the size fstat
 * gives (growth after it is not read, a file that shrank ends early), anything else until a read
 * returns 0. `position` -1 reads at the file position; otherwise from there on (pread).
 * `head` is what was read before, from offset 0 up to `position`.
 */
export async function readToEnd(
  ring: Ring,
  fd: number | ChainFile,
  signal: AbortSignal | undefined,
  position: number,
  head?: Buffer,
  st?: Pick<Stats, 'mode' | 'size'>,
): Promise<Buffer> {
  checkAborted(signal);
  // A ChainFile (a direct descriptor has no fstat) always comes with what statx said of its path.
  st ??= await ring.stat(fd as number);
  checkAborted(signal);
  const regular = (st.mode & S_IFMT) === S_IFREG;
  const size = regular ? st.size : 0;
  if (size > IO_MAX_LENGTH) throw fileTooLarge(size);
  // A pread on a pipe or a character device fails (ESPIPE): those are read where they stand.
  let pos = regular ? position : -1;
  const start = head ? head.length : 0;
  if (size > start) {
    const buffer = Buffer.allocUnsafeSlow(size);
    if (head) head.copy(buffer);
    let total = start;
    while (total < size) {
      checkAborted(signal);
      const n = await ring.read(fd, buffer, total, Math.min(size - total, READ_CHUNK), pos);
      if (n === 0) break;
      total += n;
      if (pos >= 0) pos += n;
    }
    return total === size ? buffer : buffer.subarray(0, total);
  }
  if (size > 0 && head) return head.subarray(0, Math.min(size, head.length));
  const chunks: Buffer[] = head ? [head] : [];
  let total = start;
  for (;;) {
    checkAborted(signal);
    const chunk = Buffer.allocUnsafeSlow(UNKNOWN_CHUNK);
    const n = await ring.read(fd, chunk, 0, UNKNOWN_CHUNK, pos);
    if (n === 0) break;
    chunks.push(n === UNKNOWN_CHUNK ? chunk : chunk.subarray(0, n));
    total += n;
    if (total > IO_MAX_LENGTH) throw fileTooLarge(total);
    if (pos >= 0) pos += n;
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
}

/** Writes all of `bytes` at `position` (-1: the file position), looping over short writes. */
async function writeBytes(
  ring: Ring,
  fd: number,
  bytes: Uint8Array,
  position: number,
  signal: AbortSignal | undefined,
): Promise<number> {
  let done = 0;
  while (done < bytes.length) {
    checkAborted(signal);
    const n = await ring.write(
      fd,
      bytes,
      done,
      Math.min(bytes.length - done, WRITE_CHUNK),
      position,
    );
    done += n;
    if (position >= 0) position += n;
  }
  return position;
}

/** Writes writeFile's data to an open file, as node's writeFileHandle. */
export async function writeToEnd(
  ring: Ring,
  fd: number,
  data: WriteData,
  signal: AbortSignal | undefined,
  encoding: unknown,
  position = -1,
): Promise<void> {
  checkAborted(signal);
  if (data instanceof Uint8Array) {
    await writeBytes(ring, fd, data, position, signal);
    return;
  }
  for await (const chunk of data as AsyncIterable<unknown>) {
    checkAborted(signal);
    const bytes = ArrayBuffer.isView(chunk)
      ? new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)
      : Buffer.from(chunk as string, (encoding as BufferEncoding) || 'utf8');
    position = await writeBytes(ring, fd, bytes, position, signal);
  }
}
