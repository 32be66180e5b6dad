// Receives a stream socket into a provided-buffer group of its own, with
// multishot receive where the kernel has it.
//
// Back-pressure: a received chunk stays in its provided buffer until the
// consumer takes it, so at most `group.count` chunks are ever queued. When the
// consumer falls behind, the group runs dry, the kernel ends the multishot
// receive with ENOBUFS, and receiving pauses until half the buffers are back.
//
// Safety: the consumer gets a copy (made when it takes the chunk), and the
// buffer goes back to the kernel right after, so nothing handed out is ever
// overwritten by a later receive.
import { Deque } from '../deque';
import { EINVAL } from '../errors';
import { recvMultishot, recvProvided } from '../ops/recv';
import { IORING_CQE_BUFFER_SHIFT, IORING_CQE_F_BUFFER } from '../protocol';
import { Request } from '../request';
import { abortRequest } from '../cancellation';
import type { UringBackend } from '../uring-backend';
import type { BufferGroup } from './buffer-group';
import { bufferGroups } from './buffer-group';
import { netFeatures } from './features';
import { ENOBUFS, errnoOf } from './net-errors';

interface Waiter {
  // Resolves with a chunk or null, or with an IteratorResult for readResult().
  resolve: (value: Buffer | null | IteratorResult<Buffer, undefined>) => void;
  reject: (error: unknown) => void;
  result: boolean;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

function settleWith(w: Waiter, chunk: Buffer | null): void {
  if (!w.result) w.resolve(chunk);
  else w.resolve(chunk === null ? DONE : { value: chunk, done: false });
}

const enum State {
  Idle,
  Armed,
  Paused,
  Ended,
  Failed,
  Stopped,
}

export class Receiver {
  private readonly group: BufferGroup;
  /** Queued chunks as (buffer id, length), in a ring as large as the group. */
  private readonly bids: Uint16Array;
  private readonly lens: Int32Array;
  private head = 0;
  private queued = 0;
  private state = State.Idle;
  private error: unknown;
  private req: Request | null = null;
  private multishot: boolean;
  /** Chunks seen from the current receive request (to tell an unsupported flag from other EINVALs). */
  private received = 0;
  /** Reads waiting for data, oldest first. */
  private readonly waiters = new Deque<Waiter>();
  private stopped: (() => void) | null = null;
  private stopPromise: Promise<void> | null = null;
  private readonly onCqe = (res: number, flags: number) => this.deliver(res, flags);
  private readonly onEnd = (res: unknown) => this.ended(res as number);
  private readonly onFail = (error: unknown) => this.failed(error);
  private final: ((error: unknown) => void) | null;

  /**
   * `final` runs once the consumer has been given the end of the stream: null
   * (EOF) or the error.
   */
  constructor(
    private readonly backend: UringBackend,
    private readonly fd: number,
    count: number,
    size: number,
    final: (error: unknown) => void,
  ) {
    this.final = final;
    this.group = bufferGroups(backend).acquire(count, size);
    this.bids = new Uint16Array(count);
    this.lens = new Int32Array(count);
    this.multishot = netFeatures(backend).multishotRecv;
  }

  /** Chunks waiting for the consumer (never more than the group's buffer count). */
  get buffered(): number {
    return this.queued;
  }

  /** The next chunk (a copy), or null at the end of the stream. */
  read(): Promise<Buffer | null> {
    return this.next(false) as Promise<Buffer | null>;
  }

  /** read() as an iterator result, saving the async iterator a Promise per chunk. */
  readResult(): Promise<IteratorResult<Buffer, undefined>> {
    return this.next(true) as Promise<IteratorResult<Buffer, undefined>>;
  }

  private next(result: boolean): Promise<unknown> {
    let chunk: Buffer | null;
    if (this.queued > 0) {
      chunk = this.take();
    } else {
      if (this.state === State.Failed) return Promise.reject(this.finish(this.error));
      if (this.state !== State.Ended && this.state !== State.Stopped) {
        if (this.state === State.Idle) this.arm();
        return new Promise((resolve, reject) => this.waiters.push({ resolve, reject, result }));
      }
      chunk = this.finish(null);
    }
    return Promise.resolve(
      result ? (chunk === null ? DONE : { value: chunk, done: false }) : chunk,
    );
  }

