// The one module that loads the addon. Nothing else touches it directly.
import * as fs from 'node:fs';
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

const PACKAGE_ROOT = path.join(__dirname, '..', '..');
const HOW_TO_BUILD =
  "to build it, install cmake, a C++ compiler, make and liburing's headers " +
  '(Debian/Ubuntu: apt-get install cmake g++ make liburing-dev; ' +
  'Fedora: dnf install cmake gcc-c++ make liburing-devel), then run `npm rebuild uring-loop`';

/**
 * Where the addon may be, in order: a build named by URING_LOOP_ADDON (e.g. the sanitized one,
 * npm run test:asan); a source build, which exists only when it was asked for or no prebuild fit
 * (scripts/build-native.js); the prebuild the package ships for this platform.
 */
function candidates(): string[] {
  if (process.env.URING_LOOP_ADDON) return [process.env.URING_LOOP_ADDON];
  const source = path.join(PACKAGE_ROOT, 'build', 'Release', 'uring_loop.node');
  const prebuilt = path.join(PACKAGE_ROOT, 'prebuilds', `linux-${process.arch}`, 'uring_loop.node');
  return [source, prebuilt].filter((file) => fs.existsSync(file));
}

/** The addon, or undefined (with the reason in `addonLoadError()`) when it cannot load. */
export function loadAddon(): Addon | undefined {
  if (addon || loadError) return addon;
  if (process.platform !== 'linux') {
    loadError = new Error(`io_uring is Linux-only (this is ${process.platform})`);
    return undefined;
  }
  const files = candidates();
  const failures: string[] = [];
  for (const file of files) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      addon = require(file) as Addon;
      return addon;
    } catch (err) {
      // The first line names the problem (e.g. a missing GLIBC_x.y); the rest is a require stack.
      const relative = path.relative(PACKAGE_ROOT, file);
      const name = relative.startsWith('..') ? file : relative;
      failures.push(`${name}: ${String((err as Error).message).split('\n')[0]}`);
    }
  }
  const cause = files.length
    ? `the uring-loop addon does not load (${failures.join('; ')})`
    : `uring-loop has no addon for linux-${process.arch} (no prebuild, no source build)`;
  loadError = new Error(`${cause}; ${HOW_TO_BUILD}`);
  return undefined;
}

export function addonLoadError(): Error | undefined {
  loadAddon();
  return loadError;
}
