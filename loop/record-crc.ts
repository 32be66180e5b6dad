// CRC32C of a durable log's records, a whole batch in one call into the addon
// (native/record-crc.cc), where the CPU has a CRC32C instruction.
import { loadAddon } from './binding';

interface NativeRecords {
  /** Record count, -EINVAL (size fields do not tile the range) or -ENOTSUP (no instruction). */
  seal(buf: Uint8Array, start: number, end: number, firstLsn: number): number;
}

const ENOTSUP = -95;

let native: NativeRecords | null | undefined;

/**
 * Writes the CRC of every record in buf[start, end) into its header, the first
 * one's LSN being `firstLsn`: the record count, or -1 when the addon cannot (no
 * addon, no CRC32C instruction) and the caller must do it record by record.
 * Throws on size fields that do not tile the range (nothing is written then).
 */
export function sealRecordsNative(
  buf: Uint8Array,
  start: number,
  end: number,
  firstLsn: number,
): number {
  if (native === undefined) {
    native = (loadAddon() as { records?: NativeRecords } | undefined)?.records ?? null;
  }
  if (native === null) return -1;
  const count = native.seal(buf, start, end, firstLsn);
  if (count >= 0) return count;
  if (count === ENOTSUP) {
    native = null;
    return -1;
  }
  throw new RangeError(`records in [${start}, ${end}) are not well formed (${count})`);
}
