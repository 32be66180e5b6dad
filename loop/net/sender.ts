// Sends on a stream socket, one request at a time so bytes never interleave:
// writes made while a send is in flight are gathered into one sendmsg.
import { shortIoError } from '../errors';
import { send } from '../ops/send';
import { messageArgs, sendmsg } from '../ops/msg';
import { Request } from '../request';
import { abortRequest } from '../cancellation';
import type { UringBackend } from '../uring-backend';
import { byteLengthOf } from '../byte-length';

/** Most bytes and buffers one request carries (the kernel's MAX_RW_COUNT, IOV_MAX). */
const MAX_BYTES = 0x7ffff000;
const MAX_VIEWS = 1024;

interface Pending {
  view: ArrayBufferView;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const nothing = () => undefined;

export class Sender {
  private queue: Pending[] = [];
  private batch: Pending[] = [];
  private req: Request | null = null;
  private error: unknown = null;
  /** Set by abort(): the error in-flight and queued writes reject with. */
  private aborted: unknown = null;
  private idleWaiters: (() => void)[] = [];
  private readonly onSent = (bytes: unknown) => this.sent(bytes as number);
  private readonly onFail = (error: unknown) => this.failed(error);

  constructor(
    private readonly backend: UringBackend,
    private readonly fd: number,
  ) {}

  /** Queues `view`; resolves once every byte is in the kernel's socket buffer. */
  write(view: ArrayBufferView): Promise<void> {
    if (this.error) return Promise.reject(this.error);
    return new Promise<void>((resolve, reject) => {
      let start = 0;
      const size = byteLengthOf(view);
      // A view larger than one request takes several, in order.
      for (; size - start > MAX_BYTES; start += MAX_BYTES) {
        const piece = new Uint8Array(view.buffer, view.byteOffset + start, MAX_BYTES);
        this.queue.push({ view: piece, resolve: nothing, reject });
      }
      const rest =
        start === 0 ? view : new Uint8Array(view.buffer, view.byteOffset + start, size - start);
      this.queue.push({ view: rest, resolve, reject });
      if (!this.req) this.pump();
    });
  }

  /** Resolves once nothing is queued or in flight (whether the writes worked or not). */
  idle(): Promise<void> {
    if (!this.req && this.queue.length === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Fails queued writes and cancels the one in flight with `error`; resolves once the kernel is done. */
  abort(error: unknown): Promise<void> {
    if (!this.error) this.error = error;
    this.aborted = error;
    for (const p of this.queue) p.reject(error);
    this.queue.length = 0;
    if (this.req) abortRequest(this.backend, this.req);
    return this.idle();
  }

  // -------------------------------------------------------------------------

  private pump(): void {
    const queue = this.queue;
    let count = 0;
    let bytes = 0;
    while (count < queue.length && count < MAX_VIEWS) {
      const size = byteLengthOf(queue[count].view);
      if (count > 0 && bytes + size > MAX_BYTES) break;
      bytes += size;
      count++;
    }
    // The two arrays trade places, so a write allocates no array.
    const batch = this.batch;
    if (count === queue.length) {
      this.batch = queue;
      this.queue = batch;
    } else {
      for (let i = 0; i < count; i++) batch.push(queue[i]);
      queue.splice(0, count);
    }
    const req: Request<{ length: number }> =
      count === 1
        ? new Request(send, { fd: this.fd, buffer: this.batch[0].view, offset: 0, length: bytes })
        : new Request(
            sendmsg,
            messageArgs(
              this.fd,
              this.batch.map((p) => p.view),
              bytes,
            ),
          );
    this.req = req;
    this.backend.run(req).then(this.onSent, this.onFail);
  }

  private sent(bytes: number): void {
    const req = this.req as Request;
    // A cancelled send reports the bytes it got out before it stopped.
    const length = (req.args as { length: number }).length;
    if (bytes < length) return this.failed(shortIoError(req.kind.name, bytes, length));
    const batch = this.batch;
    this.req = null;
    for (let i = 0; i < batch.length; i++) batch[i].resolve();
    batch.length = 0;
    if (this.queue.length > 0) this.pump();
    else this.settleIdle();
  }

  private failed(error: unknown): void {
    const reason = this.aborted ?? error;
    if (!this.error) this.error = reason;
    const failed = this.batch.concat(this.queue);
    this.batch.length = 0;
    this.queue.length = 0;
    this.req = null;
    for (const p of failed) p.reject(reason);
    this.settleIdle();
  }

  private settleIdle(): void {
    const waiters = this.idleWaiters;
    if (waiters.length === 0) return;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
