// Cancellation: an AbortSignal, a chain's abort or shutdown stages IORING_OP_ASYNC_CANCEL for
// what is in the kernel; what is still queued in JS is dropped without reaching it.
import type { ChainRun } from './chain-run';
import { cancelUnstaged } from './chains';
import { settleChain } from './completion';
import { AbortError, ECANCELED } from './errors';
import {
  IORING_ASYNC_CANCEL_ANY,
  KIND_BITS,
  KIND_CANCEL,
  KIND_MAIN,
  Opcode,
  P_OP_FLAGS,
  P_X1,
  P_X2,
} from './protocol';
import type { Request } from './request';
import type { UringBackend } from './uring-backend';

/** Cancels one request; also used by loop/net to stop a socket op it owns without a signal. */
export function abortRequest(b: UringBackend, req: Request): void {
  if (req.settled) return;
  if (req.slot < 0) {
    // Still queued in JS: it never reached the kernel.
    req.dropped = true;
    req.settled = true;
    b.completed++;
    req.reject?.(new AbortError(undefined, { cause: req.signal?.reason }));
    return;
  }
  req.aborted = true;
  cancel(b, req);
}

export function abortChain(b: UringBackend, run: ChainRun): void {
  if (run.remaining === 0) return;
  run.aborted = true;
  for (const req of run.reqs) req.aborted = true;
  if (run.waiting) {
    // Between two segments: nothing is in the kernel, the rest never gets there.
    run.dropped = true;
    run.waiting = false;
    cancelUnstaged(b, run);
    settleChain(b, run);
    return;
  }
  if (run.staged === 0) {
    // Queued, never staged.
    run.dropped = true;
    for (const req of run.reqs) req.res = ECANCELED;
    // Never reached the kernel: release the descriptors picked for it, if any.
    b.completed += run.reqs.length;
    run.remaining = 0;
    run.settle();
    return;
  }
  for (const req of run.reqs) if (req.slot >= 0 && !req.done) cancel(b, req);
}

/** A linked request that started after our cancel looked for it gets its own cancel. */
export function cancelNextInChain(b: UringBackend, req: Request): void {
  const next = req.chain?.reqs[req.index + 1];
  if (next && next.slot >= 0 && !next.done) cancel(b, next);
}

function cancel(b: UringBackend, req: Request): void {
  if (b.lateCancels.length > 0 || !stageCancel(b, req)) {
    b.lateCancels.push(req);
    b.retrySoon();
  }
}

function cancelAllFill(p: Float64Array): void {
  p[P_OP_FLAGS] = IORING_ASYNC_CANCEL_ANY;
}

/** Stages one ASYNC_CANCEL for every request in the ring; false if the staging area is full. */
export function stageCancelAll(b: UringBackend): boolean {
  const at = b.staging.takeEntry();
  if (at < 0) return false;
  // Its own CQE has no request: user_data all ones matches no slot.
  b.staging.writeOwn(at, Opcode.ASYNC_CANCEL, cancelAllFill, undefined, -1 >>> 0, -1 >>> 0, 0, 1);
  return true;
}

/** The target of a cancel: the user_data of the request's main SQE. */
function cancelFill(p: Float64Array, req: Request): void {
  p[P_X1] = req.slot;
  p[P_X2] = (req.gen << KIND_BITS) | KIND_MAIN;
}

/** Stages ASYNC_CANCEL for `req`'s main SQE; false if the staging area is full. */
export function stageCancel(b: UringBackend, req: Request): boolean {
  const at = b.staging.takeEntry();
  if (at < 0) return false;
  b.staging.writeOwn(
    at,
    Opcode.ASYNC_CANCEL,
    cancelFill,
    req,
    req.slot,
    (req.gen << KIND_BITS) | KIND_CANCEL,
    0,
    1,
  );
  req.cqes++;
  req.sqes++;
  b.sqesInFlight++;
  return true;
}
