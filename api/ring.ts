// Ring: the public entry point. Validates arguments, builds requests and hands
// them to the live backend (io_uring, or node:fs where io_uring cannot run).
import type { Backend, RingStats } from '../loop/backend';
import { addonLoadError } from '../loop/binding';
import { FsBackend } from '../loop/fs-backend';
import { fileOps, netOps } from '../loop/ops';
import type { BindAddress } from '../loop/ops/bind';
import { isNetOptions } from '../loop/ops/net-common';
import type { OpKind } from '../loop/ops/op';
import { Request } from '../loop/request';
import { UringBackend, uringUnavailable } from '../loop/uring-backend';
import { closedError } from '../loop/errors';
import { setIowqAffinity, setIowqMaxWorkers, type IowqLimits } from '../loop/iowq';
import { netFeatures, type NetFeatures } from '../loop/net/features';
import { unsupportedError } from '../loop/net/net-errors';
import { Chain, newChain } from './chain';
import { cpuListArg, iowqLimitsArg } from './iowq';
import { connectTo } from './net/connect';
import type { Connection } from './net/connection';
import { listenServer } from './net/listen';
import { isPlainObject } from '../loop/net/address';
import type { ConnectOptions, ListenOptions } from './net/options';
import { closeAllSockets } from './net/registry';
import type { Server } from './net/server';
import { installOps, type RingMethods } from './op-methods';
import {
  applyOptions,
  describe,
  integer,
  isOptionsObject,
  typeError,
  valueError,
  type OpOptions,
  type WriteOptions,
} from '../loop/validate';

export interface RingOptions {
  /** SQ size (rounded up to a power of two by the kernel). Default 256. */
  entries?: number;
  /** CQ size. Default: twice `entries`. */
  cqEntries?: number;
  /** 'auto' (default) uses io_uring when it works, else node:fs. */
  backend?: 'auto' | 'io_uring' | 'fs';
  /** Kernel submission thread (IORING_SETUP_SQPOLL). Off by default: see docs/security.md. */
  sqpoll?: boolean | { idleMs: number };
  /** Size of the direct-descriptor table used by chain.open(). Default 256. */
  directFiles?: number;
  /**
   * When the kernel runs the ring's task work (completions of sockets and of
   * work done by io-wq workers). 'cooperative' (default, IORING_SETUP_COOP_TASKRUN):
   * at this thread's next system call, without interrupting JS; a chain of
   * blocking ops (write -> fdatasync) runs start to end in one kernel worker.
   * 'deferred' (IORING_SETUP_DEFER_TASKRUN): only when the ring harvests, in
   * batches; each link of such a chain then passes through the event loop.
   * Not with `sqpoll`.
   */
  taskrun?: 'cooperative' | 'deferred';
}

export type { OpOptions, RingStats, WriteOptions };

/** Every op of the table by method name, for supports(). */
const OPS = new Map<string, OpKind>([...Object.entries(fileOps), ...Object.entries(netOps)]);

let fallbackWarned = false;

function pickBackend(options: RingOptions): Backend {
  const wanted = options.backend ?? 'auto';
  const forced = process.env.URING_LOOP_BACKEND;
  const entries = options.entries ?? 256;
  if (wanted === 'fs' || (wanted === 'auto' && forced === 'fs')) return new FsBackend(entries);
  const sqpoll = options.sqpoll;
  try {
    return new UringBackend({
      entries,
      cqEntries: options.cqEntries,
      sqpoll: sqpoll !== undefined && sqpoll !== false,
      sqpollIdleMs: typeof sqpoll === 'object' ? sqpoll.idleMs : undefined,
      directFiles: options.directFiles ?? 256,
      deferTaskrun: options.taskrun === 'deferred',
    });
  } catch (err) {
    const reason = addonLoadError()?.message ?? (err as Error).message;
    if (wanted === 'io_uring' || forced === 'io_uring') {
      const error = uringUnavailable(reason);
      (error as Error & { cause?: unknown }).cause = err;
      throw error;
    }
    if (process.platform === 'linux' && !fallbackWarned) {
      fallbackWarned = true;
      process.emitWarning(`io_uring is not available (${reason}); using the node:fs backend`, {
        code: 'URING_LOOP_FALLBACK',
      });
    }
    return new FsBackend(entries);
  }
}

