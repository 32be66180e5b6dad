// The one module that loads the addon. Nothing else touches it directly.
import * as path from 'node:path';

export interface NativeRingInfo {
  setupFlags: number;
  features: number;
  sqEntries: number;
  cqEntries: number;
  directFiles: number;
  opcodes: number[];
}

export interface NativeRingOptions {
  entries: number;
  cqEntries?: number;
  sqpoll?: boolean;
  sqpollIdleMs?: number;
  /** IORING_SETUP_DEFER_TASKRUN instead of COOP_TASKRUN. */
  deferTaskrun?: boolean;
  directFiles?: number;
}

// The addon never throws: its functions return a negative errno, which the caller maps with
// errnoError() (loop/errors.ts).

export interface NativeRing {
  /** Turns the staging area into SQEs and submits them: count or negative errno (retried). */
  flush(): number;
  /** Holds the loop alive: called when work is staged while the ring is idle. */
  ref(): void;
  /** The ring's parameters, or a negative errno (-EBADF once closed). */
  info(): NativeRingInfo | number;
  close(): void;
}

export interface NativeRingClass {
  /** A ring, or a negative errno (io_uring_setup and the rest of the set-up). */
  open(
    options: NativeRingOptions,
    onComplete: (count: number) => void,
    params: Float64Array,
    objs: unknown[],
    cqes: Int32Array,
    counters: Float64Array,
  ): NativeRing | number;
}

interface Addon {
  NativeRing: NativeRingClass;
}

let addon: Addon | undefined;
let loadError: Error | undefined;

/** The addon, or undefined (with the reason in `addonLoadError()`) when it cannot load. */
export function loadAddon(): Addon | undefined {
  if (addon || loadError) return addon;
  if (process.platform !== 'linux') {
    loadError = new Error(`io_uring is Linux-only (this is ${process.platform})`);
    return undefined;
  }
  // URING_LOOP_ADDON names another build of the addon, e.g. the sanitized one (npm run test:asan).
  const file =
    process.env.URING_LOOP_ADDON ||
    path.join(__dirname, '..', '..', 'build', 'Release', 'uring_loop.node');
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    addon = require(file) as Addon;
  } catch (err) {
    loadError = err as Error;
  }
  return addon;
}

export function addonLoadError(): Error | undefined {
  loadAddon();
  return loadError;
}
