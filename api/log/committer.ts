// Group commit. Appends are laid out, header and all, in the batch that is
// filling; while a batch's write is in flight, new appends join the next batch.
// On io_uring a batch is one writev with RWF_DSYNC: durable when it completes,
// its bytes and the file size they need, as if an fdatasync followed (open(2),
// O_DSYNC); one op and one CQE instead of two ops. Where RWF_DSYNC is refused,
// and on the fs backend, it is a writev -> fdatasync chain (one submission).
// A second batch may start while one
// is in flight only when it is full; appends are acknowledged strictly in
// batch order, and only after their own write was made durable.
//
// Failure: a failed batch, and every batch in flight behind it, rejects with
// the batch's error; so does every append accepted but not yet submitted.
// The segment is then cut back to the end of the last acknowledged batch and
// preallocated again, and appends continue from there. If that repair fails,
// the log is failed: every append rejects with ERR_URING_LOG_FAILED until it
// is reopened (recovery at open restores a consistent log).
import { Deque } from '../../loop/deque';
import { codedError } from '../../loop/errors';
import type { Ring } from '../ring';
import { bufferArg, rangeError, typeError } from '../../loop/validate';
import { ArenaPool, Batch, type AppendResult } from './batch';
import { logFailedError } from './errors';
import {
  MAX_RECORD_SIZE,
  RECORD_HEADER_SIZE,
  SEGMENT_HEADER_SIZE,
  putU32,
  sealRecords,
} from './format';
import type { LogSettings } from './options';
import { Segment, SegmentSpace, SpareSegment, createSegment, rootCause } from './segment';
import { skipDatasync } from './test-faults';

/** Batches in the kernel at once: the one filling may overlap the one syncing only when full. */
const MAX_INFLIGHT = 2;

/**
 * How full the current segment is when the spare for the next one starts being
 * prepared: a log that never fills half a segment never pays for one, and the
 * spare's zero-fill (the same bytes again, written once and synced once) has
 * the other half of the segment's time to finish.
 */
const SPARE_AT = 0.5;

type Payload = Uint8Array | string;

export type BatchSync = 'dsync' | 'fdatasync';

interface Waiter {
  data: Payload;
  len: number;
  resolve: (value: AppendResult) => void;
  reject: (reason: unknown) => void;
}

export interface DurableLogStats {
  /** Batches committed (each one writev with RWF_DSYNC, or one writev + one fdatasync). */
  batches: number;
  /** Records acknowledged. */
  records: number;
  /** Bytes made durable, record headers included. */
  bytes: number;
  /** fdatasync calls submitted. */
  fdatasyncs: number;
  /** Batch writes submitted with RWF_DSYNC. */
  dsyncWrites: number;
  /**
   * How a batch is made durable: 'dsync' (one writev with RWF_DSYNC) or 'fdatasync' (writev ->
   * fdatasync: on the fs backend, or where the kernel or file system refused RWF_DSYNC).
   */
  batchSync: BatchSync;
  /** Batches whose chain failed. */
  failedBatches: number;
  meanBatchRecords: number;
  meanBatchBytes: number;
  maxBatchRecords: number;
  /**
   * How segments get their room: 'fallocate', 'zero-fill' (the file system has no fallocate(2):
   * zeros alone) or 'none' (preallocate: false).
   */
  preallocation: 'fallocate' | 'zero-fill' | 'none';
  /** Segments created by this log object (the first one of a new log included). */
  segmentsCreated: number;
  /** Of those, the ones prepared in the background while the previous one filled (the spare). */
  segmentsFromSpare: number;
  /** Bytes accepted and not yet durable. */
  pendingBytes: number;
  /** Batches in the kernel. */
  inflightBatches: number;
  /** Most batches that were in the kernel at once (2 when full batches overlapped). */
  maxInflightBatches: number;
  /** Appends waiting for room under maxPending. */
  waitingAppends: number;
  /** LSN the next append gets. */
  nextLsn: number;
  /** Highest acknowledged LSN (nextLsn - 1 once everything is durable). */
  durableLsn: number;
}

export interface CommitterStart {
  dir: string;
  ring: Ring;
  dirFd: number;
  /** The segment appends continue in (open). */
  segment: Segment;
  /** Offset after its last intact record. */
  end: number;
  nextLsn: number;
  segmentsCreated: number;
  /** How segments get their room (shared with the recovery that ran at open). */
  space: SegmentSpace;
}

export class GroupCommitter {
  private readonly ring: Ring;
  private readonly dir: string;
  private readonly dirFd: number;
  private readonly segmentSize: number;
  private readonly preallocate: boolean;
  private readonly space: SegmentSpace;
  private readonly maxPending: number;
  private readonly maxRecord: number;
  private readonly pool: ArenaPool;

