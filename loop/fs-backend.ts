// The node:fs backend: the same contract where io_uring cannot be used. Chains
// run sequentially; a failure cancels the rest with ECANCELED, like linked SQEs,
// except the failure (or short I/O) of a hardlinked op, after which the next op runs.
import * as fs from 'node:fs';
import type { Backend, RingStats } from './backend';
import type { ChainFile } from './chain-file';
import { ChainRun } from './chain-run';
import { AbortError, ECANCELED, ETIMEDOUT, closedError } from './errors';
import { outcomeOf } from './outcome';
import type { OpKind, Request } from './request';

/** Chains on this backend have no SQ; this bound mirrors a default ring. */
const MAX_CHAIN = 4096;

export class FsBackend implements Backend {
  readonly name = 'fs' as const;
  readonly maxChainSqes: number;
  closed = false;
  private submitted = 0;
  private completed = 0;
  /** Running requests, each with the function that settles it early. */
  private readonly live = new Map<Request, (res: number) => void>();
  /** Files chains opened and left open: shutdown() closes them, as a ring's exit does. */
  private readonly chainFiles = new Set<ChainFile>();
  private idle: (() => void) | undefined;

  constructor(entries = MAX_CHAIN) {
    this.maxChainSqes = entries;
  }

  supports(_kind: OpKind): boolean {
    return true;
  }

  async run(req: Request): Promise<unknown> {
    if (this.closed) throw closedError();
    if (req.signal?.aborted) throw new AbortError(undefined, { cause: req.signal.reason });
    this.submitted++;
    try {
      await this.execute(req);
    } finally {
      this.completed++;
    }
    const outcome = outcomeOf(req, false);
    if (outcome.ok) return outcome.value;
    throw outcome.error;
  }

  async runChain(reqs: Request[], signal: AbortSignal | undefined): Promise<unknown[]> {
    if (this.closed) throw closedError();
    if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
    if (reqs.length === 0) return [];
    const run = new ChainRun(reqs, signal);
    if (run.sqes > this.maxChainSqes) {
      throw new RangeError(
        `a chain of ${reqs.length} ops needs ${run.sqes} SQEs but the ring has ${this.maxChainSqes}`,
      );
    }
    this.submitted += reqs.length;
    const promise = new Promise<unknown[]>((resolve, reject) => {
      run.resolve = resolve;
      run.reject = reject;
    });
    let failed = false;
    let broken = false;
    for (const req of reqs) {
      if (broken || this.closed) {
        req.res = ECANCELED;
        failed = true;
      } else {
        req.signal = signal;
        await this.execute(req);
        const outcome = outcomeOf(req, true);
        if (!outcome.ok) {
          failed = true;
          // An abort stops the chain even after a hardlinked op, as on the ring, where
          // the next op starts only to be cancelled.
          if (!req.hardlink || req.aborted) broken = true;
        }
      }
      this.completed++;
    }
    // A failed chain must not leak the files it opened and did not close.
    if (failed) await this.closeOpened(reqs);
    for (const req of reqs) if (req.opens?.open) this.chainFiles.add(req.opens);
    run.remaining = 0;
    run.settle();
    return promise;
  }

  stats(): RingStats {
    return {
      backend: 'fs',
      submitted: this.submitted,
      completed: this.completed,
      inFlight: this.live.size,
      queued: 0,
      submitCalls: 0,
      sqesSubmitted: 0,
      cqesReaped: 0,
      cqesSkipped: 0,
      harvests: 0,
      enterCalls: 0,
      submitRetries: 0,
    };
  }

  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Like the ring's cancel-all: every running op settles now with ECANCELED, but a close,
    // which is waited for (as a close the kernel already runs completes).
    for (const [req, done] of [...this.live]) {
      req.shutdown = true;
      if (!req.kind.fsRunsToEnd) done(ECANCELED);
    }
    if (this.live.size > 0) await new Promise<void>((resolve) => (this.idle = resolve));
    await this.closeFiles([...this.chainFiles]);
    this.chainFiles.clear();
  }

  /**
   * Runs one request to its result. An abort or a timeout settles it at once
   * with ECANCELED; node:fs cannot stop the underlying call, whose result is
   * then ignored (its buffers stay referenced by that call until it returns).
   * An op that runs to its end (close) keeps waiting for that result.
   */
  private execute(req: Request): Promise<void> {
    return new Promise<void>((resolve) => {
      let finished = false;
      let timer: NodeJS.Timeout | undefined;
      const done = (res: number) => {
        if (finished) return;
        finished = true;
        req.res = res;
        if (timer) clearTimeout(timer);
        if (req.signal && req.onAbort) req.signal.removeEventListener('abort', req.onAbort);
        if (res === ECANCELED) req.kind.fsCancel?.(req);
        if (req.kind.directByIndex && req.file && res >= 0) this.chainFiles.delete(req.file);
        this.live.delete(req);
        if (this.idle && this.live.size === 0) this.idle();
        resolve();
      };
      this.live.set(req, done);
      const cutShort = req.kind.fsRunsToEnd ? () => undefined : () => done(ECANCELED);
      if (req.timeout > 0) {
        timer = setTimeout(() => {
          req.timedOut = true;
          cutShort();
        }, req.timeout);
      }
      if (req.signal) {
        if (req.signal.aborted) {
          req.aborted = true;
          done(ECANCELED);
          return;
        }
        req.onAbort = () => {
          req.aborted = true;
          cutShort();
        };
        req.signal.addEventListener('abort', req.onAbort, { once: true });
      }
      req.kind.fs(req).then(
        (res) => done(res),
        (err: { errno?: number }) => done(typeof err?.errno === 'number' ? err.errno : -ETIMEDOUT),
      );
    });
  }

  private closeOpened(reqs: Request[]): Promise<void> {
    return this.closeFiles(reqs.map((req) => req.opens).filter((f) => f !== null));
  }

  private async closeFiles(files: ChainFile[]): Promise<void> {
    for (const file of files) {
      if (!file.open || file.fd < 0) continue;
      file.open = false;
      file.closed = true;
      const fd = file.fd;
      file.fd = -1;
      await new Promise<void>((resolve) => fs.close(fd, () => resolve()));
    }
  }
}
