// FileHandle: node:fs/promises' FileHandle with its I/O on a Ring. Same members, forms, results,
// errors and lifetime rules: every call holds a reference, close() waits for the calls running
// and emits 'close' at once, a closed handle has fd -1 and its calls reject with EBADF.
import { AsyncResource } from 'node:async_hooks';
import { Buffer } from 'node:buffer';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import { createInterface, type Interface } from 'node:readline';
import { promisify } from 'node:util';
import type { Ring } from '../ring';
import { EINVAL, errnoError } from '../../loop/errors';
import { illegalConstructor } from '../../loop/validate';
import { dataOf, decoded, readToEnd, writeToEnd } from './fd-io';
import {
  NODE_MAJOR,
  argTypeError,
  argValueError,
  booleanArg,
  checkAborted,
  integerArg,
  modeOf,
  objectArg,
  optionsOf,
  outOfRange,
  signalOf,
} from './options';
import { fstatx } from './stat-calls';

/** node names readv(2) and writev(2) failures 'read' and 'write'. */
function asSyscall(syscall: string) {
  return (err: unknown): never => {
    const errno = (err as { errno?: unknown }).errno;
    throw typeof errno === 'number' ? errnoError(errno, syscall) : err;
  };
}

/**
 * readv/writev position as the ring takes it: node reads a number below 0 (or anything not a
 * number) as "the current position"; undefined for a number the ring would not take as it is.
 */
function vectorPosition(position: unknown): number | undefined {
  if (typeof position !== 'number') return -1;
  if (!Number.isSafeInteger(position)) return undefined;
  return position < 0 ? -1 : position;
}

const readvAsync = promisify(fs.readv);
const writevAsync = promisify(fs.writev);

function readvNode(
  fd: number,
  views: NodeJS.ArrayBufferView[],
  position: unknown,
): Promise<number> {
  const pos = typeof position === 'number' ? position : undefined;
  return readvAsync(fd, views, pos).then((r) => r.bytesRead);
}

function writevNode(
  fd: number,
  views: NodeJS.ArrayBufferView[],
  position: unknown,
): Promise<number> {
  const pos = typeof position === 'number' ? position : undefined;
  return writevAsync(fd, views, pos).then((r) => r.bytesWritten);
}

export interface ReadResult<T> {
  bytesRead: number;
  buffer: T;
}
export interface WriteResult<T> {
  bytesWritten: number;
  buffer: T;
}

const fchmod = promisify(fs.fchmod);
const fchown = promisify(fs.fchown);
const futimes = promisify(fs.futimes);

/** node's default buffer for read() without one. */
const DEFAULT_READ_SIZE = 16384;
const MAX_INT32 = 2 ** 31 - 1;
/** node's kMaxUserId. */
const MAX_USER_ID = 2 ** 32 - 1;

/** What node's calls on a closed FileHandle reject with. */
function closedError(syscall: string): Error {
  const error = new Error('file closed') as Error & { code: string; syscall: string };
  error.code = 'EBADF';
  error.syscall = syscall;
  return error;
}

function invalidState(message: string): Error {
  const error = new Error(`Invalid state: ${message}`) as Error & { code: string };
  error.code = 'ERR_INVALID_STATE';
  return error;
}

/**
 * Closes an fd through the ring, or directly when the ring is down or went down before the close
 * ran (a close still queued in JS is cancelled by shutdown(), not run).
 */
function closeFd(ring: Ring, fd: number): Promise<void> {
  return ring.close(fd).catch((err: { code?: string }) => {
    if (err?.code !== 'ERR_URING_CLOSED' && err?.code !== 'ECANCELED') throw err;
    return new Promise<void>((resolve, reject) =>
      fs.fstat(fd, (gone) => {
        if (gone) resolve();
        else fs.close(fd, (e) => (e ? reject(e) : resolve()));
      }),
    );
  });
}

// A handle collected while open: its fd is closed and a warning says so, as node does.
const collected = new FinalizationRegistry<number>((fd) => {
  try {
    fs.closeSync(fd);
  } catch {
    // Closed behind the handle's back already: nothing to give back.
  }
  process.emitWarning(`Closing file descriptor ${fd} on garbage collection`);
  process.emitWarning(
    'Closing a FileHandle object on garbage collection is deprecated. Please close FileHandle ' +
      'objects explicitly using FileHandle.prototype.close(). In the future, an error will be ' +
      'thrown if a file descriptor is closed during garbage collection.',
    'DeprecationWarning',
    'DEP0137',
  );
});

