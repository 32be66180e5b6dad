// Bytes waiting to be written, kept in pooled 64 KiB chunks: strings are
// encoded straight into a chunk, so a burst of log lines costs no allocation
// per line. Chunks handed to a write stay untouched until it completes; new
// data then goes to a fresh chunk.

export const CHUNK_SIZE = 64 * 1024;
/** Most buffers one writev takes (IOV_MAX). */
export const MAX_IOVECS = 1024;

export interface Chunk {
  buf: Buffer;
  start: number;
  end: number;
}

export class ChunkQueue {
  /** Chunks not yet handed to a write, oldest first. */
  private queued: Chunk[] = [];
  /** Bytes in `queued`. */
  bytes = 0;
  private readonly pool: Buffer[] = [];

  append(data: string | Uint8Array): number {
    const q = this.queued;
    let last = q.length > 0 ? q[q.length - 1] : undefined;
    if (typeof data === 'string') {
      // Most lines fit without measuring: UTF-8 needs at most 3 bytes per UTF-16 unit.
      let len = -1;
      if (last === undefined || last.buf.length - last.end < data.length * 3) {
        len = Buffer.byteLength(data);
        if (last === undefined || last.buf.length - last.end < len) {
          if (len > CHUNK_SIZE) {
            const buf = Buffer.from(data, 'utf8');
            q.push({ buf, start: 0, end: buf.length });
            this.bytes += buf.length;
            return buf.length;
          }
          last = this.newChunk(len);
        }
      }
      const n = last.buf.write(data, last.end, 'utf8');
      last.end += n;
      this.bytes += n;
      return n;
    }
    // Not byteLength: V8 calls a builtin for it (see loop/byte-length.ts).
    const len = data.length;
    if (last === undefined || last.buf.length - last.end < len) {
      if (len > CHUNK_SIZE) {
        const buf = Buffer.allocUnsafe(len);
        buf.set(data);
        q.push({ buf, start: 0, end: len });
        this.bytes += len;
        return len;
      }
      last = this.newChunk(len);
    }
    last.buf.set(data, last.end);
    last.end += len;
    this.bytes += len;
    return len;
  }

  private newChunk(min: number): Chunk {
    const buf =
      min <= CHUNK_SIZE
        ? (this.pool.pop() ?? Buffer.allocUnsafe(CHUNK_SIZE))
        : Buffer.allocUnsafe(min);
    const chunk = { buf, start: 0, end: 0 };
    this.queued.push(chunk);
    return chunk;
  }

  /** Removes up to `maxBytes` (at least one chunk) from the front for a write. */
  take(maxBytes: number): Chunk[] {
    const q = this.queued;
    let n = 0;
    let bytes = 0;
    while (n < q.length && n < MAX_IOVECS) {
      const len = q[n].end - q[n].start;
      if (n > 0 && bytes + len > maxBytes) break;
      bytes += len;
      n++;
    }
    const taken = q.splice(0, n);
    this.bytes -= bytes;
    return taken;
  }

  /** Puts the unwritten part of a write back at the front, in order. */
  unshift(chunks: Chunk[]): void {
    if (chunks.length === 0) return;
    for (const c of chunks) this.bytes += c.end - c.start;
    this.queued = chunks.concat(this.queued);
  }

  /** Everything queued, removed from the queue (flushSync). */
  takeAll(): Chunk[] {
    const all = this.queued;
    this.queued = [];
    this.bytes = 0;
    return all;
  }

  clear(): void {
    this.queued = [];
    this.bytes = 0;
  }

  recycle(chunks: Chunk[]): void {
    for (const c of chunks) {
      if (c.buf.length === CHUNK_SIZE && this.pool.length < 16) this.pool.push(c.buf);
    }
  }
}

/** Drops `n` written bytes from the front of `chunks`; returns the unwritten rest. */
export function advance(chunks: Chunk[], n: number): { done: Chunk[]; rest: Chunk[] } {
  let i = 0;
  while (i < chunks.length && n >= chunks[i].end - chunks[i].start) {
    n -= chunks[i].end - chunks[i].start;
    i++;
  }
  const done = chunks.slice(0, i);
  const rest = chunks.slice(i);
  if (n > 0 && rest.length > 0)
    rest[0] = { buf: rest[0].buf, start: rest[0].start + n, end: rest[0].end };
  return { done, rest };
}

export function views(chunks: Chunk[]): Buffer[] {
  return chunks.map((c) => c.buf.subarray(c.start, c.end));
}

export function byteCount(chunks: Chunk[]): number {
  let n = 0;
  for (const c of chunks) n += c.end - c.start;
  return n;
}
