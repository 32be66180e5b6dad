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
import * as build from './build';
import { Chain } from './chain';
import {
  describe,
  integer,
  splitOptions,
  optionsArg,
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
}

export type { OpOptions, RingStats };

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
    const kind = OP_NAMES[op];
    return kind !== undefined && this.impl.supports(kind);
  }

  /** Details of the live ring: setup flags, SQ/CQ sizes, supported opcodes. */
  get features(): {
    setupFlags: number;
    sqEntries: number;
    cqEntries: number;
    directFiles: number;
    opcodes: number[];
  } | null {
    return this.impl instanceof UringBackend ? { ...this.impl.info } : null;
  }

  private submit(
    required: number,
    count: number,
    args: unknown[],
    make: (...a: unknown[]) => Request,
  ): Promise<never> {
    let req: Request;
    try {
      const [positional, opts] = splitOptions(args, required, count);
      req = make(...positional);
      const o = optionsArg(opts);
      req.signal = o.signal;
      req.timeout = o.timeout;
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
  open(...args: unknown[]): Promise<number> {
    return this.submit(1, 3, args, build.open);
  }

  close(fd: number | ChainFile, options?: OpOptions): Promise<void>;
  close(...args: unknown[]): Promise<void> {
    return this.submit(1, 1, args, build.close);
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
  read(...args: unknown[]): Promise<number> {
    return this.submit(2, 5, args, build.read);
  }

  write(
    fd: number | ChainFile,
    buffer: NodeJS.ArrayBufferView,
    offset?: number,
    length?: number,
    position?: number | bigint | null,
    options?: OpOptions,
  ): Promise<number>;
  write(...args: unknown[]): Promise<number> {
    return this.submit(2, 5, args, build.write);
  }

  readv(
    fd: number | ChainFile,
    buffers: NodeJS.ArrayBufferView[],
    position?: number | bigint | null,
    options?: OpOptions,
  ): Promise<number>;
  readv(...args: unknown[]): Promise<number> {
    return this.submit(2, 3, args, build.readv);
  }

  writev(
    fd: number | ChainFile,
    buffers: NodeJS.ArrayBufferView[],
    position?: number | bigint | null,
    options?: OpOptions,
  ): Promise<number>;
  writev(...args: unknown[]): Promise<number> {
    return this.submit(2, 3, args, build.writev);
  }

  fsync(fd: number | ChainFile, options?: OpOptions): Promise<void>;
  fsync(...args: unknown[]): Promise<void> {
    return this.submit(1, 1, args, build.fsync);
  }

  fdatasync(fd: number | ChainFile, options?: OpOptions): Promise<void>;
  fdatasync(...args: unknown[]): Promise<void> {
    return this.submit(1, 1, args, build.fdatasync);
  }

  /** fallocate(2): mode 0 allocates and extends the file size. */
  fallocate(
    fd: number | ChainFile,
    offset: number,
    length: number,
    mode?: number,
    options?: OpOptions,
  ): Promise<void>;
  fallocate(...args: unknown[]): Promise<void> {
    return this.submit(3, 4, args, build.fallocate);
  }

  ftruncate(fd: number | ChainFile, length?: number, options?: OpOptions): Promise<void>;
  ftruncate(...args: unknown[]): Promise<void> {
    return this.submit(1, 2, args, build.ftruncate);
  }

  /** statx(2) of a path (following symlinks) or of an open fd. */
  stat(pathOrFd: string | Buffer | URL | number, options?: OpOptions): Promise<Stats>;
  stat(...args: unknown[]): Promise<Stats> {
    return this.submit(1, 1, args, build.stat);
  }

  unlink(path: string | Buffer | URL, options?: OpOptions): Promise<void>;
  unlink(...args: unknown[]): Promise<void> {
    return this.submit(1, 1, args, build.unlink);
  }

  rmdir(path: string | Buffer | URL, options?: OpOptions): Promise<void>;
  rmdir(...args: unknown[]): Promise<void> {
    return this.submit(1, 1, args, build.rmdir);
  }

  rename(
    oldPath: string | Buffer | URL,
    newPath: string | Buffer | URL,
    options?: OpOptions,
  ): Promise<void>;
  rename(...args: unknown[]): Promise<void> {
    return this.submit(2, 2, args, build.rename);
  }

  mkdir(path: string | Buffer | URL, mode?: number, options?: OpOptions): Promise<void>;
  mkdir(...args: unknown[]): Promise<void> {
    return this.submit(1, 2, args, build.mkdir);
  }

  /** A no-op through the ring: measures the framework's own cost. */
  nop(options?: OpOptions): Promise<void>;
  nop(...args: unknown[]): Promise<void> {
    return this.submit(0, 0, args, build.nop);
  }

  /** Resolves after `ms` milliseconds, timed by the kernel (IORING_OP_TIMEOUT). */
  sleep(ms: number, options?: OpOptions): Promise<void>;
  sleep(...args: unknown[]): Promise<void> {
    return this.submit(1, 1, args, build.sleep);
  }

  /** Starts a chain of linked ops that go to the kernel in one submission. */
  chain(): Chain {
    return new Chain(this.impl);
  }

  stats(): RingStats {
    return this.impl.stats();
  }

  /**
   * Cancels in-flight ops and waits for the kernel to return them (every
   * Promise settles), fails queued ops with ECANCELED, then closes the ring.
   */
  shutdown(): Promise<void> {
    return this.impl.shutdown();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }
}
