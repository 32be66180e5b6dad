// Ring: the public entry point. Validates arguments, builds requests and hands
// them to the live backend (io_uring, or node:fs where io_uring cannot run).
import type { Backend, RingStats } from '../loop/backend';
import { addonLoadError } from '../loop/binding';
import type { ChainFile } from '../loop/chain-file';
import { FsBackend } from '../loop/fs-backend';
import * as ops from '../loop/ops';
import type { OpKind, Request } from '../loop/request';
import type { Stats } from '../loop/stats';
import { UringBackend, uringUnavailable } from '../loop/uring-backend';
import { closedError } from '../loop/errors';
import { setIowqAffinity, setIowqMaxWorkers, type IowqLimits } from '../loop/iowq';
import { netFeatures, type NetFeatures } from '../loop/net/features';
import { unsupportedError } from '../loop/net/net-errors';
import * as build from './build';
import * as buildNet from './build-net';
import { Chain } from './chain';
import { cpuListArg, iowqLimitsArg } from './iowq';
import { connectTo } from './net/connect';
import type { Connection } from './net/connection';
import { listenServer } from './net/listen';
import { addressed, isPlainObject } from './net/address';
import type { ConnectOptions, ListenOptions } from './net/options';
import { closeAllSockets } from './net/registry';
import type { Server } from './net/server';
import {
  applyOptions,
  describe,
  integer,
  isOptionsObject,
  typeError,
  valueError,
  type OpOptions,
} from './validate';

export interface RingOptions {
  /** SQ size (rounded up to a power of two by the kernel). Default 256. */
  entries?: number;
  /** CQ size. Default: twice `entries`. */
  cqEntries?: number;
  /** 'auto' (default) uses io_uring when it works, else node:fs. */
  backend?: 'auto' | 'io_uring' | 'fs';
  /** Kernel submission thread (IORING_SETUP_SQPOLL). Off by default: see the README. */
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

export type { OpOptions, RingStats };

type Maker = (a0?: unknown, a1?: unknown, a2?: unknown, a3?: unknown, a4?: unknown) => Request;

const OP_NAMES: Record<string, OpKind> = {};
for (const [name, kind] of Object.entries(ops)) {
  if (typeof kind === 'object' && kind !== null && 'opcode' in kind) OP_NAMES[name] = kind;
}

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

export class Ring {
  /** Which backend runs this ring's ops. */
  readonly backend: 'io_uring' | 'fs';
  /** @internal */
  readonly impl: Backend;

  constructor(options?: RingOptions) {
    this.impl = pickBackend(checkOptions(options));
    this.backend = this.impl.name;
  }

  /** Whether the kernel runs `op` (e.g. 'ftruncate') on the ring; other ops use node:fs per op. */
  supports(op: string): boolean {
    if (typeof op !== 'string') throw typeError('op', 'of type string', op);
    const kind = Object.hasOwn(OP_NAMES, op) ? OP_NAMES[op] : undefined;
    if (kind?.needsRing && this.impl.name !== 'io_uring') return false;
    return kind !== undefined && this.impl.supports(kind);
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
    const impl = this.impl;
    return impl instanceof UringBackend ? { ...impl.info, net: { ...netFeatures(impl) } } : null;
  }

