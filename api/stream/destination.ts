// A sonic-boom compatible destination (pino's `dest`) on the ring. write()
// only copies into pooled chunks; one write is in flight at a time and
// everything that arrived meanwhile goes out next as one writev (with
// fsync: 'batch', as a linked writev -> fdatasync chain). Short writes are
// continued, EAGAIN is retried, nothing is dropped.
import { EventEmitter } from 'node:events';
import { ChainError, codedError } from '../../loop/errors';
import { defaultRing } from '../default-ring';
import type { Ring } from '../ring';
import { bufferArg, typeError } from '../../loop/validate';
import { ChunkQueue, advance, byteCount, views, type Chunk } from './chunk-queue';
import {
  destArg,
  destinationSettings,
  type DestinationOptions,
  type DestinationSettings,
} from './options';
import { datasyncSync, isUnsyncable, writeAllSync } from './sync-write';
import { inspectFd, openTarget, type Target } from './target';

const RETRY_MS = 10;

interface FlushWaiter {
  /** Bytes accepted when flush() was called. */
  target: number;
  cb: ((err?: Error) => void) | null;
}

function retryable(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === 'EAGAIN' || code === 'EBUSY' || code === 'EINTR';
}

export class RingDestination extends EventEmitter {
  /** The descriptor written to, or -1 while the file is being opened. */
  fd = -1;
  /** The path written to (null for a descriptor). */
  file: string | null;
  readonly minLength: number;
  readonly maxWrite: number;
  destroyed = false;
  writable = true;

  readonly #ring: Ring;
  readonly #settings: DestinationSettings;
  readonly #queue = new ChunkQueue();
  #positional = false;
  #position = 0;
  #syncable = false;

  /** An op (write, sync, close) is in flight. */
  #writing = false;
  #opening = false;
  #reopenPending = false;
  /** A reopen() asked for while a file was being opened. */
  #deferredReopen: { file: string | Buffer | URL | undefined } | null = null;
  #ending = false;
  #closed = false;
  #needDrain = false;
  #kickScheduled = false;
  #retryTimer: NodeJS.Timeout | undefined;
  #periodic: NodeJS.Timeout | undefined;

  #inflight: Chunk[] | null = null;
  #inflightPos = 0;
  #inflightBytes = 0;
  /** Bumped by flushSync(): a write of an older epoch was taken over. */
  #epoch = 0;

  #accepted = 0;
  #written = 0;
  #syncedThrough = 0;
  #flushWaiters: FlushWaiter[] = [];

