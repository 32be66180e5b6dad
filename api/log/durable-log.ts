// DurableLog: an append-only log whose append() resolves once the record is on
// stable storage, with group commit over linked writev -> fdatasync chains.
import * as fs from 'node:fs';
import { tryLockExclusive } from '../../loop/file-lock';
import { defaultRing } from '../default-ring';
import { syncNewEntries } from '../dir-sync';
import type { Ring } from '../ring';
import { illegalConstructor, pathArg } from '../../loop/validate';
import type { AppendResult } from './batch';
import { GroupCommitter, type DurableLogStats } from './committer';
import { logLockedError } from './errors';
import { FIRST_LSN, SEGMENT_HEADER_SIZE } from './format';
import { logSettings, type DurableLogOptions, type LogSettings } from './options';
import { readLog, type LogRecord, type ReadOptions } from './reader';
import { checkHeader, listDirectory, scanTail, type RecoveryReport } from './recovery';
import { Segment, SegmentSpace, createSegment } from './segment';

const { O_RDONLY, O_DIRECTORY } = fs.constants;

/**
 * Logs open in this thread, by real path: two writers would interleave batches.
 * The flock on the directory (taken in recover()) extends this to other
 * threads and processes; this set answers first and also where flock cannot.
 */
const openDirs = new Set<string>();

/** Only open() makes a DurableLog: the constructor refuses any caller without it. */
const OPENING = Symbol('DurableLog.open');

export class DurableLog {
  /** Real path of the log directory. */
  readonly dir: string;
  /** What recovery cut from the last segment at open, or null if the log was intact. */
  readonly recovery: RecoveryReport | null;
  readonly #ring: Ring;
  readonly #lockFd: number;
  readonly #dirFd: number;
  readonly #committer: GroupCommitter;
  #closePromise: Promise<void> | undefined;

  /** @internal DurableLog.open() makes logs. */
  constructor(
    opening: typeof OPENING,
    dir: string,
    ring: Ring,
    fds: { lockFd: number; dirFd: number },
    committer: GroupCommitter,
    recovery: RecoveryReport | null,
  ) {
    if (opening !== OPENING) {
      throw illegalConstructor('DurableLog.open() opens a log');
    }
    this.dir = dir;
    this.#ring = ring;
    this.#lockFd = fds.lockFd;
    this.#dirFd = fds.dirFd;
    this.#committer = committer;
    this.recovery = recovery;
  }

  /**
   * Opens the log in `dir` (created if missing), recovering it first: every
   * record of the last segment is verified and a torn or corrupt tail is cut.
   */
  static async open(dir: string | Buffer | URL, options?: DurableLogOptions): Promise<DurableLog>;
  static async open(dir: unknown, options?: unknown): Promise<DurableLog> {
    const { text } = pathArg(dir, 'dir');
    const settings = logSettings(options);
    const ring = settings.ring ?? defaultRing();
    const created = fs.mkdirSync(text, { recursive: true });
    const real = fs.realpathSync(text);
    if (openDirs.has(real)) throw logLockedError(real);
    openDirs.add(real);
    try {
      // A log in a directory that a power cut could take back would lose what it acknowledged.
      if (created !== undefined) await syncNewEntries(ring, text, created);
      return await recover(real, ring, settings);
    } catch (err) {
      openDirs.delete(real);
      throw err;
    }
  }

  /**
   * Appends one record. Resolves with its LSN once it is on stable storage
   * (its batch's fdatasync completed); records are acknowledged in LSN order.
   */
  append(payload: Buffer | Uint8Array | NodeJS.ArrayBufferView | string): Promise<AppendResult> {
    return this.#committer.append(payload);
  }

  /** LSN the next append gets. */
  get nextLsn(): number {
    return this.#committer.stats().nextLsn;
  }

  stats(): DurableLogStats {
    return this.#committer.stats();
  }

  /** Waits until every accepted append is durable (or failed), then closes the files. */
  close(): Promise<void> {
    this.#closePromise ??= this.#shut();
    return this.#closePromise;
  }