  /**
   * Builds and runs one op. Positions `required`..`count-1` are optional; the
   * first of them that holds an options object ends the positional arguments,
   * otherwise the options come at `count`. Fixed parameters, not a rest array:
   * this is the path every op takes.
   */
  private submit(
    required: number,
    count: number,
    make: Maker,
    a0?: unknown,
    a1?: unknown,
    a2?: unknown,
    a3?: unknown,
    a4?: unknown,
    a5?: unknown,
  ): Promise<never> {
    let req: Request;
    try {
      let at = count;
      for (let i = required; i < count; i++) {
        if (isOptionsObject(i === 0 ? a0 : i === 1 ? a1 : i === 2 ? a2 : i === 3 ? a3 : a4)) {
          at = i;
          break;
        }
      }
      req = make(
        at > 0 ? a0 : undefined,
        at > 1 ? a1 : undefined,
        at > 2 ? a2 : undefined,
        at > 3 ? a3 : undefined,
        at > 4 ? a4 : undefined,
      );
      const o = at === 0 ? a0 : at === 1 ? a1 : at === 2 ? a2 : at === 3 ? a3 : at === 4 ? a4 : a5;
      if (o !== undefined && o !== null) applyOptions(req, o);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.impl.run(req) as Promise<never>;
  }

  /** Opens `path` (flags as node:fs: 'r', 'w', 'a+', ... or a number); resolves with the fd. */
  open(
    path: string | Buffer | URL,
    flags?: string | number,
    mode?: number,
    options?: OpOptions,
  ): Promise<number>;
  open(a0?: unknown, a1?: unknown, a2?: unknown, a3?: unknown): Promise<number> {
    return this.submit(1, 3, build.open, a0, a1, a2, a3);
  }

  close(fd: number | ChainFile, options?: OpOptions): Promise<void>;
  close(a0?: unknown, a1?: unknown): Promise<void> {
    return this.submit(1, 1, build.close, a0, a1);
  }

  /** Reads into buffer[offset, offset+length); position null or -1 reads at the file position. */
  read(
    fd: number | ChainFile,
    buffer: NodeJS.ArrayBufferView,
    offset?: number,
    length?: number,
    position?: number | bigint | null,
    options?: OpOptions,
  ): Promise<number>;
  read(
    a0?: unknown,
    a1?: unknown,
    a2?: unknown,
    a3?: unknown,
    a4?: unknown,
    a5?: unknown,
  ): Promise<number> {
    return this.submit(2, 5, build.read, a0, a1, a2, a3, a4, a5);
  }

  write(
    fd: number | ChainFile,
    buffer: NodeJS.ArrayBufferView,
    offset?: number,
    length?: number,
    position?: number | bigint | null,
    options?: OpOptions,
  ): Promise<number>;
  write(
    a0?: unknown,
    a1?: unknown,
    a2?: unknown,
    a3?: unknown,
    a4?: unknown,
    a5?: unknown,
  ): Promise<number> {
    return this.submit(2, 5, build.write, a0, a1, a2, a3, a4, a5);
  }

  readv(
    fd: number | ChainFile,
    buffers: NodeJS.ArrayBufferView[],
    position?: number | bigint | null,
    options?: OpOptions,
  ): Promise<number>;
  readv(a0?: unknown, a1?: unknown, a2?: unknown, a3?: unknown): Promise<number> {
    return this.submit(2, 3, build.readv, a0, a1, a2, a3);
  }

  writev(
    fd: number | ChainFile,
    buffers: NodeJS.ArrayBufferView[],
    position?: number | bigint | null,
    options?: OpOptions,
  ): Promise<number>;
  writev(a0?: unknown, a1?: unknown, a2?: unknown, a3?: unknown): Promise<number> {
    return this.submit(2, 3, build.writev, a0, a1, a2, a3);
  }

  fsync(fd: number | ChainFile, options?: OpOptions): Promise<void>;
  fsync(a0?: unknown, a1?: unknown): Promise<void> {
    return this.submit(1, 1, build.fsync, a0, a1);
  }

  fdatasync(fd: number | ChainFile, options?: OpOptions): Promise<void>;
  fdatasync(a0?: unknown, a1?: unknown): Promise<void> {
    return this.submit(1, 1, build.fdatasync, a0, a1);
  }

  /** fallocate(2): mode 0 allocates and extends the file size. */
  fallocate(
    fd: number | ChainFile,
    offset: number,
    length: number,
    mode?: number,
    options?: OpOptions,
  ): Promise<void>;
  fallocate(a0?: unknown, a1?: unknown, a2?: unknown, a3?: unknown, a4?: unknown): Promise<void> {
    return this.submit(3, 4, build.fallocate, a0, a1, a2, a3, a4);
  }

  ftruncate(fd: number | ChainFile, length?: number, options?: OpOptions): Promise<void>;
  ftruncate(a0?: unknown, a1?: unknown, a2?: unknown): Promise<void> {
    return this.submit(1, 2, build.ftruncate, a0, a1, a2);
  }

  /** statx(2) of a path (following symlinks) or of an open fd. */
  stat(pathOrFd: string | Buffer | URL | number, options?: OpOptions): Promise<Stats>;
  stat(a0?: unknown, a1?: unknown): Promise<Stats> {
    return this.submit(1, 1, build.stat, a0, a1);
  }

  unlink(path: string | Buffer | URL, options?: OpOptions): Promise<void>;
  unlink(a0?: unknown, a1?: unknown): Promise<void> {
    return this.submit(1, 1, build.unlink, a0, a1);
  }

  rmdir(path: string | Buffer | URL, options?: OpOptions): Promise<void>;
  rmdir(a0?: unknown, a1?: unknown): Promise<void> {
    return this.submit(1, 1, build.rmdir, a0, a1);
  }

  rename(
    oldPath: string | Buffer | URL,
    newPath: string | Buffer | URL,
    options?: OpOptions,
  ): Promise<void>;
  rename(a0?: unknown, a1?: unknown, a2?: unknown): Promise<void> {
    return this.submit(2, 2, build.rename, a0, a1, a2);
  }

  mkdir(path: string | Buffer | URL, mode?: number, options?: OpOptions): Promise<void>;
  mkdir(a0?: unknown, a1?: unknown, a2?: unknown): Promise<void> {
    return this.submit(1, 2, build.mkdir, a0, a1, a2);
  }

  /** A no-op through the ring: measures the framework's own cost. */
  nop(options?: OpOptions): Promise<void>;
  nop(a0?: unknown): Promise<void> {
    return this.submit(0, 0, build.nop, a0);
  }

  /** Resolves after `ms` milliseconds, timed by the kernel (IORING_OP_TIMEOUT). */
  sleep(ms: number, options?: OpOptions): Promise<void>;
  sleep(a0?: unknown, a1?: unknown): Promise<void> {
    return this.submit(1, 1, build.sleep, a0, a1);
  }

  /** A socket op: only the io_uring backend runs them. */
  private submitNet(
    name: string,
    required: number,
    count: number,
    args: unknown[],
    make: (...a: unknown[]) => Request,
  ): Promise<never> {
    let req: Request;
    try {
      if (this.impl.name !== 'io_uring') throw unsupportedError(`ring.${name}()`);
      const [positional, opts] = buildNet.splitNetOptions(args, required, count);
      while (positional.length < count) positional.push(undefined);
      req = make(...positional, opts);
      if (opts !== undefined && opts !== null) applyOptions(req, opts);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.impl.run(req) as Promise<never>;
  }

  /** A stream socket ('ipv4', 'ipv6' or 'unix'; always close-on-exec); resolves with its fd. */
  socket(family: 'ipv4' | 'ipv6' | 'unix' | 4 | 6, options?: OpOptions): Promise<number>;
  socket(...args: unknown[]): Promise<number> {
    return this.submitNet('socket', 1, 1, args, buildNet.socket);
  }

  /**
   * bind(2) to `{ host, port }` (an IP address) or `{ path }`, after setting
   * SO_REUSEADDR / SO_REUSEPORT when asked.
   */
  bind(fd: number, address: buildNet.BindAddress, options?: OpOptions): Promise<void>;
  bind(...args: unknown[]): Promise<void> {
    return this.submitNet('bind', 2, 2, args, buildNet.bind).catch((err) => {
      throw addressed(err, args[1]);
    });
  }

  /** listen(2) on a bound socket (backlog default 511). */
  listen(fd: number, backlog?: number, options?: OpOptions): Promise<void>;
  /** A listening Server: `for await (const conn of server)` accepts connections. */
  listen(options: ListenOptions): Promise<Server>;
  listen(...args: unknown[]): Promise<unknown> {
    if (isPlainObject(args[0])) {
      try {
        return listenServer(this.impl, args[0]);
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return this.submitNet('listen', 1, 2, args, buildNet.listen);
  }

  /** Accepts one connection; resolves with its fd (close-on-exec). */
  accept(fd: number, options?: OpOptions): Promise<number>;
  accept(...args: unknown[]): Promise<number> {
    return this.submitNet('accept', 1, 1, args, buildNet.accept);
  }

  /** connect(2) to `{ host, port }` (an IP address) or `{ path }`. */
  connect(fd: number, address: buildNet.BindAddress, options?: OpOptions): Promise<void>;
  /** A Connection to `{ port, host }` (names resolve with dns.lookup) or `{ path }`. */
  connect(options: ConnectOptions): Promise<Connection>;
  connect(...args: unknown[]): Promise<unknown> {
    if (isPlainObject(args[0])) {
      try {
        return connectTo(this.impl, args[0]);
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return this.submitNet('connect', 2, 2, args, buildNet.connect).catch((err) => {
      throw addressed(err, args[1]);
    });
  }

  /** Sends buffer[offset, offset+length) whole (MSG_WAITALL), never raising SIGPIPE. */
  send(
    fd: number,
    buffer: NodeJS.ArrayBufferView,
    offset?: number,
    length?: number,
    options?: OpOptions,
  ): Promise<number>;
  send(...args: unknown[]): Promise<number> {
    return this.submitNet('send', 2, 4, args, buildNet.send);
  }

  /** Receives into buffer[offset, offset+length); 0 at the end of the stream. */
  recv(
    fd: number,
    buffer: NodeJS.ArrayBufferView,
    offset?: number,
    length?: number,
    options?: buildNet.RecvOptions,
  ): Promise<number>;
  recv(...args: unknown[]): Promise<number> {
    return this.submitNet('recv', 2, 4, args, buildNet.recv);
  }

  /** Sends several buffers in one message (whole, never raising SIGPIPE). */
  sendmsg(fd: number, buffers: NodeJS.ArrayBufferView[], options?: OpOptions): Promise<number>;
  sendmsg(...args: unknown[]): Promise<number> {
    return this.submitNet('sendmsg', 2, 2, args, buildNet.sendmsg);
  }

  /** Receives into several buffers in turn. */
  recvmsg(
    fd: number,
    buffers: NodeJS.ArrayBufferView[],
    options?: buildNet.RecvOptions,
  ): Promise<number>;
  recvmsg(...args: unknown[]): Promise<number> {
    return this.submitNet('recvmsg', 2, 2, args, buildNet.recvmsg);
  }

  /** shutdown(2) of a socket: 'read', 'write' or 'both' (default). */
  shutdownSocket(
    fd: number,
    how?: 'read' | 'write' | 'both' | 0 | 1 | 2,
    options?: OpOptions,
  ): Promise<void>;
  shutdownSocket(...args: unknown[]): Promise<void> {
    return this.submitNet('shutdownSocket', 1, 2, args, buildNet.shutdown);
  }

  /** Starts a chain of linked ops that go to the kernel in one submission. */
  chain(): Chain {
    return new Chain(this.impl);
  }

  stats(): RingStats {
    return this.impl.stats();
  }

  /**
   * Lets the kernel's io-wq workers run only on `cpus`, or on every CPU again
   * (`null`): `io_uring_register(IORING_REGISTER_IOWQ_AFF)`. io-wq runs what
   * cannot complete inline (buffered writes on ext4, fsync, fallocate, path
   * ops); its workers belong to the thread that submits, so this applies to
   * every ring of the calling thread. io_uring backend only.
   */
  setIowqAffinity(cpus: readonly number[] | null): void {
    setIowqAffinity(this.uringOnly('ring.setIowqAffinity()').native, cpuListArg(cpus));
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
    return setIowqMaxWorkers(this.uringOnly('ring.setIowqMaxWorkers()').native, bounded, unbounded);
  }

  /** The io_uring backend of a live ring, for what only it can do. */
  private uringOnly(what: string): UringBackend {
    const impl = this.impl;
    if (!(impl instanceof UringBackend)) throw unsupportedError(what);
    if (impl.closed) throw closedError();
    return impl;
  }

  /**
   * Cancels in-flight ops and waits for the kernel to return them (every
   * Promise settles), fails queued ops with ECANCELED, then closes the ring.
   */
  shutdown(): Promise<void> {
    const done = this.impl.shutdown();
    // Servers and connections still open give their fds back once the ring is down.
    const sockets = closeAllSockets(this.impl);
    return sockets ? done.then(() => sockets) : done;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }
}
