// On-disk format of a durable log: segment files named after their base LSN,
// a 32-byte segment header, then records of [crc32c u32][size u32][payload].
// The LSN of a record is never stored: it is the segment's base LSN plus the
// record's index, and it seeds the record's CRC so a record only verifies at
// its own place in the sequence.
import { crc32c } from '@node-rs/crc32';
import { sealRecordsNative } from '../../loop/record-crc';

/** "URINGLOG": the first 8 bytes of every segment. */
export const MAGIC = Buffer.from('URINGLOG', 'latin1');
export const FORMAT_VERSION = 1;
export const SEGMENT_HEADER_SIZE = 32;
export const RECORD_HEADER_SIZE = 8;
/** A record (header + payload) must fit one write: the kernel's MAX_RW_COUNT. */
export const MAX_RECORD_SIZE = 0x7ffff000;
/** The first LSN of a new log. */
export const FIRST_LSN = 1;

const SEGMENT_RE = /^(\d{20})\.wal$/;
// A segment being created (`<base>.wal.tmp`) or the spare being prepared (`spare.wal.tmp`).
const TEMP_RE = /^(\d{20}|spare)\.wal\.tmp$/;

export function segmentName(base: number): string {
  return `${String(base).padStart(20, '0')}.wal`;
}

/** The base LSN in a segment file name, or -1 when the name is not a segment's. */
export function parseSegmentName(name: string): number {
  const m = SEGMENT_RE.exec(name);
  if (!m) return -1;
  const base = Number(m[1]);
  return Number.isSafeInteger(base) && base >= FIRST_LSN ? base : -1;
}

/** File name of the spare segment while it is prepared, before it is renamed to a segment's name. */
export const SPARE_NAME = 'spare.wal.tmp';

export function isTempSegmentName(name: string): boolean {
  return TEMP_RE.test(name);
}

export function encodeSegmentHeader(base: number): Buffer {
  const h = Buffer.alloc(SEGMENT_HEADER_SIZE);
  MAGIC.copy(h, 0);
  h.writeUInt16LE(FORMAT_VERSION, 8);
  h.writeUInt16LE(SEGMENT_HEADER_SIZE, 10);
  h.writeUInt32LE(0, 12); // flags
  h.writeBigUInt64LE(BigInt(base), 16);
  h.writeUInt32LE(crc32c(h.subarray(0, 28)), 28);
  return h;
}

export type HeaderCheck =
  { ok: true; base: number } | { ok: false; notALog: boolean; reason: string };

export function decodeSegmentHeader(h: Buffer): HeaderCheck {
  if (h.length < SEGMENT_HEADER_SIZE || !h.subarray(0, 8).equals(MAGIC)) {
    return { ok: false, notALog: true, reason: 'it does not start with the segment magic' };
  }
  if (h.readUInt32LE(28) !== crc32c(h.subarray(0, 28))) {
    return { ok: false, notALog: false, reason: 'its header checksum does not match' };
  }
  const version = h.readUInt16LE(8);
  if (version !== FORMAT_VERSION || h.readUInt16LE(10) !== SEGMENT_HEADER_SIZE) {
    return { ok: false, notALog: true, reason: `it has format version ${version}` };
  }
  const base = Number(h.readBigUInt64LE(16));
  if (!Number.isSafeInteger(base) || base < FIRST_LSN) {
    return { ok: false, notALog: false, reason: `its base LSN ${base} is invalid` };
  }
  return { ok: true, base };
}

/**
 * CRC of a record: CRC32C over the size field and the payload, continuing from
 * the value (LSN mod 2^32) as if that were the CRC of a preceding prefix.
 */
export function recordCrc(buf: Buffer, off: number, size: number, lsn: number): number {
  // A plain Uint8Array view costs far less to make than Buffer#subarray.
  const view = new Uint8Array(buf.buffer, buf.byteOffset + off + 4, size - 4);
  return crc32c(view, lsn % 0x100000000);
}

/**
 * Writes the CRC of every record in buf[start, end) (their size fields and
 * payloads in place) into its header, the first record's LSN being `firstLsn`;
 * returns the record count. One call into the addon for the whole run where the
 * CPU has a CRC32C instruction, else record by record with recordCrc().
 */
export function sealRecords(buf: Buffer, start: number, end: number, firstLsn: number): number {
  const count = sealRecordsNative(buf, start, end, firstLsn);
  if (count >= 0) return count;
  let n = 0;
  for (let off = start; off < end; n++) {
    const size = buf.readUInt32LE(off + 4);
    if (size < RECORD_HEADER_SIZE || size > end - off) {
      throw new RangeError(`records in [${start}, ${end}) are not well formed`);
    }
    putU32(buf, off, recordCrc(buf, off, size, firstLsn + n));
    off += size;
  }
  return n;
}

/** Little-endian u32 store without Buffer#writeUInt32LE's argument checks (hot path). */
export function putU32(buf: Uint8Array, off: number, value: number): void {
  buf[off] = value;
  buf[off + 1] = value >>> 8;
  buf[off + 2] = value >>> 16;
  buf[off + 3] = value >>> 24;
}

/** Result codes of parseRecord(), besides a positive record size. */
export const NEED_MORE = -1;
export const END = 0;
export const BAD_SIZE = -2;
export const BAD_CRC = -3;

/**
 * Checks the record at buf[off] (avail bytes present) for LSN `lsn`. Returns its
 * size when it is complete and intact, END for an all-zero header (the end of
 * the written part of a preallocated segment), NEED_MORE when the window holds
 * too few bytes, BAD_SIZE or BAD_CRC.
 */
export function parseRecord(buf: Buffer, off: number, avail: number, lsn: number): number {
  if (avail < RECORD_HEADER_SIZE) return NEED_MORE;
  const size = buf.readUInt32LE(off + 4);
  if (size === 0) return buf.readUInt32LE(off) === 0 ? END : BAD_SIZE;
  if (size < RECORD_HEADER_SIZE || size > MAX_RECORD_SIZE) return BAD_SIZE;
  if (avail < size) return NEED_MORE;
  return recordCrc(buf, off, size, lsn) === buf.readUInt32LE(off) ? size : BAD_CRC;
}

/**
 * Bytes a window must hold at buf[off] (avail present) for parseRecord() to
 * decide, after it said NEED_MORE: the record's size once its header is there,
 * else the header. A record larger than the window thus takes two refills.
 */
export function recordNeed(buf: Buffer, off: number, avail: number): number {
  return avail >= RECORD_HEADER_SIZE ? buf.readUInt32LE(off + 4) : RECORD_HEADER_SIZE;
}

const ZERO_BLOCK = Buffer.alloc(64 * 1024);

/** Index just past the last non-zero byte of buf[start, end), or `start` if all zero. */
export function lastNonZero(buf: Buffer, start: number, end: number): number {
  // A preallocated tail is mostly zeros: skip whole blocks at memcmp speed and
  // look byte by byte only inside a block that holds something.
  for (let to = end; to > start;) {
    const from = Math.max(start, to - ZERO_BLOCK.length);
    if (buf.compare(ZERO_BLOCK, 0, to - from, from, to) !== 0) {
      for (let i = to - 1; i >= from; i--) if (buf[i] !== 0) return i + 1;
    }
    to = from;
  }
  return start;
}