  /** Stops receiving; resolves once the kernel has let go of the group. A pending read gets null. */
  stop(): Promise<void> {
    this.stopPromise ??= new Promise<void>((resolve) => {
      this.stopped = resolve;
      if (this.req) abortRequest(this.backend, this.req);
      else this.release();
    });
    return this.stopPromise;
  }

  // -------------------------------------------------------------------------

  private arm(): void {
    const req = new Request(this.multishot ? recvMultishot : recvProvided, {
      fd: this.fd,
      group: this.group,
    });
    req.onCqe = this.onCqe;
    this.req = req;
    this.received = 0;
    this.state = State.Armed;
    this.backend.run(req).then(this.onEnd, this.onFail);
  }

  /** One CQE: a chunk in buffer `flags >>> 16`, or the final result (handled by ended/failed). */
  private deliver(res: number, flags: number): void {
    if (!(flags & IORING_CQE_F_BUFFER)) return;
    const bid = flags >>> IORING_CQE_BUFFER_SHIFT;
    const group = this.group;
    group.available--;
    if (res <= 0) {
      group.give(bid);
      return;
    }
    this.received++;
    if (this.queued === 0 && this.waiters.length > 0) {
      const chunk = group.copy(bid, res);
      group.give(bid);
      settleWith(this.waiters.shift() as Waiter, chunk);
      return;
    }
    const at = (this.head + this.queued) % this.bids.length;
    this.bids[at] = bid;
    this.lens[at] = res;
    this.queued++;
  }

  private take(): Buffer {
    const at = this.head;
    const bid = this.bids[at];
    const chunk = this.group.copy(bid, this.lens[at]);
    this.group.give(bid);
    this.head = (at + 1) % this.bids.length;
    this.queued--;
    if (this.state === State.Paused && this.queued <= this.group.count >>> 1) this.arm();
    return chunk;
  }

  /** The receive request ended with `res` >= 0: 0 is the end of the stream. */
  private ended(res: number): void {
    this.req = null;
    if (this.stopped) return this.release();
    // A positive result closes a request that delivered data (single-shot, or
    // a multishot ended by CQ overflow): receive again.
    if (res > 0) return this.resume();
    this.state = State.Ended;
    this.wake();
  }

  private failed(error: unknown): void {
    this.req = null;
    if (this.stopped) return this.release();
    const errno = errnoOf(error);
    if (errno === ENOBUFS) return this.resume();
    if (errno === EINVAL && this.multishot && this.received === 0) {
      // The kernel does not know IORING_RECV_MULTISHOT: one SQE per chunk from now on.
      netFeatures(this.backend).multishotRecv = false;
      this.multishot = false;
      this.arm();
      return;
    }
    this.state = State.Failed;
    this.error = error;
    this.wake();
  }

  /** Receives again while the group has room, else waits for the consumer. */
  private resume(): void {
    if (this.queued <= this.group.count >>> 1) this.arm();
    else this.state = State.Paused;
  }

  /** Settles the pending reads with the end of the stream, once the queue is empty. */
  private wake(): void {
    if (this.queued > 0) return;
    for (let w = this.waiters.shift(); w; w = this.waiters.shift()) {
      if (this.state === State.Failed) w.reject(this.finish(this.error));
      else settleWith(w, this.finish(null));
    }
  }

  /** Reports the end to the owner once, and passes `result` through. */
  private finish<T>(result: T): T {
    const final = this.final;
    this.final = null;
    final?.(result);
    return result;
  }

  private release(): void {
    while (this.queued > 0) {
      this.group.give(this.bids[this.head]);
      this.head = (this.head + 1) % this.bids.length;
      this.queued--;
    }
    this.state = State.Stopped;
    bufferGroups(this.backend).release(this.group);
    for (let w = this.waiters.shift(); w; w = this.waiters.shift()) settleWith(w, null);
    this.stopped?.();
  }
}
