// Accepts connections on a listening socket with multishot accept where the
// kernel has it. Accepted fds wait in a queue until taken; when `limit` of them
// are waiting, accepting pauses (the kernel's listen backlog holds the rest)
// and resumes once the queue is half empty.
import { EINVAL } from '../errors';
import { Deque } from '../deque';
import { accept, acceptMultishot } from '../ops/accept';
import { Request } from '../request';
import { abortRequest } from '../cancellation';
import type { UringBackend } from '../uring-backend';
import { netFeatures } from './features';
import { ECONNABORTED, EMFILE, ENFILE, ENOBUFS, ENOMEM, errnoOf } from './net-errors';

/** Out of fds or memory: try again a little later rather than give up on the server. */
const RETRY_MS = 50;
const TRANSIENT = new Set([EMFILE, ENFILE, ENOBUFS, ENOMEM]);

interface Waiter {
  resolve: (fd: number | null) => void;
  reject: (error: unknown) => void;
}

export class Acceptor {
  private readonly fds = new Deque<number>();
  private req: Request | null = null;
  private multishot: boolean;
  private accepted = 0;
  private paused = false;
  /** The running multishot accept is being cancelled because the queue is full. */
  private pausing = false;
  private retry: NodeJS.Timeout | undefined;
  private error: unknown = null;
  private done = false;
  /** Callers of next() waiting for a connection, oldest first. */
  private readonly waiters = new Deque<Waiter>();
  private stopped: ((fds: number[]) => void) | null = null;
  private stopPromise: Promise<number[]> | null = null;
  private readonly onCqe = (res: number) => this.deliver(res);
  private readonly onEnd = (fd: unknown) => this.ended(fd as number);
  private readonly onFail = (error: unknown) => this.failed(error);

  constructor(
    private readonly backend: UringBackend,
    private readonly fd: number,
    private readonly limit: number,
  ) {
    this.multishot = netFeatures(backend).multishotAccept;
    this.arm();
  }

  /** The next accepted fd, or null once stopped. Rejects if accepting failed for good. */
  next(): Promise<number | null> {
    const fd = this.fds.shift();
    if (fd !== undefined) {
      if (this.paused && this.fds.length <= this.limit >>> 1) this.arm();
      return Promise.resolve(fd);
    }
    if (this.error) return Promise.reject(this.error);
    if (this.done) return Promise.resolve(null);
    return new Promise<number | null>((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Stops accepting; resolves with the fds accepted but never taken (the caller closes them). */
  stop(): Promise<number[]> {
    this.stopPromise ??= new Promise<number[]>((resolve) => {
      this.stopped = resolve;
      clearTimeout(this.retry);
      if (this.req) abortRequest(this.backend, this.req);
      else this.finishStop();
    });
    return this.stopPromise;
  }

  // -------------------------------------------------------------------------

  private arm(): void {
    this.paused = false;
    const req = new Request(this.multishot ? acceptMultishot : accept, { fd: this.fd });
    req.onCqe = this.onCqe;
    this.req = req;
    this.accepted = 0;
    this.backend.run(req).then(this.onEnd, this.onFail);
  }

  private deliver(res: number): void {
    if (res < 0) return;
    this.accepted++;
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter.resolve(res);
    } else {
      this.fds.push(res);
      if (this.fds.length >= this.limit && this.req && !this.pausing) {
        this.pausing = true;
        abortRequest(this.backend, this.req);
      }
    }
  }

  /** A request ended with a connection (single-shot, or multishot ended by CQ overflow). */
  private ended(fd: number): void {
    // A multishot request handed its last fd to onCqe already; a single one only resolves.
    if (!this.req?.kind.multishot) this.deliver(fd);
    this.req = null;
    this.pausing = false;
    if (this.stopped) return this.finishStop();
    this.again();
  }

  private failed(error: unknown): void {
    this.req = null;
    if (this.stopped) return this.finishStop();
    if (this.pausing) {
      this.pausing = false;
      return this.again();
    }
    const errno = errnoOf(error);
    if (errno === EINVAL && this.multishot && this.accepted === 0) {
      // The kernel does not know IORING_ACCEPT_MULTISHOT.
      netFeatures(this.backend).multishotAccept = false;
      this.multishot = false;
      return this.arm();
    }
    if (errno === ECONNABORTED) return this.again();
    if (TRANSIENT.has(errno)) {
      this.retry = setTimeout(() => this.again(), RETRY_MS);
      return;
    }
    this.error = error;
    this.done = true;
    for (let w = this.waiters.shift(); w; w = this.waiters.shift()) w.reject(error);
  }

  private again(): void {
    if (this.stopped) return;
    if (this.fds.length >= this.limit) this.paused = true;
    else this.arm();
  }

  private finishStop(): void {
    this.done = true;
    const fds: number[] = [];
    for (let fd = this.fds.shift(); fd !== undefined; fd = this.fds.shift()) fds.push(fd);
    for (let w = this.waiters.shift(); w; w = this.waiters.shift()) w.resolve(null);
    this.stopped?.(fds);
  }
}
