// readFile, writeFile and appendFile of a path, each a linked chain on the ring:
//   readFile:  open (direct descriptor) -> read up to READ_FIRST bytes (hardlink) -> read up to
//              READ_FIRST more (hardlink; 0 proves the end), then a close of its own (after
//              more reads of the same open file when the second read got bytes)
//   writeFile: open (direct descriptor) -> write ... -> fsync (flush: true) -> close
// Data that is not bytes (an iterable, a stream) is written through a regular fd as it comes.
import { Buffer } from 'node:buffer';
import { constants } from 'node:fs';
import { constants as osConstants } from 'node:os';
import type { ChainFile } from '../../loop/chain-file';
import { ChainError, errnoError, type ErrnoError } from '../../loop/errors';
import { MAX_IO_LENGTH } from '../../loop/validate';
import type { Ring } from '../ring';
import type { RingOf } from './ring-of';
import { ringPath } from './args';
import * as nodeFs from 'node:fs/promises';
import { dataOf, decoded, readToEnd, writeToEnd } from './fd-io';
import { FileHandle } from './file-handle';
import {
  NODE_MAJOR,
  checkAborted,
  flagOf,
  flushOf,
  modeOf,
  optionsOf,
  pathOf,
  signalOf,
} from './options';

/** What each read of a readFile's chain asks for: most files fit; it is node's unknown-size chunk. */
export const READ_FIRST = 64 * 1024;
/** Read buffers kept for reuse (only ones the kernel is done with). */
const POOL_MAX = 64;
const HARDLINK = { hardlink: true };
const PATH_MAX = 4096;
const { O_TRUNC, O_CREAT, O_EXCL } = constants;
const errnos = {
  ENOENT: -osConstants.errno.ENOENT,
  ENOSYS: -osConstants.errno.ENOSYS,
  ENAMETOOLONG: -osConstants.errno.ENAMETOOLONG,
  EMFILE: -osConstants.errno.EMFILE,
};
const { ENOENT, ENOSYS, ENAMETOOLONG, EMFILE } = errnos;

const pool: Buffer[] = [];

function takeBuffer(): Buffer {
  return pool.pop() ?? Buffer.allocUnsafeSlow(2 * READ_FIRST);
}

function giveBack(buffer: Buffer): void {
  if (pool.length < POOL_MAX) pool.push(buffer);
}

/**
 * Chains holding a direct descriptor, per ring: at most as many as its table has slots, the
 * rest wait their turn (a full table would fail them with EMFILE).
 */
interface DirectBudget {
  free: number;
  waiting: (() => void)[];
}
const budgets = new WeakMap<Ring, DirectBudget>();

function budgetOf(ring: Ring): DirectBudget {
  let b = budgets.get(ring);
  if (b === undefined) {
    // The fs backend's chain files are regular fds: the process limit is theirs.
    b = { free: ring.features?.directFiles ?? Infinity, waiting: [] };
    budgets.set(ring, b);
  }
  return b;
}

function release(b: DirectBudget): void {
  const next = b.waiting.shift();
  if (next) next();
  else b.free++;
}

/**
 * Runs `start` once a direct descriptor is free; `start` hands the slot back (release()) when its
 * chain settles. A ring without a direct descriptor table (RLIMIT_NOFILE below its size,
 * `directFiles: 0`) runs `fallback` instead.
 */
function withDirect<T>(
  ring: Ring,
  start: (b: DirectBudget) => Promise<T>,
  fallback: () => Promise<T>,
): Promise<T> {
  const b = budgetOf(ring);
  if (b.free === 0 && b.waiting.length === 0 && ring.features?.directFiles === 0) return fallback();
  const run = (): Promise<T> => {
    try {
      return start(b);
    } catch (err) {
      release(b);
      return Promise.reject(err);
    }
  };
  if (b.free > 0) {
    b.free--;
    return run();
  }
  return new Promise<T>((resolve, reject) => b.waiting.push(() => run().then(resolve, reject)));
}

