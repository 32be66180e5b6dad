// Chains on the ring: a chain goes in as linked segments (OpKind.failKeepsLink ends one unless
// the op is hardlinked), and a segment whose ops know their success result in advance posts a
// single CQE (IOSQE_CQE_SKIP_SUCCESS on every op but its last).
import { setOwner } from './chain-file';
import type { ChainRun } from './chain-run';
import { finish, releaseDirect, settleChain } from './completion';
import { EBADF, ECANCELED, EMFILE } from './errors';
import { succeeded } from './outcome';
import type { Request } from './request';
import type { UringBackend } from './uring-backend';

/** Ops [from, to] of a quiet segment whose op `from - 1` failed: the kernel posts nothing for them. */
export interface Silenced {
  run: ChainRun;
  from: number;
  to: number;
}

/**
 * Stages the chain's next segment as one linked group: its ops up to the first one whose
 * failure the kernel does not turn into ECANCELED for the rest (OpKind.failKeepsLink), or to
 * the end; what follows goes in once that op succeeded. A hardlinked op does not end a
 * segment: the next op runs whatever its outcome, which is what the kernel does after it.
 * False if it has to wait for room.
 */
export function stageChain(b: UringBackend, run: ChainRun): boolean {
  const first = run.staged;
  const lastOp = run.reqs.length - 1;
  let end = first;
  while (end < lastOp && !(run.reqs[end].kind.failKeepsLink && !run.reqs[end].hardlink)) end++;
  // A ChainFile released while the chain ran (ring.close() of it between two segments): its
  // table slot may belong to another file by now, so the op must not reach the kernel. A file
  // this chain opens has no slot before the first segment is staged, and is not closed.
  for (let i = first; i <= end; i++) {
    const file = run.reqs[i].file;
    if (!file || file.index >= 0 || !file.closed) continue;
    if (i > first) {
      end = i - 1;
      break;
    }
    const req = run.reqs[i];
    req.res = EBADF;
    run.staged = i + 1;
    run.remaining--;
    b.completed++;
    if (run.remaining === 0) {
      settleChain(b, run);
      return true;
    }
    // After a hardlinked op the next one runs anyway, as in the kernel.
    if (req.hardlink) return stageChain(b, run);
    cancelUnstaged(b, run);
    if (run.remaining === 0) settleChain(b, run);
    return true;
  }
  let sqes = 0;
  for (let i = first; i <= end; i++) sqes += run.reqs[i].timeout > 0 ? 2 : 1;
  const at = b.reserve(sqes);
  if (at < 0) return false;
  if (!run.picked) {
    run.picked = true;
    // Direct descriptors for the chain's opens are picked before anything is staged.
    for (const req of run.reqs) {
      if (!req.opens) continue;
      const index = b.directFree.pop();
      if (index === undefined) {
        for (const other of run.reqs)
          if (other.opens && other.opens.index >= 0) releaseDirect(b, other.opens);
        // Give back the entries reserved for it: nothing was written there.
        b.staging.unreserve(sqes);
        failUnstagedChain(b, run, EMFILE);
        return true;
      }
      req.opens.index = index;
      setOwner(req.opens, b);
      b.directFiles.add(req.opens);
    }
  }
  run.waiting = false;
  run.segment = first;
  run.staged = end + 1;
  const quiet = quietSegment(b, run, first, end);
  run.quietFrom = quiet ? first : -1;
  run.quietTo = quiet ? end : -1;
  let next = at;
  for (let i = first; i <= end; i++) {
    next = b.stage(run.reqs[i], i < end, next, i === first ? sqes : 0, quiet && i < end);
  }
  return true;
}

