// The io_uring scheduler's state and entry points: run(), runChain(), stats(), shutdown().
// The work is done by one module per job: staging.ts (the area shared with the addon),
// chains.ts (segments, CQE skipping), completion.ts, cancellation.ts, stall-check.ts and
// shutdown.ts. Ops are staged without calling the addon; it flushes the staged SQEs after
// each completion batch and before libuv blocks.
import type { Backend, RingStats } from './backend';
import { loadAddon, type NativeRing, type NativeRingInfo } from './binding';
import { abortChain, abortRequest } from './cancellation';
import { ownerOf, type ChainFile } from './chain-file';
import { ChainRun } from './chain-run';
import { stageChain, type Silenced } from './chains';
import { onComplete } from './completion';
import { CredentialGuard } from './credentials';
import { Deque } from './deque';
import { drainQueue } from './drain-queue';
import {
  AbortError,
  EBADF,
  ENOSYS,
  closedError,
  codedError,
  credentialsChangedError,
  errnoError,
} from './errors';
import { outcomeOf } from './outcome';
import {
  COUNTER_COUNT,
  CQE_STRIDE,
  C_CQES_REAPED,
  C_ENTER_CALLS,
  C_HARVESTS,
  C_SQES_SUBMITTED,
  C_SUBMIT_CALLS,
  C_SUBMIT_RETRIES,
  IORING_FEAT_CQE_SKIP,
  IOSQE_CQE_SKIP_SUCCESS,
  IOSQE_FIXED_FILE,
  IOSQE_IO_HARDLINK,
  IOSQE_IO_LINK,
  KIND_BITS,
  KIND_MAIN,
  KIND_TIMEOUT,
  Opcode,
  PARAM_COUNT,
  P_X1,
} from './protocol';
import type { OpKind, Request } from './request';
import { close } from './shutdown';
import { SlotTable } from './slots';
import { stallCheck, STALL_FIRST_MS } from './stall-check';
import { Staging } from './staging';

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

export type Item = Request | ChainRun;

function linkTimeoutFill(p: Float64Array, ms: number): void {
  p[P_X1] = ms;
}

/**
 * The scheduler of one ring. Not a public object: api/ reaches it only through the Ring that
 * owns it. Its fields are shared by the modules named above.
 */
export class UringBackend implements Backend {
  readonly name = 'io_uring' as const;
  readonly info: NativeRingInfo;
  readonly maxChainSqes: number;
  closed = false;

