// Opening an existing log: list the segments, check every header, scan the
// last segment record by record (every CRC), and find where its intact prefix
// ends. Runs on node:fs synchronous calls: it happens once, before the log
// accepts appends. The repair it decides (truncate, re-preallocate) is done
// by the caller through the ring.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { notALogError, corruptLogError } from './errors';
import {
  BAD_CRC,
  BAD_SIZE,
  END,
  FIRST_LSN,
  NEED_MORE,
  SEGMENT_HEADER_SIZE,
  decodeSegmentHeader,
  isTempSegmentName,
  lastNonZero,
  parseRecord,
  parseSegmentName,
  recordNeed,
} from './format';
import { FileWindow } from './window';

export interface SegmentEntry {
  name: string;
  path: string;
  base: number;
}

export interface DirectoryListing {
  segments: SegmentEntry[];
  temps: string[];
}

/** Why the tail of the last segment was dropped. */
export type DropReason = 'torn-record' | 'bad-length' | 'checksum-mismatch' | 'trailing-garbage';

export interface RecoveryReport {
  /** File name of the segment that was cut. */
  segment: string;
  /** Offset in that file where the intact prefix ends and the file was cut. */
  truncatedAt: number;
  /** Bytes of data dropped after that offset (preallocated zeros are not counted). */
  droppedBytes: number;
  reason: DropReason;
  /** LSN the next append gets. */
  nextLsn: number;
}

export interface TailScan {
  /** Offset just past the last intact record. */
  end: number;
  /** LSN of the next record. */
  nextLsn: number;
  records: number;
  fileSize: number;
  /** Set when something after `end` must be cut. */
  drop: { reason: DropReason; droppedBytes: number } | null;
}

const CHUNK = 1024 * 1024;

export function listDirectory(dir: string): DirectoryListing {
  const entries = fs.readdirSync(dir);
  const segments: SegmentEntry[] = [];
  const temps: string[] = [];
  let foreign = '';
  for (const name of entries) {
    const base = parseSegmentName(name);
    if (base >= 0) segments.push({ name, path: path.join(dir, name), base });
    else if (isTempSegmentName(name)) temps.push(path.join(dir, name));
    else foreign ||= name;
  }
  if (segments.length === 0 && foreign) {
    throw notALogError(dir, `it holds ${JSON.stringify(foreign)} and no log segment`);
  }
  segments.sort((a, b) => a.base - b.base);
  return { segments, temps };
}

function readFully(fd: number, buf: Buffer, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** Checks a segment's header against its name; throws NOT_A_LOG or LOG_CORRUPT. */
export function checkHeader(dir: string, seg: SegmentEntry): void {
  const fd = fs.openSync(seg.path, 'r');
  try {
    const h = Buffer.alloc(SEGMENT_HEADER_SIZE);
    const n = readFully(fd, h, SEGMENT_HEADER_SIZE, 0);
    const check = decodeSegmentHeader(h.subarray(0, n));
    if (!check.ok) {
      if (check.notALog) throw notALogError(dir, `${seg.name}: ${check.reason}`);
      throw corruptLogError(seg.path, check.reason);
    }
    if (check.base !== seg.base) {
      throw corruptLogError(seg.path, `its header says base LSN ${check.base}`);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Scans every record of a segment; reports where the intact prefix ends and what follows it. */
export function scanTail(seg: SegmentEntry): TailScan {
  const fd = fs.openSync(seg.path, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const win = new FileWindow(size, CHUNK, false);
    const refill = (pos: number, need: number): number => {
      const [buf, want] = win.beginRefill(pos, need, CHUNK);
      win.length = readFully(fd, buf, want, pos);
      return win.length;
    };
    let pos = SEGMENT_HEADER_SIZE;
    let lsn = seg.base;
    let records = 0;
    let reason: DropReason | null = null;
    for (;;) {
      if (pos >= size) break;
      let avail = win.available(pos);
      let r = parseRecord(win.buf, pos - win.start, avail, lsn);
      while (r === NEED_MORE && pos + avail < size) {
        const off = pos - win.start;
        const need = recordNeed(win.buf, off, avail);
        const before = avail;
        avail = refill(pos, Math.min(need, size - pos));
        r = parseRecord(win.buf, 0, avail, lsn);
        if (avail <= before) break; // the file ends before the size it had when opened
      }
      if (r > 0) {
        pos += r;
        lsn++;
        records++;
        continue;
      }
      if (r === END) break;
      reason =
        r === NEED_MORE
          ? 'torn-record'
          : r === BAD_SIZE
            ? 'bad-length'
            : r === BAD_CRC
              ? 'checksum-mismatch'
              : 'torn-record';
      break;
    }
    const end = Math.min(pos, size);
    // Anything non-zero after the intact prefix is dropped: a torn batch, or a
    // later batch written behind a hole.
    let dataEnd = end;
    for (let at = end; at < size;) {
      const avail = win.available(at) || refill(at, 1);
      const from = at - win.start;
      const last = lastNonZero(win.buf, from, from + avail);
      if (last > from) dataEnd = win.start + last;
      at += avail;
    }
    let drop: TailScan['drop'] = null;
    if (dataEnd > end) drop = { reason: reason ?? 'trailing-garbage', droppedBytes: dataEnd - end };
    return { end, nextLsn: lsn, records, fileSize: size, drop };
  } finally {
    fs.closeSync(fd);
  }
}

export { FIRST_LSN };