/**
 * Whether the segment [first, end] goes in with IOSQE_CQE_SKIP_SUCCESS on every op but its
 * last: then it ends in one CQE, the last op's or the first failure's, reaped in one
 * completion batch instead of one per op. Only when every op but the last knows its success
 * result in advance (OpKind.quietResult), and never with timeouts or an AbortSignal: those
 * need each op's own CQE to tell which one the cancel hit. Never with a hardlinked op before
 * the last either: its result (a short read) is not known in advance, and if a quiet op
 * before it failed the kernel would post no CQE for it, which the addon counted as pending.
 */
function quietSegment(b: UringBackend, run: ChainRun, first: number, end: number): boolean {
  if (!b.cqeSkip || end === first || run.signal !== undefined) return false;
  for (let i = first; i <= end; i++) {
    const req = run.reqs[i];
    if (req.timeout > 0) return false;
    if (i < end && req.hardlink) return false;
    if (i < end && (req.kind.quietResult === undefined || req.kind.quietResult(req) < 0)) {
      return false;
    }
  }
  return true;
}

/**
 * The CQE of an op of a quiet segment: the ops before it ran and succeeded. If it is not the
 * segment's last op it failed, and the kernel posts nothing for the ops after it: they are
 * completed with ECANCELED after this batch of CQEs (a group the addon refused still gets a
 * CQE for each of its ops, with its own error, within the same batch).
 */
export function quietCqe(b: UringBackend, run: ChainRun, req: Request): void {
  const from = run.quietFrom;
  const to = run.quietTo;
  if (req.index < from || req.index > to) return;
  run.quietFrom = run.quietTo = -1;
  for (let i = from; i < req.index; i++) {
    const done = run.reqs[i];
    if (!done.done && done.slot >= 0) {
      completeQuiet(b, done, (done.kind.quietResult as (r: Request) => number)(done));
    }
  }
  if (req.index < to) b.silenced.push({ run, from: req.index + 1, to });
}

/** Completes an op whose CQE the kernel skipped, with the result it implied. */
function completeQuiet(b: UringBackend, req: Request, res: number): void {
  b.cqesSkipped++;
  req.res = res;
  req.done = true;
  b.sqesInFlight--;
  if (--req.cqes === 0) finish(b, req);
}

export function finishSilenced(b: UringBackend): void {
  for (const { run, from, to } of b.silenced.splice(0)) {
    for (let i = from; i <= to; i++) {
      const req = run.reqs[i];
      if (!req.done && req.slot >= 0) completeQuiet(b, req, ECANCELED);
    }
  }
}

/** The segment ending with `req` is done: stage the next one, or cancel the rest. */
export function continueChain(b: UringBackend, run: ChainRun, req: Request): void {
  if (run.aborted || b.closing || linkBroken(run, req.index)) {
    cancelUnstaged(b, run);
  } else if (b.queue.length > 0 || !stageChain(b, run)) {
    run.waiting = true;
    b.queue.push(run);
  }
}

/**
 * Whether the kernel stopped the segment that ends at `last`: one of its ops failed and was
 * not hardlinked (a failure cancels every op linked after it, hardlinked or not; a hardlinked
 * op's own failure or short result lets the next one run).
 */
function linkBroken(run: ChainRun, last: number): boolean {
  for (let i = run.segment; i <= last; i++) {
    const req = run.reqs[i];
    if (!req.hardlink && !succeeded(req, true)) return true;
  }
  return false;
}

/** Ops of a chain that never reached the kernel complete with ECANCELED. */
export function cancelUnstaged(b: UringBackend, run: ChainRun): void {
  for (let j = run.staged; j < run.reqs.length; j++) {
    run.reqs[j].res = ECANCELED;
    run.remaining--;
    b.completed++;
  }
  run.staged = run.reqs.length;
}

function failUnstagedChain(b: UringBackend, run: ChainRun, errno: number): void {
  for (const req of run.reqs) req.res = ECANCELED;
  const first = run.reqs.find((r) => r.opens) ?? run.reqs[0];
  first.res = errno;
  b.completed += run.reqs.length;
  run.remaining = 0;
  run.settle();
}
