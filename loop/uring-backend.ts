// The io_uring scheduler: slots, staging, back-pressure, chains, cancellation,
// timeouts, completion dispatch and shutdown. Ops are written into a shared
// staging area; the addon turns them into SQEs after each completion batch and
// before libuv blocks.
import type { Backend, RingStats } from './backend';
import { loadAddon, type NativeRing, type NativeRingInfo } from './binding';
import type { ChainFile } from './chain-file';
import { ChainRun } from './chain-run';
import { Deque } from './deque';
import {
  AbortError,
  EBADF,
  ECANCELED,
  EMFILE,
  ENOSYS,
  ETIME,
  canceledByShutdown,
  closedError,
  codedError,
  credentialsChangedError,
  errnoError,
} from './errors';
import { CredentialGuard } from './credentials';
import * as ops from './ops';
import { outcomeOf } from './outcome';
import {
  COUNTER_COUNT,
  CQE_FLAGS,
  CQE_RES,
  CQE_SLOT,
  CQE_STRIDE,
  CQE_TAG,
  C_CQES_REAPED,
  C_ENTER_CALLS,
  C_HARVESTS,
  C_SQES_SUBMITTED,
  C_SUBMIT_CALLS,
  C_ENTRIES_STAGED,
  C_ENTRIES_TAKEN,
  C_REFED,
  C_SUBMIT_RETRIES,
  IORING_ASYNC_CANCEL_ANY,
  IORING_CQE_F_MORE,
  IORING_FEAT_CQE_SKIP,
  IOSQE_ASYNC,
  IOSQE_CQE_SKIP_SUCCESS,
  IOSQE_FIXED_FILE,
  IOSQE_IO_LINK,
  KIND_BITS,
  KIND_CANCEL,
  KIND_MAIN,
  KIND_TIMEOUT,
  Opcode,
  PARAM_COUNT,
  P_GROUP,
  P_OPCODE,
  P_OP_FLAGS,
  P_SLOT,
  P_SQE_FLAGS,
  P_TAG,
  P_X1,
  P_X2,
} from './protocol';
import { Request, type OpKind } from './request';
import { SlotTable } from './slots';

export interface UringOptions {
  entries: number;
  cqEntries?: number;
  sqpoll?: boolean;
  sqpollIdleMs?: number;
  /** IORING_SETUP_DEFER_TASKRUN instead of COOP_TASKRUN. */
  deferTaskrun?: boolean;
  directFiles: number;
}

/** Staging-area entries beyond the CQ capacity, for cancels of in-flight work. */
const STAGE_SLACK = 64;

/** How long shutdown() waits for cancelled requests before giving up on them. */
const SHUTDOWN_WAIT_MS = 2000;

/**
 * How long requests may be in the kernel with no completion at all before the ring nudges the
 * kernel's io-wq workers (doubling after each nudge, up to the maximum). See stallCheck().
 */
const STALL_FIRST_MS = 1000;
const STALL_MAX_MS = 64_000;

/** Memory of requests abandoned at shutdown: the kernel may still touch it, so it is never freed. */
const abandoned: Request[] = [];

type Item = Request | ChainRun;

export class UringBackend implements Backend {
  readonly name = 'io_uring' as const;
  readonly info: NativeRingInfo;
  readonly maxChainSqes: number;
  closed = false;