  async #shut(): Promise<void> {
    await this.#committer.drain();
    try {
      await this.#committer.disposeSpare();
      // The lock goes last: nobody may recover the log while its files are still open here.
      for (const fd of [...this.#committer.openFds(), this.#dirFd, this.#lockFd]) {
        await this.#ring.close(fd).catch(() => closeQuietly(fd));
      }
    } finally {
      openDirs.delete(this.dir);
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Every intact record of the log in `dir`, in LSN order, from `fromLsn` on. */
  static read(dir: string | Buffer | URL, options?: ReadOptions): AsyncIterableIterator<LogRecord> {
    return readLog(dir, options);
  }
}

async function recover(dir: string, ring: Ring, s: LogSettings): Promise<DurableLog> {
  const listing = listDirectory(dir);
  for (const seg of listing.segments) checkHeader(dir, seg);
  // The lock lives on a descriptor of its own that no ring op ever uses. The kernel keeps a
  // file open while a request that used it is still allocated, and after a SIGKILL it frees
  // those requests in a workqueue, a few ms after the process is gone: a lock on the fd the
  // log fsyncs would outlive its writer and refuse the restart that comes to recover it.
  const lockFd = await ring.open(dir, O_RDONLY | O_DIRECTORY);
  let dirFd = -1;
  let segment: Segment | undefined;
  try {
    // Before recovery touches anything: a second writer must not cut the tail of a live log.
    if (tryLockExclusive(lockFd, dir) === 'busy') throw logLockedError(dir);
    dirFd = await ring.open(dir, O_RDONLY | O_DIRECTORY);
    for (const temp of listing.temps) await ring.unlink(temp);
    if (listing.temps.length > 0) await ring.fsync(dirFd);
    let end = SEGMENT_HEADER_SIZE;
    let nextLsn = FIRST_LSN;
    let report: RecoveryReport | null = null;
    let created = 0;
    const space = new SegmentSpace(s.preallocate ? 'fallocate' : 'none');
    const last = listing.segments[listing.segments.length - 1];
    if (last === undefined) {
      segment = new Segment(dir, FIRST_LSN);
      await createSegment(ring, segment, dirFd, s.segmentSize, space);
      created = 1;
    } else {
      const scan = scanTail(last);
      segment = new Segment(dir, last.base);
      const fd = await ring.open(segment.path, 'r+');
      segment.fd = fd;
      await space.probe(ring, fd);
      end = scan.end;
      nextLsn = scan.nextLsn;
      let size = scan.fileSize;
      if (scan.drop) {
        report = {
          segment: last.name,
          truncatedAt: scan.end,
          droppedBytes: scan.drop.droppedBytes,
          reason: scan.drop.reason,
          nextLsn,
        };
        await ring.ftruncate(fd, scan.end);
        size = scan.end;
      }
      // A segment is zero-filled to its full size when it is created, so only
      // room added now (after a cut, or in a log made without preallocation)
      // needs zeros.
      const grow = s.preallocate && size < s.segmentSize;
      if (grow) await space.reserve(ring, fd, size, s.segmentSize);
      if (scan.drop || grow) await ring.fsync(fd);
    }
    const committer = new GroupCommitter(
      { dir, ring, dirFd, segment, end, nextLsn, segmentsCreated: created, space },
      s,
    );
    return new DurableLog(OPENING, dir, ring, { lockFd, dirFd }, committer, report);
  } catch (err) {
    if (segment && segment.fd >= 0) await ring.close(segment.fd).catch(() => undefined);
    if (dirFd >= 0) await ring.close(dirFd).catch(() => undefined);
    await ring.close(lockFd).catch(() => undefined);
    throw err;
  }
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // already closed
  }
}

export type {
  AppendResult,
  DurableLogStats,
  DurableLogOptions,
  LogRecord,
  ReadOptions,
  RecoveryReport,
};