/** node's position argument of read(): -1 for the file position. */
function positionOf(position: unknown, length: number): number | bigint {
  if (position === null || position === undefined) return -1;
  if (NODE_MAJOR < 22) {
    // Node 20 reads at the file position for anything but a non-negative number or bigint.
    return typeof position === 'number' && position >= 0 ? position : -1;
  }
  if (typeof position === 'number') return integerArg(position, 'position', -1);
  if (typeof position === 'bigint') {
    const max = 2n ** 63n - 1n - BigInt(length);
    if (!(position >= -1n && position <= max)) {
      throw outOfRange('position', `>= -1 && <= ${max}`, position);
    }
    return position;
  }
  throw argTypeError('position', 'of type bigint or integer', position);
}

function buffersOf(buffers: unknown): NodeJS.ArrayBufferView[] {
  if (!Array.isArray(buffers) || !buffers.every((b) => ArrayBuffer.isView(b))) {
    throw argTypeError('buffers', 'an ArrayBufferView[]', buffers);
  }
  return buffers as NodeJS.ArrayBufferView[];
}

const MAKER = Symbol('FileHandle maker');

export class FileHandle extends EventEmitter {
  readonly #ring: Ring;
  #fd: number;
  /** The handle's own reference plus one per call running. */
  #refs = 1;
  #closing: Promise<void> | undefined = undefined;
  #closeResolve: (() => void) | undefined = undefined;
  #closeReject: ((err: unknown) => void) | undefined = undefined;
  #locked = false;
  readonly #asyncId: number;

  /** FileHandles come from open(). */
  constructor(maker: never, ring: Ring, fd: number) {
    super();
    if ((maker as unknown) !== MAKER) throw illegalConstructor('a FileHandle comes from open()');
    this.#ring = ring;
    this.#fd = fd;
    this.#asyncId = new AsyncResource('FILEHANDLE').asyncId();
    collected.register(this, fd, this);
  }

  getAsyncId(): number {
    return this.#asyncId;
  }

  /** The file descriptor, -1 once closed. */
  get fd(): number {
    return this.#fd;
  }

  appendFile(data: unknown, options?: unknown): Promise<void> {
    return this.writeFile(data, options);
  }