/** Errors node gives for paths the ring refuses before the kernel sees them. */
function pathError(path: string | Buffer): ErrnoError | undefined {
  const length = typeof path === 'string' ? Buffer.byteLength(path) : path.length;
  if (length === 0) return errnoError(ENOENT, 'open', String(path));
  if (length >= PATH_MAX) return errnoError(ENAMETOOLONG, 'open', String(path));
  return undefined;
}

/** A chain's open refused for want of a direct descriptor: a regular fd can still do the work. */
function noDirect(err: unknown): boolean {
  if (!(err instanceof ChainError) || err.index !== 0) return false;
  const errno = (err.cause as ErrnoError)?.errno;
  return errno === EMFILE || errno === ENOSYS;
}

/** readFile(path | FileHandle, options) on `ring`. */
export function readFileOnRing(
  ring: Ring,
  path: unknown,
  options?: unknown,
): Promise<Buffer | string> {
  let p: string | Buffer;
  let flags: number;
  let encoding: string | null;
  let signal: AbortSignal | undefined;
  try {
    const o = optionsOf(options, { flag: 'r' });
    if (path instanceof FileHandle) return path.readFile(o);
    signal = o.signal;
    checkAborted(signal);
    p = pathOf(path);
    flags = flagOf(o.flag, 'r');
    encoding = o.encoding ?? null;
    const refused = pathError(p);
    if (refused) throw refused;
  } catch (err) {
    return Promise.reject(err);
  }
  return withDirect(
    ring,
    (b) => readChain(ring, b, p, flags, encoding, signal),
    () => readWithFd(ring, p, flags, encoding, signal),
  );
}

function readChain(
  ring: Ring,
  budget: DirectBudget,
  path: string | Buffer,
  flags: number,
  encoding: string | null,
  signal: AbortSignal | undefined,
): Promise<Buffer | string> {
  const buffer = takeBuffer();
  const chain = ring.chain();
  const file = chain.open(path, flags);
  // Two reads: the second one returning 0 is what proves the end of the file. A short first
  // read is not enough: /proc files and pipes return less than asked before their end. The
  // file stays open: what follows a second read that got bytes is read from the same open
  // file (a FIFO's writer never sees its reader go away; a file renamed over the path
  // meanwhile is not read instead).
  chain.read(file, buffer, 0, READ_FIRST, -1, HARDLINK);
  chain.read(file, buffer, READ_FIRST, READ_FIRST, -1, HARDLINK);
  // One then() makes the result: this runs once per readFile.
  return chain.run(signal ? { signal } : undefined).then(
    (results) => {
      const first = results[1] as number;
      const second = results[2] as number;
      let head: Buffer;
      try {
        if (second === 0) {
          const result = encoding
            ? buffer.toString(encoding as BufferEncoding, 0, first)
            : copyOf(buffer, first);
          return closeThen(ring, budget, file, result);
        }
        head = Buffer.allocUnsafeSlow(first + second);
        buffer.copy(head, 0, 0, first);
        buffer.copy(head, first, READ_FIRST, READ_FIRST + second);
      } catch (err) {
        // Whatever fails in making the result, the file is closed and its slot given back.
        return closeAfter(ring, budget, file, Promise.reject(err));
      } finally {
        giveBack(buffer);
      }
      return closeAfter(
        ring,
        budget,
        file,
        readRest(ring, file, path, head, signal).then((bytes) => decoded(bytes, encoding)),
      );
    },
    (err) => {
      // The chain closes the file it opened when an op failed or it was aborted.
      release(budget);
      if (!(err instanceof ChainError)) throw err; // An abort: the buffer is not reused.
      // Every op of the chain has completed: the kernel is done with the buffer.
      giveBack(buffer);
      // The direct descriptor table is full (other chains use it): a regular fd does the work.
      if (noDirect(err)) return readWithFd(ring, path, flags, encoding, signal);
      const cause = err.cause as ErrnoError;
      if (err.index === 1 && NODE_MAJOR >= 26 && cause.path === undefined) {
        // Node 26 names the path in a failed read of readFile (EISDIR).
        throw errnoError(cause.errno, cause.syscall, String(path));
      }
      throw cause;
    },
  );
}

function copyOf(buffer: Buffer, length: number): Buffer {
  const bytes = Buffer.allocUnsafe(length);
  buffer.copy(bytes, 0, 0, length);
  return bytes;
}