  /** @internal the addon's ring: loop/net registers provided-buffer rings on it. */
  readonly native: NativeRing;
  /**
   * The staging area: ops are written here and the addon turns them into
   * SQEs at each flush (after a completion batch, before libuv blocks, or
   * when the area is full), so staging costs no call into the addon.
   */
  private readonly area: Float64Array;
  /** Per entry: the two objects the kernel will touch (buffers, paths, iovecs). */
  private readonly objs: unknown[];
  /** One view per entry, so an op's fill() writes its own fields at index 0. */
  private readonly entries: Float64Array[];
  private readonly stageCapacity: number;
  /** Cancels that found the area full; staged before anything else. */
  private readonly lateCancels: Request[] = [];
  /** shutdown()'s cancel-all found no room in the staging area: drainQueue() stages it. */
  private cancelAllDue = false;
  /** The kernel honours IOSQE_CQE_SKIP_SUCCESS: chain segments post one CQE (see stageChain()). */
  private readonly cqeSkip: boolean;
  /**
   * Quiet segments whose op `from - 1` failed: the kernel posts nothing for ops [from, to],
   * which complete with ECANCELED once the current batch of CQEs has been read.
   */
  private readonly silenced: { run: ChainRun; from: number; to: number }[] = [];
  /** Opcodes this kernel runs, indexed by opcode. */
  private readonly opcodeOk = new Uint8Array(256);
  private readonly cqes: Int32Array;
  private readonly counters = new Float64Array(new ArrayBuffer(COUNTER_COUNT * 8));
  private readonly slots: SlotTable<Request>;
  private readonly queue = new Deque<Item>();
  private readonly directFree: number[] = [];
  /** Files holding a slot of the direct-descriptor table: closed for good at shutdown. */
  private readonly directFiles = new Set<ChainFile>();
  /** Retries queued work when a flush failed with nothing in flight to complete. */
  private drainTimer: NodeJS.Timeout | undefined;
  private readonly credentials: CredentialGuard;
  /** SQEs staged or in flight: capped at the CQ size so the CQ cannot overflow. */
  private sqesInFlight = 0;
  /** The cap: the CQ size, plus one per op waiting on a peer (OpKind.waitsForPeer). */
  private capacity: number;
  private submitted = 0;
  private completed = 0;
  private cqesSkipped = 0;
  private inRing = 0;
  private closing = false;
  private drained: (() => void) | undefined;
  private readonly stallTimer: NodeJS.Timeout;
  private stallReaped = -1;
  private stallWait = STALL_FIRST_MS;
  private stallIdle = 0;
  /** io-wq nudges sent (see stallCheck()). */
  stallNudges = 0;
  private shutdownPromise: Promise<void> | undefined;

  constructor(options: UringOptions) {
    const addon = loadAddon();
    if (!addon) throw new Error('the uring-loop addon is not available');
    this.credentials = new CredentialGuard(options.sqpoll === true);
    // Sized for a full CQ; the addon splits larger harvests into several calls.
    const cqHint = Math.max(options.cqEntries ?? 0, options.entries * 2, 8);
    this.cqes = new Int32Array(new ArrayBuffer(cqHint * CQE_STRIDE * 4));
    // The CQ caps what is staged or in flight, so the area only overflows when
    // submits keep failing; it is sized before the ring reports its real CQ size.
    this.stageCapacity = Math.max(cqHint, options.cqEntries ?? 0) * 2 + STAGE_SLACK;
    this.area = new Float64Array(new ArrayBuffer(this.stageCapacity * PARAM_COUNT * 8));
    this.objs = new Array<unknown>(this.stageCapacity * 2).fill(undefined);
    this.entries = [];
    for (let i = 0; i < this.stageCapacity; i++) {
      this.entries.push(this.area.subarray(i * PARAM_COUNT, (i + 1) * PARAM_COUNT));
    }
    const native = addon.NativeRing.open(
      {
        entries: options.entries,
        cqEntries: options.cqEntries,
        sqpoll: options.sqpoll,
        sqpollIdleMs: options.sqpollIdleMs,
        deferTaskrun: options.deferTaskrun,
        directFiles: options.directFiles,
      },
      (count) => this.onComplete(count),
      this.area,
      this.objs,
      this.cqes,
      this.counters,
    );
    if (typeof native === 'number') throw errnoError(native, 'io_uring_setup');
    this.native = native;
    const info = native.info();
    if (typeof info === 'number') throw errnoError(info, 'io_uring_setup');
    this.info = info;
    this.maxChainSqes = this.info.sqEntries;
    this.capacity = this.info.cqEntries;
    this.cqeSkip = (this.info.features & IORING_FEAT_CQE_SKIP) !== 0;
    this.slots = new SlotTable<Request>(Math.max(16, this.capacity));
    for (const op of this.info.opcodes) if (op < 256) this.opcodeOk[op] = 1;
    for (let i = this.info.directFiles - 1; i >= 0; i--) this.directFree.push(i);
    this.stallTimer = setInterval(() => this.stallCheck(), STALL_FIRST_MS);
    this.stallTimer.unref();
  }

  supports(kind: OpKind): boolean {
    return this.opcodeOk[kind.opcode] === 1;
  }