function checkOptions(options: unknown): RingOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null)
    throw typeError('options', 'of type object', options);
  // Numbers come back as numbers: a bigint that passed the range check must not reach the backend.
  const o = { ...(options as RingOptions) };
  if (o.entries !== undefined) o.entries = integer('options.entries', o.entries, 1, 32768);
  if (o.cqEntries !== undefined)
    // The kernel refuses a CQ smaller than the SQ (whose default size is 256).
    o.cqEntries = integer('options.cqEntries', o.cqEntries, o.entries ?? 256, 65536);
  if (o.directFiles !== undefined)
    o.directFiles = integer('options.directFiles', o.directFiles, 0, 65536);
  if (o.backend !== undefined && !['auto', 'io_uring', 'fs'].includes(o.backend)) {
    throw valueError(
      'options.backend',
      `must be 'auto', 'io_uring' or 'fs'. Received ${describe(o.backend)}`,
    );
  }
  const sq = o.sqpoll;
  if (sq !== undefined && typeof sq !== 'boolean') {
    if (typeof sq !== 'object' || sq === null)
      throw typeError('options.sqpoll', 'a boolean or { idleMs }', sq);
    o.sqpoll = { idleMs: integer('options.sqpoll.idleMs', sq.idleMs, 0, 60_000) };
  }
  if (o.taskrun !== undefined && o.taskrun !== 'cooperative' && o.taskrun !== 'deferred') {
    throw valueError(
      'options.taskrun',
      `must be 'cooperative' or 'deferred'. Received ${describe(o.taskrun)}`,
    );
  }
  if (o.taskrun === 'deferred' && o.sqpoll !== undefined && o.sqpoll !== false) {
    throw valueError('options.taskrun', "must not be 'deferred' when sqpoll is on");
  }
  return o;
}

// One method per op of the table (installed below); listen and connect also take an options
// object, so the class declares them itself.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface Ring
  extends RingMethods<typeof fileOps>, RingMethods<Omit<typeof netOps, 'listen' | 'connect'>> {}