  /** The segment batches are written to (exists, open). */
  private writeSeg: Segment;
  /** The segment the next record goes to: writeSeg, or a planned one after a rollover point. */
  private admitSeg: Segment;
  /** Offset in admitSeg for the next record. */
  private tail: number;
  private nextLsn: number;
  /** End of the last acknowledged batch in writeSeg and the LSN after it. */
  private committedEnd: number;
  private committedLsn: number;
  /** The next segment, being prepared in the background (preallocate only). */
  private spare: SpareSegment | null = null;
  /** Offset in writeSeg past which a submitted batch starts the spare. */
  private readonly spareAt: number;

  private filling: Batch | null = null;
  /** Sealed batches (full, or ended by a segment boundary) not yet submitted. */
  private readonly ready: Batch[] = [];
  private readonly inflight: Batch[] = [];
  private readonly waiters = new Deque<Waiter>();
  private pendingBytes = 0;

  private batchSync: BatchSync;
  private failure: unknown = undefined;
  private repairing = false;
  private rolling = false;
  private dead: Error | undefined;
  private closing = false;
  private pumpScheduled = false;
  private readonly runPump = (): void => this.pump();
  private idleWaiters: (() => void)[] = [];

  private batches = 0;
  private records = 0;
  private bytes = 0;
  private fdatasyncs = 0;
  private dsyncWrites = 0;
  private failedBatches = 0;
  private maxBatchRecords = 0;
  private maxInflight = 0;
  private segmentsCreated: number;
  private segmentsFromSpare = 0;

  constructor(start: CommitterStart, settings: LogSettings) {
    this.ring = start.ring;
    this.dir = start.dir;
    this.dirFd = start.dirFd;
    this.segmentSize = settings.segmentSize;
    this.preallocate = settings.preallocate;
    this.space = start.space;
    this.maxPending = settings.maxPending;
    this.maxRecord = Math.min(MAX_RECORD_SIZE, settings.segmentSize - SEGMENT_HEADER_SIZE);
    this.pool = new ArenaPool(settings.maxBatchBytes, MAX_INFLIGHT + 2);
    this.writeSeg = this.admitSeg = start.segment;
    this.tail = this.committedEnd = start.end;
    this.spareAt = this.preallocate
      ? Math.max(SEGMENT_HEADER_SIZE, Math.floor(this.segmentSize * SPARE_AT))
      : Infinity;
    this.nextLsn = this.committedLsn = start.nextLsn;
    this.segmentsCreated = start.segmentsCreated;
    this.batchSync = this.ring.backend === 'io_uring' ? 'dsync' : 'fdatasync';
  }

  append(payload: unknown): Promise<AppendResult> {
    let data: Payload;
    let len: number;
    if (typeof payload === 'string') {
      data = payload;
      len = Buffer.byteLength(payload);
    } else if (payload instanceof Uint8Array) {
      data = payload;
      // Not byteLength: V8 calls a builtin for it (see loop/byte-length.ts).
      len = payload.length;
      // A detached or out-of-bounds view looks empty: only an empty one is looked at closely.
      const bad = len === 0 ? unusableView(payload) : undefined;
      if (bad) return Promise.reject(bad);
    } else if (ArrayBuffer.isView(payload)) {
      const bad = unusableView(payload);
      if (bad) return Promise.reject(bad);
      data = new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
      len = data.byteLength;
    } else {
      return Promise.reject(badPayload(payload));
    }
    if (this.closing) return Promise.reject(closedLogError());
    if (this.dead) return Promise.reject(this.dead);
    const size = RECORD_HEADER_SIZE + len;
    if (size > this.maxRecord) {
      return Promise.reject(
        rangeError('payload.byteLength', `<= ${this.maxRecord - RECORD_HEADER_SIZE}`, len),
      );
    }
    return new Promise<AppendResult>((resolve, reject) => {
      if (this.canAdmit(size)) this.admit(data, len, resolve, reject);
      else this.waiters.push({ data, len, resolve, reject });
    });
  }

  stats(): DurableLogStats {
    const batches = this.batches;
    return {
      batches,
      records: this.records,
      bytes: this.bytes,
      fdatasyncs: this.fdatasyncs,
      dsyncWrites: this.dsyncWrites,
      batchSync: this.batchSync,
      failedBatches: this.failedBatches,
      meanBatchRecords: batches ? this.records / batches : 0,
      meanBatchBytes: batches ? this.bytes / batches : 0,
      maxBatchRecords: this.maxBatchRecords,
      preallocation: this.space.mode,
      segmentsCreated: this.segmentsCreated,
      segmentsFromSpare: this.segmentsFromSpare,
      pendingBytes: this.pendingBytes,
      inflightBatches: this.inflight.length,
      maxInflightBatches: this.maxInflight,
      waitingAppends: this.waiters.length,
      nextLsn: this.nextLsn,
      durableLsn: this.committedLsn - 1,
    };
  }

