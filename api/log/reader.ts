// Reading a log: every intact record of every segment, in LSN order. The last
// segment ends at its first record that does not verify (a torn tail that
// recovery would cut); anywhere else such a record, or a gap in the LSNs
// between segments, is reported as corruption.
import { integer, pathArg, typeError, valueError } from '../../loop/validate';
import { defaultRing } from '../default-ring';
import { corruptLogError } from './errors';
import {
  BAD_CRC,
  BAD_SIZE,
  END,
  FIRST_LSN,
  NEED_MORE,
  SEGMENT_HEADER_SIZE,
  decodeSegmentHeader,
  lastNonZero,
  parseRecord,
  recordNeed,
} from './format';
import { listDirectory, type SegmentEntry } from './recovery';
import { Ring } from '../ring';
import { FileWindow } from './window';

export interface LogRecord {
  lsn: number;
  /** The record's bytes (a view that may share memory with neighbouring records). */
  payload: Buffer;
}

export interface ReadOptions {
  /** First LSN to yield. Default: the oldest record. */
  fromLsn?: number;
  /** The ring to read through. Default: a ring shared by the process. */
  ring?: Ring;
}

const CHUNK = 1024 * 1024;
const READ_KEYS = new Set(['fromLsn', 'ring']);

export function readLog(dir: unknown, options?: unknown): AsyncIterableIterator<LogRecord> {
  const { text } = pathArg(dir, 'dir');
  if (options === null) options = undefined;
  if (options !== undefined && typeof options !== 'object') {
    throw typeError('options', 'of type object', options);
  }
  const o = (options ?? {}) as ReadOptions;
  for (const key of Object.keys(o)) {
    if (!READ_KEYS.has(key)) throw valueError(`options.${key}`, 'is not a read option');
  }
  const fromLsn =
    o.fromLsn === undefined
      ? FIRST_LSN
      : integer('options.fromLsn', o.fromLsn, FIRST_LSN, Number.MAX_SAFE_INTEGER);
  if (o.ring !== undefined && !(o.ring instanceof Ring)) {
    throw typeError('options.ring', 'an instance of Ring', o.ring);
  }
  return records(text, fromLsn, o.ring ?? defaultRing());
}

async function* records(
  dir: string,
  fromLsn: number,
  ring: Ring,
): AsyncGenerator<LogRecord, void, undefined> {
  const { segments } = listDirectory(dir);
  let first = 0;
  for (let i = 1; i < segments.length; i++) if (segments[i].base <= fromLsn) first = i;
  let expected = -1;
  for (let i = first; i < segments.length; i++) {
    const seg = segments[i];
    if (expected >= 0 && seg.base !== expected) {
      throw corruptLogError(
        seg.path,
        `it starts at LSN ${seg.base} but the previous segment ends before LSN ${expected}`,
      );
    }
    const last = i === segments.length - 1;
    const next = yield* segmentRecords(ring, seg, fromLsn, last);
    expected = next;
  }
}

/** Yields the records of one segment; returns the LSN after its last record. */
async function* segmentRecords(
  ring: Ring,
  seg: SegmentEntry,
  fromLsn: number,
  last: boolean,
): AsyncGenerator<LogRecord, number, undefined> {
  const fd = await ring.open(seg.path, 'r');
  try {
    const size = (await ring.stat(fd)).size;
    const header = Buffer.alloc(SEGMENT_HEADER_SIZE);
    const got =
      size >= SEGMENT_HEADER_SIZE ? await ring.read(fd, header, 0, SEGMENT_HEADER_SIZE, 0) : 0;
    const check = decodeSegmentHeader(header.subarray(0, got));
    if (!check.ok) throw corruptLogError(seg.path, check.reason);
    if (check.base !== seg.base) {
      throw corruptLogError(seg.path, `its header says base LSN ${check.base}`);
    }
    const win = new FileWindow(size, CHUNK, true);
    const refill = async (pos: number, need: number): Promise<number> => {
      const [buf, want] = win.beginRefill(pos, need, CHUNK);
      let done = 0;
      while (done < want) {
        const n = await ring.read(fd, buf, done, want - done, pos + done);
        if (n === 0) break;
        done += n;
      }
      win.length = done;
      return done;
    };
    let pos = SEGMENT_HEADER_SIZE;
    let lsn = seg.base;
    while (pos < size) {
      let avail = win.available(pos);
      let off = pos - win.start;
      let r = parseRecord(win.buf, off, avail, lsn);
      while (r === NEED_MORE && pos + avail < size) {
        const need = recordNeed(win.buf, off, avail);
        const before = avail;
        avail = await refill(pos, Math.min(need, size - pos));
        off = 0;
        r = parseRecord(win.buf, 0, avail, lsn);
        if (avail <= before) break; // the file ends before the size it had when opened
      }
      if (r > 0) {
        if (lsn >= fromLsn) yield { lsn, payload: win.buf.subarray(off + 8, off + r) };
        pos += r;
        lsn++;
        continue;
      }
      // Fewer bytes left than a record header, all zero: the unused end of a segment.
      if (r === NEED_MORE && lastNonZero(win.buf, off, off + avail) === off) break;
      if (r === END || last) break;
      const what =
        r === BAD_CRC
          ? 'checksum mismatch'
          : r === BAD_SIZE
            ? 'invalid record length'
            : 'record cut short';
      throw corruptLogError(seg.path, `${what} at offset ${pos} (LSN ${lsn})`);
    }
    return lsn;
  } finally {
    await ring.close(fd).catch(() => undefined);
  }
}