  run(req: Request): Promise<unknown> {
    if (this.closing) return Promise.reject(closedError());
    if (this.credentials.changed(this.stagedWaiting() === 0)) {
      return Promise.reject(credentialsChangedError(req.kind.name, req.path));
    }
    const signal = req.signal;
    if (signal?.aborted) return Promise.reject(new AbortError(undefined, { cause: signal.reason }));
    if (!this.supports(req.kind) || (req.timeout > 0 && this.opcodeOk[Opcode.LINK_TIMEOUT] === 0)) {
      return this.runOnFs(req);
    }
    if (req.file && (!req.file.open || req.file.owner !== this)) {
      return Promise.reject(errnoError(EBADF, req.kind.name, req.path));
    }
    this.submitted++;
    this.creating = req;
    const promise = new Promise<unknown>(this.executor);
    this.creating = undefined;
    if (signal) {
      req.onAbort = () => this.abortRequest(req);
      signal.addEventListener('abort', req.onAbort, { once: true });
    }
    const at = this.queue.length === 0 ? this.reserve(req.timeout > 0 ? 2 : 1) : -1;
    if (at >= 0) this.stageOne(req, at);
    else this.queue.push(req);
    return promise;
  }

  /** The request whose Promise is being created; read by `executor`. */
  private creating: Request | undefined;
  /** One executor for every Promise: no closure per op. */
  private readonly executor = (resolve: (v: unknown) => void, reject: (e: unknown) => void) => {
    const req = this.creating as Request;
    req.resolve = resolve;
    req.reject = reject;
  };

  runChain(reqs: Request[], signal: AbortSignal | undefined): Promise<unknown[]> {
    if (this.closing) return Promise.reject(closedError());
    if (reqs.length > 0 && this.credentials.changed(this.stagedWaiting() === 0)) {
      return Promise.reject(credentialsChangedError(reqs[0].kind.name, reqs[0].path));
    }
    if (signal?.aborted) return Promise.reject(new AbortError(undefined, { cause: signal.reason }));
    if (reqs.length === 0) return Promise.resolve([]);
    const run = new ChainRun(reqs, signal);
    if (run.sqes > this.maxChainSqes) {
      return Promise.reject(
        new RangeError(
          `a chain of ${reqs.length} ops needs ${run.sqes} SQEs but the ring has ${this.maxChainSqes}`,
        ),
      );
    }
    for (const req of reqs) {
      const unsupported = !this.supports(req.kind);
      if (unsupported || (req.timeout > 0 && this.opcodeOk[Opcode.LINK_TIMEOUT] === 0)) {
        return Promise.reject(
          errnoError(
            ENOSYS,
            req.kind.name,
            req.path,
            undefined,
            'not supported in a chain by this kernel',
          ),
        );
      }
      if (req.opens && this.info.directFiles === 0) {
        return Promise.reject(
          errnoError(
            ENOSYS,
            'open',
            req.path,
            undefined,
            'direct descriptors are not supported by this kernel',
          ),
        );
      }
    }
    this.submitted += reqs.length;
    const promise = new Promise<unknown[]>((resolve, reject) => {
      run.resolve = resolve;
      run.reject = reject;
    });
    if (signal) {
      run.onAbort = () => this.abortChain(run);
      signal.addEventListener('abort', run.onAbort, { once: true });
    }
    if (this.queue.length > 0 || !this.stageChain(run)) this.queue.push(run);
    return promise;
  }