  /** Stops taking appends; resolves once everything accepted is durable or has failed. */
  drain(): Promise<void> {
    this.closing = true;
    return new Promise<void>((resolve) => {
      this.idleWaiters.push(resolve);
      this.checkIdle();
    });
  }

  /** The fds to close once drained. */
  openFds(): number[] {
    return this.writeSeg.fd >= 0 ? [this.writeSeg.fd] : [];
  }

  /** Once drained: waits for a spare being prepared and removes it. */
  async disposeSpare(): Promise<void> {
    const spare = this.spare;
    this.spare = null;
    if (spare) await spare.dispose();
  }

  // ---------------------------------------------------------------------------
  // Admission

  private canAdmit(size: number): boolean {
    return (
      this.waiters.length === 0 &&
      this.failure === undefined &&
      !this.repairing &&
      (this.pendingBytes === 0 || this.pendingBytes + size <= this.maxPending)
    );
  }

  private admit(
    data: Payload,
    len: number,
    resolve: (value: AppendResult) => void,
    reject: (reason: unknown) => void,
  ): void {
    const size = RECORD_HEADER_SIZE + len;
    if (this.tail + size > this.segmentSize) {
      // Rollover point: this record starts the next segment (created when its batch is due).
      this.admitSeg = new Segment(this.dir, this.nextLsn);
      this.tail = SEGMENT_HEADER_SIZE;
    }
    let b = this.filling;
    if (b === null || b.seg !== this.admitSeg || b.used + size > b.arena.length) {
      if (b !== null) this.ready.push(b);
      b = this.filling = new Batch(this.admitSeg, this.tail, this.nextLsn, this.pool.take(size));
    }
    const arena = b.arena;
    const off = b.used;
    putU32(arena, off + 4, size);
    if (typeof data === 'string') arena.write(data, off + RECORD_HEADER_SIZE, len, 'utf8');
    else arena.set(data, off + RECORD_HEADER_SIZE);
    // The CRCs are computed when the batch is submitted, all in one call.
    this.nextLsn++;
    b.used = off + size;
    b.count++;
    b.resolves.push(resolve);
    b.rejects.push(reject);
    this.tail += size;
    this.pendingBytes += size;
    if (!this.pumpScheduled) {
      this.pumpScheduled = true;
      // A microtask: every append made in this turn (e.g. by producers whose
      // previous appends were just acknowledged) lands in the same batch.
      queueMicrotask(this.runPump);
    }
  }

  private admitWaiters(): void {
    while (this.waiters.length > 0 && !this.dead) {
      const w = this.waiters.peek() as Waiter;
      const size = RECORD_HEADER_SIZE + w.len;
      if (this.failure !== undefined || this.repairing) return;
      if (this.pendingBytes !== 0 && this.pendingBytes + size > this.maxPending) return;
      this.waiters.shift();
      this.admit(w.data, w.len, w.resolve, w.reject);
    }
  }

  // ---------------------------------------------------------------------------
  // Submission

  private pump(): void {
    this.pumpScheduled = false;
    if (this.rolling || this.repairing || this.failure !== undefined || this.dead) return;
    for (;;) {
      const next = this.ready.length > 0 ? this.ready[0] : this.filling;
      if (next === null || next.count === 0) return;
      if (next.seg !== this.writeSeg) {
        // A new segment starts once everything before it is durable: no batch
        // of the next segment can be on disk behind a hole in this one.
        if (this.inflight.length === 0) void this.roll(next.seg);
        return;
      }
      if (this.inflight.length >= MAX_INFLIGHT) return;
      // Only a full batch overlaps.
      if (this.inflight.length > 0 && next === this.filling) return;
      if (next === this.filling) this.filling = null;
      else this.ready.shift();
      this.submit(next);
    }
  }

  private submit(b: Batch): void {
    sealRecords(b.arena, 0, b.used, b.firstLsn);
    this.inflight.push(b);
    if (this.inflight.length > this.maxInflight) this.maxInflight = this.inflight.length;
    this.write(b).then(
      () => this.settle(b, undefined),
      (err: unknown) => this.settle(b, rootCause(err) ?? err),
    );
    if (this.spare === null && b.pos + b.used >= this.spareAt && !this.closing) {
      this.spare = new SpareSegment(this.ring, this.dir, this.segmentSize, this.space);
    }
  }