  /** The addon's ring: loop/net registers provided-buffer rings on it. */
  readonly native: NativeRing;
  readonly staging: Staging;
  /** Cancels that found the area full; staged before anything else. */
  readonly lateCancels: Request[] = [];
  /** shutdown()'s cancel-all found no room in the staging area: drainQueue() stages it. */
  cancelAllDue = false;
  /** The kernel honours IOSQE_CQE_SKIP_SUCCESS: chain segments post one CQE (see chains.ts). */
  readonly cqeSkip: boolean;
  /** Quiet segments whose ops complete with ECANCELED after the current batch (chains.ts). */
  readonly silenced: Silenced[] = [];
  /** Opcodes this kernel runs, indexed by opcode. */
  private readonly opcodeOk = new Uint8Array(256);
  readonly cqes: Int32Array;
  readonly counters: Float64Array;
  readonly slots: SlotTable<Request>;
  readonly queue = new Deque<Item>();
  readonly directFree: number[] = [];
  /** Files holding a slot of the direct-descriptor table: closed for good at shutdown. */
  readonly directFiles = new Set<ChainFile>();
  /** Retries queued work when a flush failed with nothing in flight to complete. */
  drainTimer: NodeJS.Timeout | undefined;
  private readonly credentials: CredentialGuard;
  /** SQEs staged or in flight: capped at the CQ size so the CQ cannot overflow. */
  sqesInFlight = 0;
  /** The cap: the CQ size, plus one per op waiting on a peer (OpKind.waitsForPeer). */
  capacity: number;
  submitted = 0;
  completed = 0;
  cqesSkipped = 0;
  inRing = 0;
  closing = false;
  drained: (() => void) | undefined;
  readonly stallTimer: NodeJS.Timeout;
  stallReaped = -1;
  stallWait = STALL_FIRST_MS;
  stallIdle = 0;
  /** io-wq nudges sent (see stall-check.ts). */
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
    this.staging = new Staging(Math.max(cqHint, options.cqEntries ?? 0) * 2 + STAGE_SLACK);
    this.counters = this.staging.counters;
    const native = addon.NativeRing.open(
      {
        entries: options.entries,
        cqEntries: options.cqEntries,
        sqpoll: options.sqpoll,
        sqpollIdleMs: options.sqpollIdleMs,
        deferTaskrun: options.deferTaskrun,
        directFiles: options.directFiles,
      },
      (count) => onComplete(this, count),
      this.staging.area,
      this.staging.objs,
      this.cqes,
      this.counters,
    );
    if (typeof native === 'number') throw errnoError(native, 'io_uring_setup');
    this.native = native;
    this.staging.native = native;
    const info = native.info();
    if (typeof info === 'number') throw errnoError(info, 'io_uring_setup');
    this.info = info;
    this.maxChainSqes = this.info.sqEntries;
    this.capacity = this.info.cqEntries;
    this.cqeSkip = (this.info.features & IORING_FEAT_CQE_SKIP) !== 0;
    this.slots = new SlotTable<Request>(Math.max(16, this.capacity));
    for (const op of this.info.opcodes) if (op < 256) this.opcodeOk[op] = 1;
    for (let i = this.info.directFiles - 1; i >= 0; i--) this.directFree.push(i);
    this.stallTimer = setInterval(() => stallCheck(this), STALL_FIRST_MS);
    this.stallTimer.unref();
  }

  supports(kind: OpKind): boolean {
    return this.opcodeOk[kind.opcode] === 1;
  }

  /** Whether `req` can go to the kernel: its opcode, and LINK_TIMEOUT when it has a timeout. */
  private runsInRing(req: Request): boolean {
    return (
      this.supports(req.kind) && (req.timeout <= 0 || this.opcodeOk[Opcode.LINK_TIMEOUT] === 1)
    );
  }

  run(req: Request): Promise<unknown> {
    if (this.closing) return Promise.reject(closedError());
    if (this.credentials.changed(this.staging.staged === 0)) {
      return Promise.reject(credentialsChangedError(req.kind.name, req.path));
    }
    const signal = req.signal;
    if (signal?.aborted) return Promise.reject(new AbortError(undefined, { cause: signal.reason }));
    if (!this.runsInRing(req)) return this.runOnFs(req);
    if (req.file && (!req.file.open || ownerOf(req.file) !== this)) {
      return Promise.reject(errnoError(EBADF, req.kind.name, req.path));
    }
    this.submitted++;
    this.creating = req;
    const promise = new Promise<unknown>(this.executor);
    this.creating = undefined;
    if (signal) {
      req.onAbort = () => abortRequest(this, req);
      signal.addEventListener('abort', req.onAbort, { once: true });
    }
    this.enqueue(req);
    return promise;
  }

  /** Stages a single op now if nothing waits before it and there is room, else queues it. */
  enqueue(req: Request): void {
    const at = this.queue.length === 0 ? this.reserve(req.timeout > 0 ? 2 : 1) : -1;
    if (at >= 0) this.stage(req, false, at, req.timeout > 0 ? 2 : 1);
    else this.queue.push(req);
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
    if (reqs.length > 0 && this.credentials.changed(this.staging.staged === 0)) {
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
      if (!this.runsInRing(req)) {
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
      run.onAbort = () => abortChain(this, run);
      signal.addEventListener('abort', run.onAbort, { once: true });
    }
    if (this.queue.length > 0 || !stageChain(this, run)) this.queue.push(run);
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
    this.shutdownPromise ??= close(this);
    return this.shutdownPromise;
  }

  /**
   * Reserves `n` adjacent entries of the staging area for SQEs whose
   * completions fit in the CQ. Returns the first entry, or -1 (the caller
   * queues the work).
   */
  reserve(n: number): number {
    if (this.sqesInFlight + n > this.capacity) return -1;
    const at = this.staging.reserve(n);
    if (at < 0) this.retrySoon();
    return at;
  }

  /**
   * Comes back for work left behind because the staging area stayed full
   * (queued ops, late cancels, shutdown's cancel-all): nothing in flight may
   * complete soon to trigger drainQueue(), and the addon's own flush retry
   * does not tell JS when the area is free again.
   */
  retrySoon(): void {
    this.drainTimer ??= setTimeout(() => {
      this.drainTimer = undefined;
      if (!this.closed) drainQueue(this);
    }, 1);
  }

  /**
   * Stages one request (and its linked timeout) in the entries reserved at `at`; a `quiet` one
   * posts no CQE when it succeeds (IOSQE_CQE_SKIP_SUCCESS). A hardlinked one linked to a next
   * op goes in with IOSQE_IO_HARDLINK (on the op itself even when its timeout sits between
   * them: the kernel unlinks the timeout once the op is done, and the op's flag decides whether
   * its failure cancels what follows). Returns the next free entry.
   */
  stage(req: Request, linkNext: boolean, at: number, group: number, quiet = false): number {
    const slot = this.slots.acquire(req);
    req.slot = slot;
    req.gen = this.slots.gens[slot];
    this.inRing++;
    this.staging.writeOp(
      at,
      req,
      (req.gen << KIND_BITS) | KIND_MAIN,
      (req.file && !req.kind.directByIndex ? IOSQE_FIXED_FILE : 0) |
        (linkNext && req.hardlink
          ? IOSQE_IO_HARDLINK
          : linkNext || req.timeout > 0
            ? IOSQE_IO_LINK
            : 0) |
        (quiet ? IOSQE_CQE_SKIP_SUCCESS : 0),
      group,
    );
    req.cqes++;
    req.sqes++;
    this.sqesInFlight++;
    if (req.kind.waitsForPeer) this.capacity++;
    if (req.timeout <= 0) return at + 1;
    req.ts ??= new Uint8Array(16);
    this.staging.writeOwn(
      ++at,
      Opcode.LINK_TIMEOUT,
      linkTimeoutFill,
      req.timeout,
      slot,
      (req.gen << KIND_BITS) | KIND_TIMEOUT,
      linkNext ? IOSQE_IO_LINK : 0,
      0,
      req.ts,
    );
    req.cqes++;
    req.sqes++;
    this.sqesInFlight++;
    return at + 1;
  }

  /** The node:fs path of one op the kernel lacks. */
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