  readonly #runKick = (): void => {
    this.#kickScheduled = false;
    this.#kick();
  };

  constructor(options: DestinationOptions | string | number) {
    super();
    const s = destinationSettings(options);
    this.#settings = s;
    this.#ring = s.ring ?? defaultRing();
    this.file = s.file;
    this.minLength = s.minLength;
    this.maxWrite = s.maxWrite;
    if (s.file !== null) {
      this.#open(s.file);
    } else {
      this.#adopt(inspectFd(s.fd));
      process.nextTick(() => this.emit('ready'));
    }
    if (s.periodicFlush > 0) {
      this.#periodic = setInterval(() => {
        if (this.#flushWaiters.length === 0 && !this.destroyed && !this.#ending) this.flush(null);
      }, s.periodicFlush);
      this.#periodic.unref();
    }
  }

  // ---------------------------------------------------------------------------
  // sonic-boom interface

  /** Queues `data`; false once the unwritten bytes reach the high-water mark ('drain' follows). */
  write(data: string | Uint8Array): boolean {
    if (this.destroyed) throw codedError('ERR_STREAM_DESTROYED', 'the destination was destroyed');
    if (this.#ending) throw codedError('ERR_STREAM_WRITE_AFTER_END', 'write after end');
    if (typeof data !== 'string') {
      if (!(data instanceof Uint8Array)) {
        throw typeError('data', 'of type string or an instance of Buffer or Uint8Array', data);
      }
      // A detached or out-of-bounds view looks empty: only an empty one is looked at closely.
      if (data.length === 0) bufferArg(data, 'data');
    }
    this.#accepted += this.#queue.append(data);
    if (!this.#writing && !this.#kickScheduled && this.fd >= 0) {
      // Coalesce everything written in this turn into one write.
      this.#kickScheduled = true;
      queueMicrotask(this.#runKick);
    }
    const ok = this.#queue.bytes + this.#inflightBytes < this.#settings.highWaterMark;
    if (!ok) this.#needDrain = true;
    return ok;
  }

  /** Writes what is buffered; `cb` runs once it is written and synced to the file. */
  flush(cb?: ((err?: Error) => void) | null): void {
    if (cb !== undefined && cb !== null && typeof cb !== 'function') {
      throw typeError('cb', 'of type function', cb);
    }
    if (this.destroyed) {
      const error = codedError('ERR_STREAM_DESTROYED', 'the destination was destroyed');
      if (cb) return cb(error);
      throw error;
    }
    if (!this.#writing && this.#queue.bytes === 0 && this.fd >= 0 && !this.#opening) {
      if (cb) cb();
      return;
    }
    this.#flushWaiters.push({ target: this.#accepted, cb: cb ?? null });
    this.#kick();
  }

  /**
   * Writes everything buffered now, blocking, with node:fs. On a regular file
   * every byte has its own offset: the bytes of a ring write still in flight
   * are written at their offsets too (the same bytes, so whichever lands last
   * changes nothing), then the buffered ones after them.
   */
  flushSync(): void {
    if (this.destroyed) throw codedError('ERR_STREAM_DESTROYED', 'the destination was destroyed');
    if (this.fd < 0) throw codedError('ERR_URING_NOT_READY', 'the destination is not open yet');
    const fd = this.fd;
    const queued = this.#queue.takeAll();
    if (this.#positional) {
      let pos = this.#position;
      const parts: Chunk[] = [];
      if (this.#inflight !== null) {
        pos = this.#inflightPos;
        parts.push(...this.#inflight);
        this.#written += this.#inflightBytes;
        // Its completion (same bytes, same offsets) is now only bookkeeping.
        this.#epoch++;
        this.#inflight = null;
        this.#inflightBytes = 0;
      }
      for (const c of parts.concat(queued)) {
        writeAllSync(fd, c.buf, c.start, c.end, pos);
        pos += c.end - c.start;
      }
      this.#position = pos;
    } else {
      for (const c of queued) writeAllSync(fd, c.buf, c.start, c.end, null);
    }
    this.#written += byteCount(queued);
    this.#queue.recycle(queued);
    if (this.#syncable && (this.#settings.fsyncBatch || this.#flushWaiters.length > 0)) {
      datasyncSync(fd);
      this.#syncedThrough = this.#written;
    }
    this.#settleFlushes();
  }

  /** Rotation: once the current write completes, opens `file` (or the same path again). */
  reopen(file?: string | Buffer | URL): void {
    if (this.destroyed) throw codedError('ERR_STREAM_DESTROYED', 'the destination was destroyed');
    if (this.file === null) {
      throw codedError('ERR_INVALID_STATE', 'a destination opened from a descriptor cannot reopen');
    }
    const next = file === undefined ? null : destArg(file, 'file');
    if (next !== null && next.file === null) throw typeError('file', 'a path', file);
    if (this.#opening) {
      // One reopen waits for the open under way, to the file named last.
      const waiting = this.#deferredReopen !== null;
      this.#deferredReopen = { file };
      if (!waiting) {
        this.once('ready', () => {
          const again = this.#deferredReopen;
          this.#deferredReopen = null;
          if (again && !this.destroyed) this.reopen(again.file);
        });
      }
      return;
    }
    if (this.#ending) return;
    if (next !== null) this.file = next.file;
    this.#reopenPending = true;
    if (!this.#writing) this.#doReopen();
  }

  /** Writes what is buffered, then closes: 'finish', then 'close'. */
  end(): void {
    if (this.destroyed) throw codedError('ERR_STREAM_DESTROYED', 'the destination was destroyed');
    if (this.#ending) return;
    this.#ending = true;
    this.writable = false;
    this.#kick();
  }

  /** Closes without writing what is buffered. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.writable = false;
    this.#queue.clear();
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    if (this.#periodic) clearInterval(this.#periodic);
    const waiters = this.#flushWaiters;
    this.#flushWaiters = [];
    const error = codedError('ERR_STREAM_DESTROYED', 'the destination was destroyed');
    for (const w of waiters) w.cb?.(error);
    if (!this.#writing && !this.#opening) this.#closeFile(false);
  }

  // ---------------------------------------------------------------------------
  // Opening

  #adopt(t: Target): void {
    this.fd = t.fd;
    this.#positional = t.positional;
    this.#position = t.position;
    this.#syncable = t.syncable;
  }

  #open(file: string): void {
    this.#opening = true;
    const s = this.#settings;
    openTarget(this.#ring, file, s.append, s.mode, s.mkdir).then(
      (t) => {
        this.#opening = false;
        this.#adopt(t);
        if (this.destroyed) return this.#closeFile(false);
        this.emit('ready');
        this.#kick();
      },
      (err: unknown) => {
        this.#opening = false;
        this.emit('error', err);
        // destroy() during the open left the closing to it: there is nothing to close.
        if (this.destroyed) this.#closeFile(false);
      },
    );
  }

  #doReopen(): void {
    this.#reopenPending = false;
    this.#opening = true;
    const s = this.#settings;
    const old = this.fd;
    openTarget(this.#ring, this.file as string, s.append, s.mode, s.mkdir).then(
      (t) => {
        this.#opening = false;
        this.#adopt(t);
        if (old > 2) this.#ring.close(old).catch((err: unknown) => this.emit('error', err));
        if (this.destroyed) return this.#closeFile(false);
        this.emit('ready');
        this.#kick();
      },
      (err: unknown) => {
        // Keep writing to the file that is still open.
        this.#opening = false;
        this.emit('error', err);
        this.#kick();
      },
    );
  }

  // ---------------------------------------------------------------------------
  // The write loop

  #kick(): void {
    if (this.#writing || this.#opening || this.fd < 0 || this.#closed) return;
    if (this.destroyed) return this.#closeFile(false);
    if (this.#reopenPending) return this.#doReopen();
    const q = this.#queue;
    if (q.bytes > 0) {
      if (q.bytes < this.minLength && !this.#ending && this.#flushWaiters.length === 0) return;
      return this.#startWrite(q.take(this.maxWrite));
    }
    if (this.#flushWaiters.length > 0 && this.#syncable && this.#syncedThrough < this.#written) {
      return this.#startSync();
    }
    this.#settleFlushes();
    if (this.#needDrain || this.listenerCount('drain') > 0) {
      this.#needDrain = false;
      this.emit('drain');
    }
    if (this.#ending && !this.#writing && this.#queue.bytes === 0) this.#closeFile(true);
  }

  #startWrite(chunks: Chunk[]): void {
    this.#writing = true;
    const bytes = byteCount(chunks);
    const pos = this.#positional ? this.#position : -1;
    const sync =
      this.#syncable &&
      (this.#settings.fsyncBatch || (this.#flushWaiters.length > 0 && this.#queue.bytes === 0));
    this.#inflight = chunks;
    this.#inflightPos = pos;
    this.#inflightBytes = bytes;
    const epoch = this.#epoch;
    const fd = this.fd;
    const bufs = views(chunks);
    const op: Promise<number> = sync
      ? this.#ring
          .chain()
          .writev(fd, bufs, pos)
          .fdatasync(fd)
          .run()
          .then((r) => r[0] as number)
      : this.#ring.writev(fd, bufs, pos);
    op.then(
      (n) => this.#onWritten(epoch, chunks, n, sync, undefined),
      (err: unknown) => this.#onWritten(epoch, chunks, -1, sync, err),
    );
  }

  #onWritten(epoch: number, chunks: Chunk[], n: number, synced: boolean, err: unknown): void {
    this.#writing = false;
    this.#inflight = null;
    this.#inflightBytes = 0;
    if (epoch !== this.#epoch) {
      // flushSync() wrote these bytes itself.
      this.#queue.recycle(chunks);
      return this.#kick();
    }
    let failure: unknown;
    if (err !== undefined) {
      const r = interpretFailure(err);
      n = r.written;
      failure = r.error;
      if (r.unsyncable) {
        this.#syncable = false;
        failure = undefined;
      }
      synced = false;
    }
    if (n > 0) {
      this.#written += n;
      if (this.#positional) this.#position += n;
      if (synced) this.#syncedThrough = this.#written;
    }
    const total = byteCount(chunks);
    const { done, rest } = advance(chunks, Math.max(n, 0));
    this.#queue.recycle(done);
    this.#queue.unshift(rest);
    if (n > 0 && this.listenerCount('write') > 0) this.emit('write', n);
    if (failure !== undefined && n < total) {
      if (retryable(failure)) {
        this.#writing = true; // nothing else may start before the retry
        this.#retryTimer = setTimeout(() => {
          this.#retryTimer = undefined;
          this.#writing = false;
          this.#kick();
        }, RETRY_MS);
        return;
      }
      return this.#fail(failure);
    }
    if (failure !== undefined) return this.#fail(failure);
    if (n === 0 && total > 0) {
      // Nothing moved and no error (a full pipe): try again shortly, as for EAGAIN.
      this.#writing = true;
      this.#retryTimer = setTimeout(() => {
        this.#retryTimer = undefined;
        this.#writing = false;
        this.#kick();
      }, RETRY_MS);
      return;
    }
    this.#kick();
  }

  #startSync(): void {
    this.#writing = true;
    const through = this.#written;
    this.#ring.fdatasync(this.fd).then(
      () => {
        this.#writing = false;
        this.#syncedThrough = through;
        this.#kick();
      },
      (err: unknown) => {
        this.#writing = false;
        if (isUnsyncable(err)) {
          this.#syncable = false;
          return this.#kick();
        }
        this.#fail(err);
      },
    );
  }

  /** A write or sync failed for good: flushes fail, the data stays queued, 'error' is emitted. */
  #fail(err: unknown): void {
    const waiters = this.#flushWaiters;
    this.#flushWaiters = [];
    for (const w of waiters) w.cb?.(err as Error);
    if (this.#ending) {
      this.emit('error', err);
      this.#closeFile(false);
      return;
    }
    this.emit('error', err);
  }

  #settleFlushes(): void {
    if (this.#flushWaiters.length === 0) return;
    const keep: FlushWaiter[] = [];
    const ready: FlushWaiter[] = [];
    for (const w of this.#flushWaiters) {
      const done =
        this.#written >= w.target && (!this.#syncable || this.#syncedThrough >= w.target);
      (done ? ready : keep).push(w);
    }
    this.#flushWaiters = keep;
    for (const w of ready) w.cb?.();
  }

  #closeFile(graceful: boolean): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#writing = true;
    if (this.#periodic) clearInterval(this.#periodic);
    const fd = this.fd;
    const finish = (err?: unknown): void => {
      this.#writing = false;
      if (err !== undefined) this.emit('error', err);
      if (graceful && err === undefined) this.emit('finish');
      this.emit('close');
    };
    if (fd < 0) return finish();
    const sync =
      graceful && this.#syncable && this.#syncedThrough < this.#written
        ? this.#ring.fdatasync(fd).catch((err: unknown) => {
            if (!isUnsyncable(err)) throw err;
          })
        : Promise.resolve();
    sync
      .then(() => (fd > 2 ? this.#ring.close(fd) : undefined))
      .then(
        () => finish(),
        (err: unknown) => finish(err),
      );
  }
}

/** What a failed write did: bytes written before it stopped, and whether that matters. */
function interpretFailure(err: unknown): { written: number; error: unknown; unsyncable: boolean } {
  if (err instanceof ChainError) {
    const first = err.results[0];
    const wrote = first && first.status === 'fulfilled' ? (first.value as number) : 0;
    const cause = err.cause as { code?: string; bytes?: number };
    if (cause?.code === 'ERR_URING_SHORT_IO' && err.index === 0) {
      // A short write: the rest goes out next, as with a plain write.
      return { written: cause.bytes ?? 0, error: undefined, unsyncable: false };
    }
    if (err.index === 1) return { written: wrote, error: cause, unsyncable: isUnsyncable(cause) };
    return { written: 0, error: cause, unsyncable: false };
  }
  return { written: 0, error: err, unsyncable: false };
}

/** A sonic-boom compatible destination for pino: `pino(destination('/var/log/app.log'))`. */
export function destination(options: DestinationOptions | string | number): RingDestination {
  return new RingDestination(options);
}