  /** Writes the batch and makes it durable. */
  private write(b: Batch): Promise<unknown> {
    const fd = b.seg.fd;
    const data = [b.arena.subarray(0, b.used)];
    if (skipDatasync) return this.ring.writev(fd, data, b.pos);
    if (this.batchSync === 'dsync') {
      this.dsyncWrites++;
      return this.ring.writev(fd, data, b.pos, DSYNC).catch((err: unknown) => {
        // Unknown RWF_* flags are refused before anything is written: write it again, synced.
        if (!refusesDsync(err)) throw err;
        this.dsyncWrites--;
        this.batchSync = 'fdatasync';
        return this.write(b);
      });
    }
    this.fdatasyncs++;
    return this.ring.chain().writev(fd, data, b.pos).fdatasync(fd).run();
  }

  private settle(b: Batch, error: unknown): void {
    b.done = true;
    b.error = error;
    if (error !== undefined) this.failedBatches++;
    const inflight = this.inflight;
    while (inflight.length > 0 && inflight[0].done) {
      const head = inflight.shift() as Batch;
      if (head.error === undefined && this.failure === undefined) {
        this.committedEnd = head.pos + head.used;
        this.committedLsn = head.firstLsn + head.count;
        this.batches++;
        this.records += head.count;
        this.bytes += head.used;
        if (head.count > this.maxBatchRecords) this.maxBatchRecords = head.count;
        head.resolveAll();
      } else {
        // Behind a failed batch there may be a hole: nothing after it is acknowledged.
        if (this.failure === undefined) this.failure = head.error;
        head.rejectAll(head.error ?? this.failure);
      }
      this.pendingBytes -= head.used;
      this.pool.give(head.arena);
    }
    if (this.failure !== undefined) {
      if (inflight.length === 0 && !this.repairing) void this.repair();
      return;
    }
    this.admitWaiters();
    this.pump();
    this.checkIdle();
  }

  // ---------------------------------------------------------------------------
  // Rollover and repair

  private async roll(seg: Segment): Promise<void> {
    this.rolling = true;
    const spare = this.spare;
    this.spare = null;
    try {
      if (spare !== null && (await spare.adopt(seg, this.dirFd))) this.segmentsFromSpare++;
      else await createSegment(this.ring, seg, this.dirFd, this.segmentSize, this.space);
      this.segmentsCreated++;
      const old = this.writeSeg;
      this.writeSeg = seg;
      this.committedEnd = SEGMENT_HEADER_SIZE;
      await this.ring.close(old.fd).catch(() => undefined);
      old.fd = -1;
    } catch (err) {
      // Nothing was written for the new segment: its appends fail, the log goes on.
      this.discardUnsubmitted(err);
    } finally {
      this.rolling = false;
    }
    this.admitWaiters();
    this.pump();
    this.checkIdle();
  }

  private async repair(): Promise<void> {
    this.repairing = true;
    const error = this.failure;
    this.discardUnsubmitted(error);
    const fd = this.writeSeg.fd;
    const end = this.committedEnd;
    try {
      // Cut back, then preallocated and zero-filled again, as a new segment is.
      await this.ring.ftruncate(fd, end);
      await this.space.reserve(this.ring, fd, end, this.segmentSize);
      await this.ring.fsync(fd);
      this.failure = undefined;
    } catch (err) {
      this.dead = logFailedError(err);
      for (let w = this.waiters.shift(); w; w = this.waiters.shift()) w.reject(this.dead);
    } finally {
      this.repairing = false;
    }
    this.admitWaiters();
    this.pump();
    this.checkIdle();
  }

  /** Fails every accepted, unsubmitted append and rewinds admission to the durable end. */
  private discardUnsubmitted(error: unknown): void {
    const doomed = this.ready.splice(0);
    if (this.filling) doomed.push(this.filling);
    this.filling = null;
    for (const b of doomed) {
      b.rejectAll(error);
      this.pendingBytes -= b.used;
      this.pool.give(b.arena);
    }
    this.admitSeg = this.writeSeg;
    this.tail = this.committedEnd;
    this.nextLsn = this.committedLsn;
  }

  private checkIdle(): void {
    if (!this.closing || this.idleWaiters.length === 0) return;
    const busy =
      this.waiters.length > 0 ||
      this.inflight.length > 0 ||
      this.ready.length > 0 ||
      (this.filling !== null && this.filling.count > 0) ||
      this.rolling ||
      this.repairing;
    if (busy) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

const DSYNC = { dsync: true };

/** An error that says the kernel or file system does not take RWF_DSYNC. */
function refusesDsync(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'EINVAL' || code === 'EOPNOTSUPP';
}

/** Why a view cannot be appended (its buffer was detached or shrank), or undefined. */
function unusableView(view: ArrayBufferView): Error | undefined {
  try {
    bufferArg(view, 'payload');
    return undefined;
  } catch (err) {
    return err as Error;
  }
}

function badPayload(value: unknown): TypeError {
  return typeError(
    'payload',
    'of type string or an instance of Buffer, TypedArray, or DataView',
    value,
  );
}

export function closedLogError(): Error {
  return codedError('ERR_URING_CLOSED', 'the log is closed');
}
