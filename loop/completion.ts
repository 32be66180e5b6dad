// Completion: the addon calls onComplete() once per batch of CQEs it copied into the shared
// Int32Array; each CQE settles its request (or counts toward it), then queued work moves in.
import { cancelNextInChain } from './cancellation';
import { ownerOf, type ChainFile } from './chain-file';
import type { ChainRun } from './chain-run';
import { continueChain, finishSilenced, quietCqe } from './chains';
import { drainQueue } from './drain-queue';
import { ECANCELED, ETIME, canceledByShutdown } from './errors';
import { close } from './ops/close';
import { outcomeOf, succeeded } from './outcome';
import {
  CQE_FLAGS,
  CQE_RES,
  CQE_SLOT,
  CQE_STRIDE,
  CQE_TAG,
  IORING_CQE_F_MORE,
  KIND_BITS,
  KIND_MAIN,
  KIND_TIMEOUT,
} from './protocol';
import { Request } from './request';
import type { UringBackend } from './uring-backend';

export function onComplete(b: UringBackend, count: number): void {
  const cqes = b.cqes;
  const slots = b.slots;
  for (let i = 0; i < count; i++) {
    const at = i * CQE_STRIDE;
    const tag = cqes[at + CQE_TAG];
    const req = slots.get(cqes[at + CQE_SLOT], tag >>> KIND_BITS);
    if (req === undefined) continue;
    const res = cqes[at + CQE_RES];
    switch (tag & ((1 << KIND_BITS) - 1)) {
      case KIND_MAIN:
        if (req.kind.multishot) {
          const flags = cqes[at + CQE_FLAGS];
          req.onCqe?.(res, flags);
          // More CQEs follow: the request keeps its slot and its SQE count.
          if (flags & IORING_CQE_F_MORE) continue;
        }
        if (req.chain !== null && req.chain.quietTo >= 0) quietCqe(b, req.chain, req);
        req.res = res;
        req.done = true;
        // The next linked op starts now (after a success, or whatever the outcome of a
        // hardlinked op): it gets its own cancel.
        if (req.chain?.aborted && (res >= 0 || req.hardlink)) cancelNextInChain(b, req);
        break;
      case KIND_TIMEOUT:
        if (res === ETIME) req.timedOut = true;
        break;
      default:
        break;
    }
    b.sqesInFlight--;
    if (--req.cqes === 0) finish(b, req);
  }
  if (b.silenced.length > 0) finishSilenced(b);
  if (b.queue.length > 0 || b.lateCancels.length > 0 || b.cancelAllDue) {
    drainQueue(b);
  }
}

export function finish(b: UringBackend, req: Request): void {
  if (req.slot >= 0) {
    b.slots.release(req.slot);
    req.slot = -1;
    b.inRing--;
  }
  b.sqesInFlight -= req.cqes;
  if (req.kind.waitsForPeer && req.sqes > 0) b.capacity--;
  req.cqes = 0;
  b.completed++;
  // A chain keeps the table slots it closed until it settles: a later segment of it then
  // finds the slot empty (EBADF, in order) rather than reused by another file.
  if (req.kind.directByIndex && req.file && req.res >= 0 && !req.chain) {
    releaseDirect(b, req.file);
  }
  const run = req.chain;
  if (run) {
    // A hardlinked open that failed keeps its slot until the chain settles: the ops linked
    // after it still name that slot.
    if (req.opens && !req.opens.open && req.opens.index >= 0 && req.res < 0 && !req.hardlink) {
      releaseDirect(b, req.opens);
    }
    if (req.index === run.staged - 1 && run.staged < run.reqs.length) {
      continueChain(b, run, req);
    }
    if (--run.remaining === 0) settleChain(b, run);
  } else {
    settle(b, req);
  }
  if (b.inRing === 0) {
    b.staging.releaseConsumed();
    if (b.drained) b.drained();
  }
}

function settle(b: UringBackend, req: Request): void {
  if (req.signal && req.onAbort) req.signal.removeEventListener('abort', req.onAbort);
  req.settled = true;
  if (b.closing && req.res === ECANCELED && !req.aborted && !req.timedOut) {
    req.reject?.(canceledByShutdown(req.kind.name, req.path));
    return;
  }
  const res = req.res;
  if (res >= 0 && req.kind.normalize === undefined) {
    req.resolve?.(req.kind.result(req, res));
    return;
  }
  const outcome = outcomeOf(req, false);
  if (outcome.ok) req.resolve?.(outcome.value);
  else req.reject?.(outcome.error);
}

export function settleChain(b: UringBackend, run: ChainRun): void {
  for (const req of run.reqs) {
    if (req.kind.directByIndex && req.file && req.res >= 0) releaseDirect(b, req.file);
    if (req.opens && !req.opens.open && req.opens.index >= 0 && req.res < 0) {
      releaseDirect(b, req.opens);
    }
  }
  // A failed chain must not leak the files it opened and did not close; it settles once they
  // are closed, as on the fs backend: when run() rejects, nothing it opened is open.
  let closing = 0;
  if (run.reqs.some((r) => !succeeded(r, true))) {
    const closed = (file: ChainFile) => {
      releaseDirect(b, file);
      if (--closing === 0) run.settle();
    };
    for (const req of run.reqs) {
      // Opened and not closed by a later op: its open succeeded (settling, still to come, is
      // what would mark it open) and nothing has closed it.
      const file = req.opens;
      if (!file || file.closed || !succeeded(req, true)) continue;
      file.open = false;
      file.closed = true;
      if (b.closed) {
        releaseDirect(b, file);
        continue;
      }
      const request = new Request(close, { fd: file });
      b.submitted++;
      closing++;
      request.resolve = () => closed(file);
      request.reject = () => closed(file);
      b.enqueue(request);
    }
  }
  if (closing === 0) run.settle();
}

export function releaseDirect(b: UringBackend, file: ChainFile): void {
  if (file.index >= 0 && ownerOf(file) === b) {
    b.directFree.push(file.index);
    file.index = -1;
    b.directFiles.delete(file);
  }
  file.open = false;
  file.closed = true;
}
