// One chain in flight: settles once every op has its outcome.
import { AbortError, ChainError, type SettledResult } from './errors';
import { outcomeOf, succeeded } from './outcome';
import type { Request } from './request';

export class ChainRun {
  remaining: number;
  /** Ops handed to the kernel so far: a chain goes in segments (see OpKind.failKeepsLink). */
  staged = 0;
  /** First op of the segment staged last. */
  segment = 0;
  /** Direct descriptors for the chain's opens have been picked (when its first op is staged). */
  picked = false;
  /** Between two segments, waiting in the queue for ring space. */
  waiting = false;
  aborted = false;
  dropped = false;
  /**
   * The staged segment's ops [quietFrom, quietTo) went in with IOSQE_CQE_SKIP_SUCCESS and op
   * quietTo is its last; -1 when the segment posts a CQE per op.
   */
  quietFrom = -1;
  quietTo = -1;
  onAbort: (() => void) | undefined = undefined;
  resolve: ((values: unknown[]) => void) | undefined = undefined;
  reject: ((reason: unknown) => void) | undefined = undefined;
  /** SQEs the chain needs: one per op plus one per linked timeout. */
  readonly sqes: number;

  constructor(
    readonly reqs: Request[],
    readonly signal: AbortSignal | undefined,
  ) {
    this.remaining = reqs.length;
    let sqes = 0;
    for (let index = 0; index < reqs.length; index++) {
      const req = reqs[index];
      req.chain = this;
      req.index = index;
      sqes += req.timeout > 0 ? 2 : 1;
    }
    this.sqes = sqes;
  }

  /** Settles the chain's promise from its requests' results. */
  settle(): void {
    const reqs = this.reqs;
    let ok = true;
    for (let i = 0; i < reqs.length && ok; i++) ok = succeeded(reqs[i], true);
    if (ok) {
      // The common case, with no settled-result objects to build.
      if (this.signal && this.onAbort) this.signal.removeEventListener('abort', this.onAbort);
      const values = new Array<unknown>(reqs.length);
      for (let i = 0; i < reqs.length; i++) {
        values[i] = (outcomeOf(reqs[i], true) as { value: unknown }).value;
      }
      this.resolve?.(values);
      return;
    }
    const results: SettledResult[] = [];
    let failed = -1;
    let cause: unknown;
    // The cause is the first failure that is not just "cancelled because an
    // earlier link failed"; a group refused before reaching the kernel has
    // cancelled ops before its failing one.
    let canceledOnly = true;
    for (const req of this.reqs) {
      const outcome = outcomeOf(req, true);
      if (outcome.ok) {
        results.push({ status: 'fulfilled', value: outcome.value });
      } else {
        results.push({ status: 'rejected', reason: outcome.error });
        const canceled = (outcome.error as { code?: unknown }).code === 'ECANCELED';
        if (failed < 0 || (canceledOnly && !canceled)) {
          failed = req.index;
          cause = outcome.error;
          canceledOnly = canceled;
        }
      }
    }
    if (this.signal && this.onAbort) this.signal.removeEventListener('abort', this.onAbort);
    if (failed < 0) {
      this.resolve?.(results.map((r) => (r as { value: unknown }).value));
    } else if (this.aborted && !(cause instanceof AbortError) && this.signal?.aborted) {
      this.reject?.(new AbortError(undefined, { cause: this.signal.reason }));
    } else if (cause instanceof AbortError) {
      this.reject?.(cause);
    } else {
      this.reject?.(new ChainError(failed, cause, results));
    }
  }
}
