// A sliding window over a file for sequential record scanning: keeps
// [start, start + length) of the file in memory and refills from a position
// on demand. The refill is synchronous (recovery at open) or through a ring
// (reader); the window itself is the same.

export class FileWindow {
  buf: Buffer;
  /** File offset of buf[0]. */
  start = 0;
  /** Valid bytes in buf. */
  length = 0;

  constructor(
    readonly size: number,
    chunk: number,
    /** Fresh buffers on every refill, so slices handed out earlier stay valid. */
    private readonly fresh: boolean,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(0, Math.min(chunk, size)));
  }

  /** Bytes available at file offset `pos` without a refill. */
  available(pos: number): number {
    const end = this.start + this.length;
    return pos >= this.start && pos <= end ? end - pos : 0;
  }

  /** Prepares a refill at `pos` able to hold `need` bytes; returns [buffer, bytes to read]. */
  beginRefill(pos: number, need: number, chunk: number): [Buffer, number] {
    const want = Math.min(Math.max(need, chunk), this.size - pos);
    if (this.fresh || this.buf.length < want) this.buf = Buffer.allocUnsafe(want);
    this.start = pos;
    this.length = 0;
    return [this.buf, want];
  }
}