  // chmod, chown and utimes: io_uring has no op for them; node:fs runs them on the fd.
  chmod(mode: unknown): Promise<void> {
    return this.#call('fchmod', () => {
      // Checked here, not by node:fs: its binding aborts the process on a mode of -0.
      if (mode === undefined) throw argTypeError('mode', 'of type number', mode);
      return fchmod(this.#fd, modeOf(mode, 0));
    });
  }

  chown(uid: unknown, gid: unknown): Promise<void> {
    return this.#call('fchown', () => {
      // + 0 turns -0 into 0, which node's binding would abort on.
      const u = integerArg(uid, 'uid', -1, MAX_USER_ID) + 0;
      const g = integerArg(gid, 'gid', -1, MAX_USER_ID) + 0;
      return fchown(this.#fd, u, g);
    });
  }

  datasync(): Promise<void> {
    return this.#call('fdatasync', () => this.#ring.fdatasync(this.#fd));
  }

  sync(): Promise<void> {
    return this.#call('fsync', () => this.#ring.fsync(this.#fd));
  }

  read<T extends NodeJS.ArrayBufferView = Buffer>(
    buffer?: T | { buffer?: T; offset?: number; length?: number; position?: unknown } | null,
    offset?: unknown,
    length?: unknown,
    position?: unknown,
  ): Promise<ReadResult<T>> {
    const fd = this.#fd;
    if (fd === -1) return Promise.reject(closedError('read'));
    let buf = buffer as NodeJS.ArrayBufferView;
    let off = offset;
    let len = length;
    let pos: number | bigint = -1;
    try {
      if (!ArrayBuffer.isView(buf)) {
        // read(options) or read()
        if (buffer !== undefined) objectArg(buffer, 'options', true);
        const o = (buffer ?? {}) as {
          buffer?: NodeJS.ArrayBufferView;
          offset?: unknown;
          length?: unknown;
          position?: unknown;
        };
        buf = o.buffer === undefined ? Buffer.alloc(DEFAULT_READ_SIZE) : o.buffer;
        off = o.offset === undefined ? 0 : o.offset;
        len = o.length === undefined ? buf.byteLength - (off as number) : o.length;
        position = o.position === undefined ? null : o.position;
        if (!ArrayBuffer.isView(buf)) {
          throw argTypeError('buffer', 'an instance of Buffer, TypedArray, or DataView', buf);
        }
      }
      if (off !== null && typeof off === 'object') {
        // read(buffer, options)
        const o = off as { offset?: unknown; length?: unknown; position?: unknown };
        off = o.offset === undefined ? 0 : o.offset;
        len = o.length === undefined ? buf.byteLength - (off as number) : o.length;
        position = o.position === undefined ? null : o.position;
      }
      if (off === null || off === undefined) off = 0;
      else integerArg(off, 'offset', 0);
      const size = buf.byteLength;
      len ??= size - (off as number);
      // Node 24 made the length an int32 and checks the position first; earlier versions check
      // it last, after an empty read has returned.
      const int32 = NODE_MAJOR >= 24;
      if (int32) {
        len = (len as number) | 0;
        pos = positionOf(position, len as number);
      }
      if (len === 0) return Promise.resolve(readResult(0, buf) as ReadResult<T>);
      if (size === 0) throw argValueError('buffer', buf, 'is empty and cannot be written');
      if ((len as number) < 0) throw outOfRange('length', '>= 0', len);
      if ((off as number) + (len as number) > size) {
        throw outOfRange('length', `<= ${size - (off as number)}`, len);
      }
      if (!int32) pos = positionOf(position, len as number);
    } catch (err) {
      return Promise.reject(err);
    }
    this.#refs++;
    return this.#ring.read(fd, buf, off as number, len as number, pos).then(
      (n) => {
        this.#unref();
        return readResult(n, buf) as ReadResult<T>;
      },
      (err) => {
        this.#unref();
        throw err;
      },
    );
  }

  readv<T extends NodeJS.ArrayBufferView[]>(
    buffers: T,
    position?: unknown,
  ): Promise<{
    bytesRead: number;
    buffers: T;
  }> {
    return this.#call('readv', async () => {
      const views = buffersOf(buffers);
      const pos = vectorPosition(position);
      // readv(2) of no buffers is refused by the ring; node passes it on and gets EINVAL.
      if (views.length === 0) throw errnoError(EINVAL, 'read');
      // Of no bytes, the ring answers 0 at once; node's readv(2) still reaches the kernel, which
      // says what the file is (EISDIR for a directory). An odd position is node's to read.
      const n =
        pos === undefined || views.every((v) => v.byteLength === 0)
          ? await readvNode(this.#fd, views, position)
          : await this.#ring.readv(this.#fd, views, pos).catch(asSyscall('read'));
      return nullProto({ bytesRead: n, buffers });
    });
  }

  readFile(options?: unknown): Promise<Buffer | string> {
    return this.#call('readFile', async () => {
      const o = optionsOf(options, { flag: 'r' });
      const bytes = await readToEnd(this.#ring, this.#fd, o.signal, -1);
      return decoded(bytes, o.encoding ?? null);
    });
  }

  readLines(options?: Record<string, unknown>): Interface {
    return createInterface({
      input: this.createReadStream(options),
      crlfDelay: Infinity,
    });
  }

  stat(options?: unknown): Promise<fs.Stats | fs.BigIntStats> {
    return this.#call('fstat', async () => {
      const o = (options === undefined ? { bigint: false } : options) as {
        bigint?: boolean;
        signal?: unknown;
      };
      // Node 26 checks the options; earlier versions read `bigint` off anything, and fail on
      // null with an uncoded TypeError, which is reported here with node 26's code.
      if (NODE_MAJOR >= 26 || o === null) objectArg(o, 'options');
      checkAborted(signalOf(o.signal));
      return fstatx(this.#ring, this.#fd, (o.bigint as unknown) === true);
    });
  }

  truncate(len: unknown = 0): Promise<void> {
    return this.#call('ftruncate', () => {
      const n = integerArg(len, 'len');
      return this.#ring.ftruncate(this.#fd, Math.max(0, n));
    });
  }

  utimes(atime: unknown, mtime: unknown): Promise<void> {
    return this.#call('futimes', () =>
      futimes(this.#fd, atime as fs.TimeLike, mtime as fs.TimeLike),
    );
  }

  write<T>(
    buffer: T,
    offsetOrOptions?: unknown,
    length?: unknown,
    position?: unknown,
  ): Promise<WriteResult<T>> {
    const fd = this.#fd;
    if (fd === -1) return Promise.reject(closedError('write'));
    let view: NodeJS.ArrayBufferView;
    let off = 0;
    let len: number;
    let pos: number;
    try {
      if ((buffer as { byteLength?: unknown } | null)?.byteLength === 0) {
        return Promise.resolve(writeResult(0, buffer));
      }
      if (ArrayBuffer.isView(buffer)) {
        view = buffer as unknown as NodeJS.ArrayBufferView;
        let o: unknown = offsetOrOptions;
        if (typeof o === 'object') {
          const opts = (o ?? {}) as { offset?: unknown; length?: unknown; position?: unknown };
          o = opts.offset === undefined ? 0 : opts.offset;
          length = opts.length === undefined ? view.byteLength - (o as number) : opts.length;
          position = opts.position === undefined ? null : opts.position;
        }
        if (o !== null && o !== undefined) off = integerArg(o, 'offset', 0);
        const size = view.byteLength;
        len = typeof length === 'number' ? length : size - off;
        pos = typeof position === 'number' ? position : -1;
        if (off > size) throw outOfRange('offset', `<= ${size}`, off);
        if (len > size - off) throw outOfRange('length', `<= ${size - off}`, len);
        if (len < 0) throw outOfRange('length', '>= 0', len);
        integerArg(len, 'length', 0, MAX_INT32);
      } else {
        if (typeof buffer !== 'string') {
          throw argTypeError(
            'buffer',
            'of type string or an instance of Buffer, TypedArray, or DataView',
            buffer,
          );
        }
        // write(string, position, encoding): an unknown encoding writes UTF-8, as node does.
        const encoding = typeof length === 'string' && Buffer.isEncoding(length) ? length : 'utf8';
        if (encoding.toLowerCase() === 'hex' && buffer.length % 2 !== 0) {
          throw argValueError('encoding', length, `is invalid for data of length ${buffer.length}`);
        }
        view = Buffer.from(buffer, encoding);
        len = view.byteLength;
        pos = typeof offsetOrOptions === 'number' ? offsetOrOptions : -1;
      }
    } catch (err) {
      return Promise.reject(err);
    }
    this.#refs++;
    return this.#ring.write(fd, view, off, len, pos < -1 ? -1 : pos).then(
      (n) => {
        this.#unref();
        return writeResult(n, buffer);
      },
      (err) => {
        this.#unref();
        throw err;
      },
    );
  }

  writev<T extends NodeJS.ArrayBufferView[]>(
    buffers: T,
    position?: unknown,
  ): Promise<{
    bytesWritten: number;
    buffers: T;
  }> {
    return this.#call('writev', async () => {
      const views = buffersOf(buffers);
      const pos = vectorPosition(position);
      const n =
        views.length === 0
          ? 0
          : pos === undefined
            ? await writevNode(this.#fd, views, position)
            : await this.#ring.writev(this.#fd, views, pos).catch(asSyscall('write'));
      return nullProto({ bytesWritten: n, buffers });
    });
  }

  writeFile(data: unknown, options?: unknown): Promise<void> {
    return this.#call('writeFile', async () => {
      const o = optionsOf(options, { encoding: 'utf8', mode: 0o666, flag: 'w' });
      const bytes = dataOf(data, o.encoding);
      await writeToEnd(this.#ring, this.#fd, bytes, signalOf(o.signal), o.encoding);
    });
  }

  /** Closes the file once the calls running have finished; emits 'close' now. */
  close = (): Promise<void> => {
    if (this.#fd === -1) return Promise.resolve();
    if (this.#closing) return this.#closing;
    const done = () => {
      this.#closing = undefined;
      this.#closeResolve = this.#closeReject = undefined;
    };
    if (--this.#refs === 0) {
      this.#closing = closeFd(this.#ring, this.#release()).finally(done);
    } else {
      this.#closing = new Promise<void>((resolve, reject) => {
        this.#closeResolve = resolve;
        this.#closeReject = reject;
      }).finally(done);
    }
    this.emit('close');
    return this.#closing;
  };

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  readableWebStream(options: unknown = {}): ReadableStream<Uint8Array> {
    if (this.#fd === -1) throw invalidState('The FileHandle is closed');
    if (this.#closing) throw invalidState('The FileHandle is closing');
    if (this.#locked) throw invalidState('The FileHandle is locked');
    this.#locked = true;
    objectArg(options, 'options');
    const { type = 'bytes', autoClose = false } = options as {
      type?: string;
      autoClose?: unknown;
    };
    booleanArg(autoClose, 'options.autoClose');
    if (type !== 'bytes') {
      process.emitWarning(
        'A non-"bytes" options.type has no effect. A byte-oriented steam is always created.',
        'ExperimentalWarning',
      );
    }
    const ondone = async () => {
      this.#unref();
      if (autoClose) await this.close();
    };
    // The handle stays open for the stream until it ends or is cancelled.
    this.#refs++;
    const stream = new ReadableStream({
      type: 'bytes',
      autoAllocateChunkSize: DEFAULT_READ_SIZE,
      pull: async (controller: ReadableByteStreamController) => {
        const view = controller.byobRequest?.view as Uint8Array;
        const { bytesRead } = await this.read(view, 0, view.byteLength);
        if (bytesRead === 0) {
          controller.close();
          await ondone();
        }
        controller.byobRequest?.respond(bytesRead);
      },
      cancel: ondone,
    });
    this.once('close', () => {
      stream.cancel().catch(() => {});
    });
    return stream;
  }

  createReadStream(options?: Record<string, unknown>): fs.ReadStream {
    const stream = fs.createReadStream(
      null as unknown as string,
      {
        ...options,
        fd: this.#fd,
        fs: this.#streamOps(),
      } as never,
    );
    this.on('close', () => stream.close());
    return stream;
  }

  createWriteStream(options?: Record<string, unknown>): fs.WriteStream {
    const stream = fs.createWriteStream(
      null as unknown as string,
      {
        ...options,
        fd: this.#fd,
        fs: this.#streamOps(),
      } as never,
    );
    this.on('close', () => stream.close());
    return stream;
  }

  /** The file operations a node:fs stream makes on this handle, run on the ring. */
  #streamOps(): object {
    type Done = (err: unknown, n?: number, buffer?: unknown) => void;
    const fail = (cb: Done) => (err: unknown) => cb(err);
    return {
      open: (_path: unknown, _flags: unknown, _mode: unknown, cb: Done) => cb(null, this.#fd),
      read: (_fd: number, buf: Buffer, off: number, len: number, pos: unknown, cb: Done) => {
        this.read(buf, off, len, pos ?? null).then(
          (r) => cb(null, r.bytesRead, r.buffer),
          fail(cb),
        );
      },
      write: (_fd: number, buf: Buffer, off: number, len: number, pos: unknown, cb: Done) => {
        this.write(buf, off, len, pos ?? null).then(
          (r) => cb(null, r.bytesWritten, r.buffer),
          fail(cb),
        );
      },
      writev: (_fd: number, bufs: Buffer[], pos: unknown, cb: Done) => {
        this.writev(bufs, pos ?? null).then((r) => cb(null, r.bytesWritten), fail(cb));
      },
      fsync: (_fd: number, cb: Done) => {
        this.sync().then(() => cb(null), fail(cb));
      },
      close: (_fd: number, cb: Done) => {
        this.close().then(() => cb(null), fail(cb));
      },
    };
  }

  /** Runs a call holding a reference, as node's fsCall: a closed handle rejects with EBADF. */
  #call<R>(syscall: string, fn: () => Promise<R>): Promise<R> {
    if (this.#fd === -1) return Promise.reject(closedError(syscall));
    this.#refs++;
    let p: Promise<R>;
    try {
      p = fn();
    } catch (err) {
      p = Promise.reject(err);
    }
    return p.finally(() => this.#unref());
  }

  #unref(): void {
    if (--this.#refs === 0) {
      const resolve = this.#closeResolve;
      const reject = this.#closeReject;
      closeFd(this.#ring, this.#release()).then(resolve, reject);
    }
  }

  /** Marks the handle closed; returns the fd to close. */
  #release(): number {
    const fd = this.#fd;
    this.#fd = -1;
    collected.unregister(this);
    return fd;
  }
}

function nullProto<T extends object>(fields: T): T {
  return Object.assign(Object.create(null) as T, fields);
}

// Results have no prototype, as node's. Object.create(null) and two stores make them in a
// third of the time a literal with `__proto__: null` takes on V8.
function readResult(bytesRead: number, buffer: unknown): unknown {
  const result = Object.create(null) as { bytesRead: number; buffer: unknown };
  result.bytesRead = bytesRead;
  result.buffer = buffer;
  return result;
}

function writeResult<T>(bytesWritten: number, buffer: T): WriteResult<T> {
  const result = Object.create(null) as WriteResult<T>;
  result.bytesWritten = bytesWritten;
  result.buffer = buffer;
  return result;
}

/** A FileHandle for `fd`, opened on `ring`; closing it closes the fd. */
export function fileHandleOf(ring: Ring, fd: number): FileHandle {
  return new FileHandle(MAKER as never, ring, fd);
}