/** Closes `file`, then frees its descriptor and settles with `value` (or the close's error). */
function closeThen<T>(ring: Ring, budget: DirectBudget, file: ChainFile, value: T): Promise<T> {
  return ring.close(file).then(
    () => {
      release(budget);
      return value;
    },
    (err) => {
      release(budget);
      throw err;
    },
  );
}

/** Closes `file` after `work`, whose error wins over the close's; then frees its descriptor. */
function closeAfter<T>(
  ring: Ring,
  budget: DirectBudget,
  file: ChainFile,
  work: Promise<T>,
): Promise<T> {
  return work.then(
    (value) => closeThen(ring, budget, file, value),
    (err) =>
      closeThen(ring, budget, file, undefined).then(
        () => {
          throw err;
        },
        () => {
          throw err;
        },
      ),
  );
}

/** What readToEnd() is told of a file statx could not describe: read it until a read returns 0. */
const UNKNOWN_FILE = { mode: 0, size: 0 };

/**
 * Reads on from where the chain stopped, through the file the chain opened, as node reads an open
 * file: a regular file up to its size (statx of the path: a direct descriptor has no fstat), and
 * anything else until a read returns 0. `head` is what the chain read.
 */
async function readRest(
  ring: Ring,
  file: ChainFile,
  path: string | Buffer,
  head: Buffer,
  signal: AbortSignal | undefined,
): Promise<Buffer> {
  checkAborted(signal);
  let st: { mode: number; size: number } = UNKNOWN_FILE;
  try {
    st = await ring.stat(path);
  } catch {
    // Gone from the path since it was opened: the file is read all the same.
  }
  return readToEnd(ring, file, signal, -1, head, st);
}

/** readFile through a regular fd: open, fstat, read, close as separate ops. */
function readWithFd(
  ring: Ring,
  path: string | Buffer,
  flags: number,
  encoding: string | null,
  signal: AbortSignal | undefined,
): Promise<Buffer | string> {
  return ring.open(path, flags).then((fd) =>
    settleWithClose(
      ring,
      fd,
      readToEnd(ring, fd, signal, -1).then((bytes) => decoded(bytes, encoding)),
    ),
  );
}

/** Closes `fd` after `work`; the work's error wins over the close's, as in node's handleFdClose. */
function settleWithClose<T>(ring: Ring, fd: number, work: Promise<T>): Promise<T> {
  return work.then(
    (value) => ring.close(fd).then(() => value),
    (err) =>
      ring.close(fd).then(
        () => {
          throw err;
        },
        () => {
          throw err;
        },
      ),
  );
}

interface WriteOptions {
  flags: number;
  mode: number;
  flush: boolean;
  signal: AbortSignal | undefined;
  encoding: unknown;
}

/** writeFile(path | FileHandle, data, options) on `ring`. */
export function writeFileOnRing(
  ring: Ring,
  path: unknown,
  data: unknown,
  options?: unknown,
  flag = 'w',
): Promise<void> {
  let p: string | Buffer;
  let w: WriteOptions;
  let bytes: ReturnType<typeof dataOf>;
  try {
    const o = optionsOf(options, { encoding: 'utf8', mode: 0o666, flag });
    const flush = flushOf(o.flush);
    const mode = modeOf(o.mode, 0o666);
    bytes = dataOf(data, o.encoding);
    const signal = signalOf(o.signal);
    if (path instanceof FileHandle) return path.writeFile(bytes, o);
    checkAborted(signal);
    p = pathOf(path);
    w = { flags: flagOf(o.flag, flag), mode, flush, signal, encoding: o.encoding };
    const refused = pathError(p);
    if (refused) throw refused;
  } catch (err) {
    return Promise.reject(err);
  }
  if (!(bytes instanceof Uint8Array)) return writeWithFd(ring, p, bytes, w);
  const data8 = bytes;
  return withDirect(
    ring,
    (b) => writeChain(ring, b, p, data8, w),
    () => writeWithFd(ring, p, data8, w),
  );
}

