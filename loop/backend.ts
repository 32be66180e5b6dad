// The contract both backends fulfil; api/ talks only to this.
import type { OpKind, Request } from './request';

export interface RingStats {
  backend: 'io_uring' | 'fs';
  /** Ops accepted (single ops and every op of a chain). */
  submitted: number;
  /** Ops settled. */
  completed: number;
  /** Ops handed to the kernel (or to node:fs) and not yet settled. */
  inFlight: number;
  /** Ops waiting in JS for ring capacity. */
  queued: number;
  /** io_uring_enter calls that submitted SQEs. */
  submitCalls: number;
  /** SQEs submitted (ops, linked timeouts, cancels). */
  sqesSubmitted: number;
  /** CQEs reaped. */
  cqesReaped: number;
  /**
   * CQEs the kernel did not post: chain ops sent with IOSQE_CQE_SKIP_SUCCESS, whose results the
   * next op's CQE implied. sqesSubmitted = cqesReaped + cqesSkipped once the ring is idle.
   */
  cqesSkipped: number;
  /** Completion batches delivered to JS. */
  harvests: number;
  /** Every io_uring_enter made by the addon. */
  enterCalls: number;
  /** Transient submit failures (EAGAIN/ENOMEM/EBUSY) that were retried. */
  submitRetries: number;
}

export interface Backend {
  readonly name: 'io_uring' | 'fs';
  /** SQEs a chain may use at most (the SQ size). */
  readonly maxChainSqes: number;
  readonly closed: boolean;
  run(req: Request): Promise<unknown>;
  runChain(reqs: Request[], signal: AbortSignal | undefined): Promise<unknown[]>;
  supports(kind: OpKind): boolean;
  stats(): RingStats;
  shutdown(): Promise<void>;
}