  stats(): RingStats {
    const c = this.counters;
    return {
      backend: 'io_uring',
      submitted: this.submitted,
      completed: this.completed,
      inFlight: this.inRing,
      queued: this.submitted - this.completed - this.inRing,
      submitCalls: c[C_SUBMIT_CALLS],
      sqesSubmitted: c[C_SQES_SUBMITTED],
      cqesReaped: c[C_CQES_REAPED],
      cqesSkipped: this.cqesSkipped,
      harvests: c[C_HARVESTS],
      enterCalls: c[C_ENTER_CALLS],
      submitRetries: c[C_SUBMIT_RETRIES],
    };
  }

  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.close();
    return this.shutdownPromise;
  }

  // -------------------------------------------------------------------------
  // Staging

  /** Entries staged and not yet taken by the addon. */
  private stagedWaiting(): number {
    return this.counters[C_ENTRIES_STAGED] - this.counters[C_ENTRIES_TAKEN];
  }

  /**
   * Reserves `n` consecutive entries of the staging area (they may wrap around its end) for SQEs
   * whose completions fit in the CQ. Returns the number of the first entry, or -1 (the caller
   * queues the work).
   */
  private reserve(n: number): number {
    if (this.sqesInFlight + n > this.capacity) return -1;
    const c = this.counters;
    const at = c[C_ENTRIES_STAGED];
    if (this.stagedWaiting() + n > this.stageCapacity) {
      this.native.flush();
      if (this.stagedWaiting() + n > this.stageCapacity) {
        // The flush failed (EAGAIN, ENOMEM, EBUSY: the addon retries it).
        this.retrySoon();
        return -1;
      }
    }
    this.releaseConsumed();
    c[C_ENTRIES_STAGED] = at + n;
    if (c[C_REFED] === 0) this.native.ref();
    return at;
  }

  /**
   * Comes back for work left behind because the staging area stayed full
   * (queued ops, late cancels, shutdown's cancel-all): nothing in flight may
   * complete soon to trigger drainQueue(), and the addon's own flush retry
   * does not tell JS when the area is free again.
   */
  private retrySoon(): void {
    this.drainTimer ??= setTimeout(() => {
      this.drainTimer = undefined;
      if (!this.closed) this.drainQueue();
    }, 1);
  }

  /** One past the last entry whose object slots were written. */
  private dirty = 0;
  /** Entries below this one had their object slots cleared once the addon took them. */
  private released = 0;

  /**
   * Clears the object slots of the entries the addon took since the last call, letting go of
   * buffers that only their requests need to keep alive now. Called before every reservation,
   * so no entry still waiting in the area shares a slot with the ones cleared here.
   */
  private releaseConsumed(): void {
    const taken = this.counters[C_ENTRIES_TAKEN];
    const end = Math.min(taken, this.dirty);
    if (end > this.released) {
      const cap = this.stageCapacity;
      if (end - this.released >= cap) {
        this.objs.fill(undefined);
      } else {
        const from = (this.released % cap) * 2;
        const to = from + (end - this.released) * 2;
        this.objs.fill(undefined, from, Math.min(to, cap * 2));
        if (to > cap * 2) this.objs.fill(undefined, 0, to - cap * 2);
      }
    }
    this.released = taken;
  }

  /** A single op (and its linked timeout) in the entries reserved at `at`. */
  private stageOne(req: Request, at: number): void {
    this.stage(req, false, at, req.timeout > 0 ? 2 : 1);
  }

  /**
   * Writes one request (and its linked timeout) into the staging area at `at`; a `quiet` one
   * posts no CQE when it succeeds (IOSQE_CQE_SKIP_SUCCESS).
   */
  private stage(req: Request, linkNext: boolean, at: number, group: number, quiet = false): number {
    const slot = this.slots.acquire(req);
    req.slot = slot;
    req.gen = this.slots.gens[slot];
    this.inRing++;
    let p = this.entries[at % this.stageCapacity];
    req.kind.fill(req, p);
    p[P_SLOT] = slot;
    p[P_TAG] = (req.gen << KIND_BITS) | KIND_MAIN;
    p[P_SQE_FLAGS] =
      (req.file && !req.kind.directByIndex ? IOSQE_FIXED_FILE : 0) |
      (linkNext || req.timeout > 0 ? IOSQE_IO_LINK : 0) |
      (quiet ? IOSQE_CQE_SKIP_SUCCESS : 0);
    p[P_GROUP] = group;
    // The addon reads object slots only for opcodes that take memory, so ops
    // without any (nop, fsync, close...) skip the stores.
    if (req.a !== undefined || req.b !== undefined) {
      const o = (at % this.stageCapacity) * 2;
      this.objs[o] = req.a;
      this.objs[o + 1] = req.b;
      if (at >= this.dirty) this.dirty = at + 1;
    }
    req.cqes++;
    req.sqes++;
    this.sqesInFlight++;
    if (req.kind.waitsForPeer) this.capacity++;
    if (req.timeout <= 0) return at + 1;
    req.ts ??= new Uint8Array(16);
    at++;
    p = this.entries[at % this.stageCapacity];
    p[P_OPCODE] = Opcode.LINK_TIMEOUT;
    p[P_X1] = req.timeout;
    p[P_SLOT] = slot;
    p[P_TAG] = (req.gen << KIND_BITS) | KIND_TIMEOUT;
    p[P_SQE_FLAGS] = linkNext ? IOSQE_IO_LINK : 0;
    p[P_GROUP] = 0;
    this.objs[(at % this.stageCapacity) * 2] = req.ts;
    this.objs[(at % this.stageCapacity) * 2 + 1] = undefined;
    if (at >= this.dirty) this.dirty = at + 1;
    req.cqes++;
    req.sqes++;
    this.sqesInFlight++;
    return at + 1;
  }

  /**
   * Stages the chain's next segment as one linked group: its ops up to the first one whose
   * failure the kernel does not turn into ECANCELED for the rest (OpKind.failKeepsLink), or to
   * the end; what follows goes in once that op succeeded. False if it has to wait for room.
   */
  private stageChain(run: ChainRun): boolean {
    const first = run.staged;
    const lastOp = run.reqs.length - 1;
    let end = first;
    while (end < lastOp && !run.reqs[end].kind.failKeepsLink) end++;
    // A ChainFile released while the chain ran (ring.close() of it between two segments): its
    // table slot may belong to another file by now, so the op must not reach the kernel.
    for (let i = first; i <= end; i++) {
      const file = run.reqs[i].file;
      if (!file || file.index >= 0) continue;
      if (i > first) {
        end = i - 1;
        break;
      }
      const req = run.reqs[i];
      req.res = EBADF;
      run.staged = i + 1;
      run.remaining--;
      this.completed++;
      this.cancelUnstaged(run);
      if (run.remaining === 0) this.settleChain(run);
      return true;
    }
    let sqes = 0;
    for (let i = first; i <= end; i++) sqes += run.reqs[i].timeout > 0 ? 2 : 1;
    const at = this.reserve(sqes);
    if (at < 0) return false;
    if (first === 0) {
      // Direct descriptors for the chain's opens are picked before anything is staged.
      for (const req of run.reqs) {
        if (!req.opens) continue;
        const index = this.directFree.pop();
        if (index === undefined) {
          for (const other of run.reqs)
            if (other.opens && other.opens.index >= 0) this.releaseDirect(other.opens);
          // Give back the entries reserved for it: nothing was written there.
          this.counters[C_ENTRIES_STAGED] -= sqes;
          this.failUnstagedChain(run, EMFILE);
          return true;
        }
        req.opens.index = index;
        req.opens.owner = this;
        this.directFiles.add(req.opens);
      }
    }
    run.waiting = false;
    run.staged = end + 1;
    const quiet = this.quietSegment(run, first, end);
    run.quietFrom = quiet ? first : -1;
    run.quietTo = quiet ? end : -1;
    let next = at;
    for (let i = first; i <= end; i++) {
      next = this.stage(run.reqs[i], i < end, next, i === first ? sqes : 0, quiet && i < end);
    }
    return true;
  }

  /**
   * Whether the segment [first, end] goes in with IOSQE_CQE_SKIP_SUCCESS on every op but its
   * last: then it ends in one CQE, the last op's or the first failure's, reaped in one
   * completion batch instead of one per op. Only when every op but the last knows its success result in
   * advance (OpKind.quietResult), and never with timeouts or an AbortSignal: those need each
   * op's own CQE to tell which one the cancel hit.
   */
  private quietSegment(run: ChainRun, first: number, end: number): boolean {
    if (!this.cqeSkip || end === first || run.signal !== undefined) return false;
    for (let i = first; i <= end; i++) {
      const req = run.reqs[i];
      if (req.timeout > 0) return false;
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
  private quietCqe(run: ChainRun, req: Request): void {
    const from = run.quietFrom;
    const to = run.quietTo;
    if (req.index < from || req.index > to) return;
    run.quietFrom = run.quietTo = -1;
    for (let i = from; i < req.index; i++) {
      const done = run.reqs[i];
      if (!done.done && done.slot >= 0) {
        this.completeQuiet(done, (done.kind.quietResult as (r: Request) => number)(done));
      }
    }
    if (req.index < to) this.silenced.push({ run, from: req.index + 1, to });
  }

  /** Completes an op whose CQE the kernel skipped, with the result it implied. */
  private completeQuiet(req: Request, res: number): void {
    this.cqesSkipped++;
    req.res = res;
    req.done = true;
    this.sqesInFlight--;
    if (--req.cqes === 0) this.finish(req);
  }

  private finishSilenced(): void {
    for (const { run, from, to } of this.silenced.splice(0)) {
      for (let i = from; i <= to; i++) {
        const req = run.reqs[i];
        if (!req.done && req.slot >= 0) this.completeQuiet(req, ECANCELED);
      }
    }
  }

  /** The segment ending with `req` is done: stage the next one, or cancel the rest. */
  private continueChain(run: ChainRun, req: Request): void {
    if (run.aborted || this.closing || !outcomeOf(req, true).ok) {
      this.cancelUnstaged(run);
    } else if (this.queue.length > 0 || !this.stageChain(run)) {
      run.waiting = true;
      this.queue.push(run);
    }
  }

  /** Ops of a chain that never reached the kernel complete with ECANCELED. */
  private cancelUnstaged(run: ChainRun): void {
    for (let j = run.staged; j < run.reqs.length; j++) {
      run.reqs[j].res = ECANCELED;
      run.remaining--;
      this.completed++;
    }
    run.staged = run.reqs.length;
  }

  private failUnstagedChain(run: ChainRun, errno: number): void {
    for (const req of run.reqs) req.res = ECANCELED;
    const first = run.reqs.find((r) => r.opens) ?? run.reqs[0];
    first.res = errno;
    this.completed += run.reqs.length;
    run.remaining = 0;
    run.settle();
  }

  /** Moves queued work into the ring while the CQ has room for its completions. */
  private drainQueue(): void {
    while (this.lateCancels.length > 0) {
      const req = this.lateCancels[0];
      if (req.slot >= 0 && !req.done && !this.stageCancel(req)) {
        this.retrySoon();
        return;
      }
      this.lateCancels.shift();
    }
    if (this.cancelAllDue) {
      if (!this.stageCancelAll()) {
        this.retrySoon();
        return;
      }
      this.cancelAllDue = false;
    }
    while (this.queue.length > 0) {
      const item = this.queue.peek() as Item;
      if (item.dropped) {
        this.queue.shift();
        continue;
      }
      if (item instanceof ChainRun) {
        if (!this.stageChain(item)) return;
        this.queue.shift();
      } else {
        const at = this.reserve(item.timeout > 0 ? 2 : 1);
        if (at < 0) return;
        this.queue.shift();
        this.stageOne(item, at);
      }
    }
  }

  // -------------------------------------------------------------------------
  // Completion

  private onComplete(count: number): void {
    const cqes = this.cqes;
    const slots = this.slots;
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
          if (req.chain !== null && req.chain.quietTo >= 0) this.quietCqe(req.chain, req);
          req.res = res;
          req.done = true;
          if (req.chain?.aborted && res >= 0) this.cancelNextInChain(req);
          break;
        case KIND_TIMEOUT:
          if (res === ETIME) req.timedOut = true;
          break;
        default:
          break;
      }
      this.sqesInFlight--;
      if (--req.cqes === 0) this.finish(req);
    }
    if (this.silenced.length > 0) this.finishSilenced();
    if (this.queue.length > 0 || this.lateCancels.length > 0 || this.cancelAllDue) {
      this.drainQueue();
    }
  }

  private finish(req: Request): void {
    if (req.slot >= 0) {
      this.slots.release(req.slot);
      req.slot = -1;
      this.inRing--;
    }
    this.sqesInFlight -= req.cqes;
    if (req.kind.waitsForPeer && req.sqes > 0) this.capacity--;
    req.cqes = 0;
    this.completed++;
    // A chain keeps the table slots it closed until it settles: a later segment of it then
    // finds the slot empty (EBADF, in order) rather than reused by another file.
    if (req.kind.directByIndex && req.file && req.res >= 0 && !req.chain) {
      this.releaseDirect(req.file);
    }
    const run = req.chain;
    if (run) {
      if (req.opens && !req.opens.open && req.opens.index >= 0 && req.res < 0) {
        this.releaseDirect(req.opens);
      }
      if (req.index === run.staged - 1 && run.staged < run.reqs.length) {
        this.continueChain(run, req);
      }
      if (--run.remaining === 0) this.settleChain(run);
    } else {
      this.settle(req);
    }
    if (this.inRing === 0) {
      this.releaseConsumed();
      if (this.drained) this.drained();
    }
  }

  private settle(req: Request): void {
    if (req.signal && req.onAbort) req.signal.removeEventListener('abort', req.onAbort);
    req.settled = true;
    if (this.closing && req.res === ECANCELED && !req.aborted && !req.timedOut) {
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

  private settleChain(run: ChainRun): void {
    for (const req of run.reqs) {
      if (req.kind.directByIndex && req.file && req.res >= 0) this.releaseDirect(req.file);
    }
    run.settle();
    // A failed chain must not leak the files it opened and did not close.
    const failed = run.reqs.some((r) => !outcomeOf(r, true).ok);
    if (!failed) return;
    for (const req of run.reqs) {
      const file = req.opens;
      if (file && file.open) {
        file.open = false;
        file.closed = true;
        const close = new Request(ops.close);
        close.file = file;
        this.submitted++;
        close.resolve = () => this.releaseDirect(file);
        close.reject = () => this.releaseDirect(file);
        if (this.closed) {
          this.releaseDirect(file);
        } else {
          const at = this.queue.length === 0 ? this.reserve(1) : -1;
          if (at >= 0) this.stageOne(close, at);
          else this.queue.push(close);
        }
      }
    }
  }

  private releaseDirect(file: ChainFile): void {
    if (file.index >= 0 && file.owner === this) {
      this.directFree.push(file.index);
      file.index = -1;
      this.directFiles.delete(file);
    }
    file.open = false;
    file.closed = true;
  }

  // -------------------------------------------------------------------------
  // Cancellation

  /** @internal also used by loop/net to stop a socket op it owns without an AbortSignal. */
  abortRequest(req: Request): void {
    if (req.settled) return;
    if (req.slot < 0) {
      // Still queued in JS: it never reached the kernel.
      req.dropped = true;
      req.settled = true;
      this.completed++;
      req.reject?.(new AbortError(undefined, { cause: req.signal?.reason }));
      return;
    }
    req.aborted = true;
    this.cancel(req);
  }

  private abortChain(run: ChainRun): void {
    if (run.remaining === 0) return;
    run.aborted = true;
    for (const req of run.reqs) req.aborted = true;
    if (run.waiting) {
      // Between two segments: nothing is in the kernel, the rest never gets there.
      run.dropped = true;
      run.waiting = false;
      this.cancelUnstaged(run);
      this.settleChain(run);
      return;
    }
    if (run.staged === 0) {
      // Queued, never staged.
      run.dropped = true;
      for (const req of run.reqs) req.res = ECANCELED;
      // Never reached the kernel: release the descriptors picked for it, if any.
      this.completed += run.reqs.length;
      run.remaining = 0;
      run.settle();
      return;
    }
    for (const req of run.reqs) if (req.slot >= 0 && !req.done) this.cancel(req);
  }

  /** A linked request that started after our cancel looked for it gets its own cancel. */
  private cancelNextInChain(req: Request): void {
    const next = req.chain?.reqs[req.index + 1];
    if (next && next.slot >= 0 && !next.done) this.cancel(next);
  }

  private cancel(req: Request): void {
    if (this.lateCancels.length > 0 || !this.stageCancel(req)) {
      this.lateCancels.push(req);
      this.retrySoon();
    }
  }

  /** One entry of the staging area outside the CQ budget (cancels), or -1 if it stays full. */
  private takeEntry(): number {
    const c = this.counters;
    const at = c[C_ENTRIES_STAGED];
    if (this.stagedWaiting() + 1 > this.stageCapacity) {
      this.native.flush();
      if (this.stagedWaiting() + 1 > this.stageCapacity) return -1;
    }
    this.releaseConsumed();
    c[C_ENTRIES_STAGED] = at + 1;
    if (c[C_REFED] === 0) this.native.ref();
    return at;
  }

  /** Stages one ASYNC_CANCEL for every request in the ring; false if the staging area is full. */
  private stageCancelAll(): boolean {
    const at = this.takeEntry();
    if (at < 0) return false;
    const p = this.entries[at % this.stageCapacity];
    p[P_OPCODE] = Opcode.ASYNC_CANCEL;
    p[P_OP_FLAGS] = IORING_ASYNC_CANCEL_ANY;
    p[P_SLOT] = -1 >>> 0;
    p[P_TAG] = -1 >>> 0;
    p[P_SQE_FLAGS] = 0;
    p[P_X1] = 0;
    p[P_X2] = 0;
    p[P_GROUP] = 1;
    return true;
  }

  /** Stages ASYNC_CANCEL for `req`'s main SQE; false if the staging area is full. */
  private stageCancel(req: Request): boolean {
    const at = this.takeEntry();
    if (at < 0) return false;
    const p = this.entries[at % this.stageCapacity];
    p[P_OPCODE] = Opcode.ASYNC_CANCEL;
    p[P_OP_FLAGS] = 0;
    p[P_X1] = req.slot;
    p[P_X2] = (req.gen << KIND_BITS) | KIND_MAIN;
    p[P_SLOT] = req.slot;
    p[P_TAG] = (req.gen << KIND_BITS) | KIND_CANCEL;
    p[P_SQE_FLAGS] = 0;
    p[P_GROUP] = 1;
    req.cqes++;
    req.sqes++;
    this.sqesInFlight++;
    return true;
  }

  /**
   * A request the kernel hands to its io-wq workers can, rarely, sit in their queue with no
   * worker running it until more work is queued (seen on Linux 6.18 as a first op of a fresh
   * ring that never completed; any later io-wq request released it). When requests are in flight
   * and nothing at all has completed for a while, a NOP forced through io-wq (IOSQE_ASYNC) wakes
   * the workers. Costs one timer tick a second per ring and a NOP per stall; a legitimately long
   * wait (a pipe read, a long sleep) gets nudges ever more rarely.
   */
  private stallCheck(): void {
    // The nudges' own completions do not count as progress.
    const reaped = this.counters[C_CQES_REAPED] - this.stallNudges;
    if (this.inRing === 0 || this.closing || reaped !== this.stallReaped) {
      this.stallReaped = reaped;
      this.stallWait = STALL_FIRST_MS;
      this.stallIdle = 0;
      return;
    }
    this.stallIdle += STALL_FIRST_MS;
    if (this.stallIdle < this.stallWait || this.sqesInFlight >= this.capacity) return;
    this.stallIdle = 0;
    this.stallWait = Math.min(this.stallWait * 2, STALL_MAX_MS);
    const at = this.takeEntry();
    if (at < 0) return;
    const p = this.entries[at % this.stageCapacity];
    p[P_OPCODE] = Opcode.NOP;
    p[P_SLOT] = -1 >>> 0;
    p[P_TAG] = -1 >>> 0;
    p[P_SQE_FLAGS] = IOSQE_ASYNC;
    p[P_GROUP] = 1;
    this.stallNudges++;
    this.native.flush();
  }

  // -------------------------------------------------------------------------
  // Per-op fallback and shutdown

  private async runOnFs(req: Request): Promise<unknown> {
    if (req.file)
      throw errnoError(ENOSYS, req.kind.name, req.path, undefined, 'not supported by this kernel');
    this.submitted++;
    try {
      req.res = await req.kind.fs(req);
    } catch (err) {
      this.completed++;
      throw err;
    }
    this.completed++;
    const outcome = outcomeOf(req, false);
    if (outcome.ok) return outcome.value;
    throw outcome.error;
  }

  private async close(): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    clearTimeout(this.drainTimer);
    this.drainTimer = undefined;
    clearInterval(this.stallTimer);
    // Queued work never reached the kernel: it fails at once.
    for (let item = this.queue.shift(); item; item = this.queue.shift()) {
      if (item.dropped) continue;
      if (item instanceof ChainRun && item.staged > 0) {
        // Between two segments: what ran keeps its result, the rest is cancelled.
        for (let j = item.staged; j < item.reqs.length; j++) item.reqs[j].shutdown = true;
        item.waiting = false;
        this.cancelUnstaged(item);
        this.settleChain(item);
      } else if (item instanceof ChainRun) {
        for (const req of item.reqs) req.res = ECANCELED;
        this.completed += item.reqs.length;
        item.remaining = 0;
        item.reject?.(canceledByShutdown('chain'));
      } else {
        this.completed++;
        item.settled = true;
        item.reject?.(canceledByShutdown(item.kind.name, item.path));
      }
    }
    if (this.inRing > 0) {
      // No room now: drainQueue() stages it once the addon's flush retry freed the area.
      if (!this.stageCancelAll()) {
        this.cancelAllDue = true;
        this.retrySoon();
      }
      this.native.flush();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, SHUTDOWN_WAIT_MS);
        this.drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.drained = undefined;
      for (const req of this.slots.values()) {
        // The kernel did not give these back in time: keep their memory forever.
        abandoned.push(req);
        this.inRing--;
        this.completed++;
        req.reject?.(canceledByShutdown(req.kind.name, req.path));
      }
    }
    this.closed = true;
    this.native.close();
    // The ring's exit released the table: its files are closed.
    for (const file of this.directFiles) this.releaseDirect(file);
  }
}

/** Whether a ring can be created here (addon loaded, kernel allows io_uring). */
export function probeIoUring(): boolean {
  const addon = loadAddon();
  if (!addon) return false;
  const ring = addon.NativeRing.open(
    { entries: 2 },
    () => undefined,
    new Float64Array(new ArrayBuffer(PARAM_COUNT * 8)),
    [undefined, undefined],
    new Int32Array(new ArrayBuffer(16 * CQE_STRIDE * 4)),
    new Float64Array(new ArrayBuffer(COUNTER_COUNT * 8)),
  );
  if (typeof ring === 'number') return false;
  ring.close();
  return true;
}

export function uringUnavailable(reason: string): Error {
  return codedError('ERR_URING_UNAVAILABLE', `io_uring is not available: ${reason}`);
}