/** appendFile(path | FileHandle, data, options): writeFile with flag 'a' by default. */
export function appendFileOnRing(
  ring: Ring,
  path: unknown,
  data: unknown,
  options?: unknown,
): Promise<void> {
  return writeFileOnRing(ring, path, data, options, 'a');
}

function writeChain(
  ring: Ring,
  budget: DirectBudget,
  path: string | Buffer,
  data: Uint8Array,
  w: WriteOptions,
) {
  const chain = ring.chain();
  const file = chain.open(path, w.flags, w.mode);
  for (let at = 0; at < data.length; at += MAX_IO_LENGTH) {
    chain.write(file, data, at, Math.min(MAX_IO_LENGTH, data.length - at), -1);
  }
  if (w.flush) chain.fsync(file);
  chain.close(file);
  return chain.run(w.signal ? { signal: w.signal } : undefined).then(
    () => {
      release(budget);
    },
    (err) => {
      release(budget);
      if (!(err instanceof ChainError)) throw err;
      if (noDirect(err)) return writeWithFd(ring, path, data, w);
      const cause = err.cause as ErrnoError & { bytes?: number };
      if (cause.code !== 'ERR_URING_SHORT_IO') throw cause;
      // A short write (a full disk, a signal): what was written stays, the rest goes through
      // a regular fd, which also reports the error that stopped it.
      let written = cause.bytes as number;
      for (let i = 1; i < err.index; i++) written += chainWrite(err, i);
      const again = { ...w, flags: w.flags & ~(O_TRUNC | O_CREAT | O_EXCL) };
      return writeWithFd(ring, path, data.subarray(written), again, written);
    },
  );
}

function chainWrite(err: ChainError, index: number): number {
  const r = err.results[index];
  return r.status === 'fulfilled' ? (r.value as number) : 0;
}

/** writeFile through a regular fd: open, write as the data comes, fsync, close. */
function writeWithFd(
  ring: Ring,
  path: string | Buffer,
  data: ReturnType<typeof dataOf>,
  w: WriteOptions,
  position = -1,
): Promise<void> {
  return ring.open(path, w.flags, w.mode).then((fd) => {
    // Opened with O_APPEND, a write goes to the end whatever the position.
    let work = writeToEnd(ring, fd, data, w.signal, w.encoding, position);
    if (w.flush) work = work.then(() => ring.fsync(fd));
    return settleWithClose(ring, fd, work);
  });
}

/**
 * The module's readFile, writeFile and appendFile on `ringOf`'s ring (see create-fs.ts). A path
 * the ring would not take as it is goes to node's own function, which rejects it with node's own
 * error (as every path call of the module does, see args.ts).
 */
export function readFileOn(ringOf: RingOf) {
  return function readFile(path: unknown, options?: unknown): Promise<Buffer | string> {
    // The 'buffer' encoding is node's own quirk (refused or not depending on the file's type
    // and node's version): node's function decides.
    if (
      (!(path instanceof FileHandle) && ringPath(path) === undefined) ||
      bufferEncoding(options)
    ) {
      return (nodeFs.readFile as (...args: unknown[]) => Promise<Buffer | string>)(path, options);
    }
    return readFileOnRing(ringOf(), path, options);
  };
}

export function writeFileOn(ringOf: RingOf) {
  return function writeFile(path: unknown, data: unknown, options?: unknown): Promise<void> {
    if (!(path instanceof FileHandle) && ringPath(path) === undefined) {
      return (nodeFs.writeFile as (...args: unknown[]) => Promise<void>)(path, data, options);
    }
    return writeFileOnRing(ringOf(), path, data, options);
  };
}

export function appendFileOn(ringOf: RingOf) {
  return function appendFile(path: unknown, data: unknown, options?: unknown): Promise<void> {
    if (!(path instanceof FileHandle) && ringPath(path) === undefined) {
      return (nodeFs.appendFile as (...args: unknown[]) => Promise<void>)(path, data, options);
    }
    return appendFileOnRing(ringOf(), path, data, options);
  };
}

function bufferEncoding(options: unknown): boolean {
  if (options === 'buffer') return true;
  return (
    typeof options === 'object' &&
    options !== null &&
    (options as { encoding?: unknown }).encoding === 'buffer'
  );
}