/** The backend behind a ring, for this package's own modules: the package's exports do not include it. */
let backendOf: (ring: Ring) => Backend;

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class Ring {
  /** Which backend runs this ring's ops. */
  readonly backend: 'io_uring' | 'fs';
  readonly #impl: Backend;

  static {
    backendOf = (ring) => ring.#impl;
  }

  constructor(options?: RingOptions) {
    this.#impl = pickBackend(checkOptions(options));
    this.backend = this.#impl.name;
  }

  /** Whether the kernel runs `op` (e.g. 'ftruncate') on the ring; other ops use node:fs per op. */
  supports(op: string): boolean {
    if (typeof op !== 'string') throw typeError('op', 'of type string', op);
    const kind = OPS.get(op);
    if (kind === undefined) return false;
    if (kind.needsRing && this.#impl.name !== 'io_uring') return false;
    return this.#impl.supports(kind);
  }

  /** Details of the live ring: setup flags, SQ/CQ sizes, supported opcodes. */
  get features(): {
    setupFlags: number;
    sqEntries: number;
    cqEntries: number;
    directFiles: number;
    opcodes: number[];
    /** Socket support: multishot accept/receive, bind and listen on the ring. */
    net: NetFeatures;
  } | null {
    const impl = this.#impl;
    return impl instanceof UringBackend ? { ...impl.info, net: { ...netFeatures(impl) } } : null;
  }

  /** listen(2) on a bound socket (backlog default 511). */
  listen(fd: number, backlog?: number, options?: OpOptions): Promise<void>;
  /** A listening Server: `for await (const conn of server)` accepts connections. */
  listen(options: ListenOptions): Promise<Server>;
  listen(a0?: unknown, a1?: unknown, a2?: unknown): Promise<unknown> {
    if (isPlainObject(a0)) {
      try {
        return listenServer(this.#impl, a0);
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return submit(this, 'listen', netOps.listen, a0, a1, a2);
  }

  /** connect(2) to `{ host, port }` (an IP address) or `{ path }`. */
  connect(fd: number, address: BindAddress, options?: OpOptions): Promise<void>;
  /** A Connection to `{ port, host }` (names resolve with dns.lookup) or `{ path }`. */
  connect(options: ConnectOptions): Promise<Connection>;
  connect(a0?: unknown, a1?: unknown, a2?: unknown): Promise<unknown> {
    if (isPlainObject(a0)) {
      try {
        return connectTo(this.#impl, a0);
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return submit(this, 'connect', netOps.connect, a0, a1, a2);
  }

  /** Starts a chain of linked ops that go to the kernel in one submission. */
  chain(): Chain {
    return newChain(this.#impl);
  }

  stats(): RingStats {
    return this.#impl.stats();
  }

  /**
   * Lets the kernel's io-wq workers run only on `cpus`, or on every CPU again
   * (`null`): `io_uring_register(IORING_REGISTER_IOWQ_AFF)`. io-wq runs what
   * cannot complete inline (buffered writes on ext4, fsync, fallocate, path
   * ops); its workers belong to the thread that submits, so this applies to
   * every ring of the calling thread. io_uring backend only.
   */
  setIowqAffinity(cpus: readonly number[] | null): void {
    setIowqAffinity(uringOnly(this.#impl, 'ring.setIowqAffinity()').native, cpuListArg(cpus));
  }

  /**
   * Caps the io-wq workers of the calling thread (every ring of it):
   * `bounded` for file and block I/O, `unbounded` for work that may wait on a
   * peer; 0 or absent leaves a limit as it is, so `{}` only reads them.
   * `io_uring_register(IORING_REGISTER_IOWQ_MAX_WORKERS)`; returns the
   * limits as they were. io_uring backend only.
   */
  setIowqMaxWorkers(limits: { bounded?: number; unbounded?: number }): IowqLimits {
    const { bounded, unbounded } = iowqLimitsArg(limits);
    const native = uringOnly(this.#impl, 'ring.setIowqMaxWorkers()').native;
    return setIowqMaxWorkers(native, bounded, unbounded);
  }

  /**
   * Cancels in-flight ops and waits for the kernel to return them (every
   * Promise settles), fails queued ops with ECANCELED, then closes the ring.
   */
  shutdown(): Promise<void> {
    const done = this.#impl.shutdown();
    // Servers and connections still open give their fds back once the ring is down.
    const sockets = closeAllSockets(this.#impl);
    return sockets ? done.then(() => sockets) : done;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }
}

/** The io_uring backend of a live ring, for what only it can do. */
function uringOnly(impl: Backend, what: string): UringBackend {
  if (!(impl instanceof UringBackend)) throw unsupportedError(what);
  if (impl.closed) throw closedError();
  return impl;
}

/**
 * Builds and runs one op. Positions `required`..`count-1` are optional; the
 * first of them that holds an options object ends the positional arguments,
 * otherwise the options come at `count`. Fixed parameters, not a rest array:
 * this is the path every op takes.
 */
function submit(
  self: unknown,
  method: string,
  kind: OpKind,
  a0?: unknown,
  a1?: unknown,
  a2?: unknown,
  a3?: unknown,
  a4?: unknown,
  a5?: unknown,
): Promise<never> {
  let impl: Backend;
  let req: Request;
  try {
    impl = backendOf(self as Ring);
    if (kind.needsRing && impl.name !== 'io_uring') throw unsupportedError(`ring.${method}()`);
    const isOptions = kind.needsRing ? isNetOptions : isOptionsObject;
    const count = kind.count as number;
    let at = count;
    for (let i = kind.required as number; i < count; i++) {
      if (isOptions(i === 0 ? a0 : i === 1 ? a1 : i === 2 ? a2 : i === 3 ? a3 : a4)) {
        at = i;
        break;
      }
    }
    const o = at === 0 ? a0 : at === 1 ? a1 : at === 2 ? a2 : at === 3 ? a3 : at === 4 ? a4 : a5;
    const parse = kind.parse as NonNullable<OpKind['parse']>;
    req = new Request(
      kind,
      parse(
        at > 0 ? a0 : undefined,
        at > 1 ? a1 : undefined,
        at > 2 ? a2 : undefined,
        at > 3 ? a3 : undefined,
        at > 4 ? a4 : undefined,
        o,
      ),
    );
    if (o !== undefined && o !== null) applyOptions(req, o);
  } catch (err) {
    return Promise.reject(kind.ringError ? kind.ringError(err, a1) : err);
  }
  const run = impl.run(req) as Promise<never>;
  if (kind.ringError === undefined) return run;
  const ringError = kind.ringError;
  return run.catch((err) => {
    throw ringError(err, a1);
  });
}

installOps(Ring.prototype, fileOps, submit);
installOps(Ring.prototype, netOps, submit, ['listen', 'connect']);

export { backendOf };
