// Chain: ops linked with IOSQE_IO_LINK and submitted together. Builder methods
// validate their arguments at once (throwing TypeError/RangeError) and return
// the chain; run() sends the whole chain in one submission.
import type { Backend } from '../loop/backend';
import { ChainFile } from '../loop/chain-file';
import { codedError } from '../loop/errors';
import type { Request } from '../loop/request';
import { unsupportedError } from '../loop/net/net-errors';
import * as build from './build';
import * as buildNet from './build-net';
import { optionsArg, splitOptions, typeError, valueError } from './validate';

export interface ChainOpOptions {
  /** Deadline for this op in milliseconds (IORING_OP_LINK_TIMEOUT). */
  timeout?: number;
}

export interface RunOptions {
  /** Aborting cancels the ops still running; run() rejects with an AbortError. */
  signal?: AbortSignal;
}

export class Chain {
  private readonly reqs: Request[] = [];
  private readonly files = new Set<ChainFile>();
  private ran = false;

  /** @internal */
  constructor(private readonly backend: Backend) {}

  /** Number of ops in the chain. */
  get length(): number {
    return this.reqs.length;
  }

  private add(
    required: number,
    count: number,
    args: unknown[],
    make: (...a: unknown[]) => Request,
  ): this {
    if (this.ran) throw codedError('ERR_INVALID_STATE', 'this chain has already run');
    const [positional, opts] = splitOptions(args, required, count);
    const req = make(...positional);
    const file = req.file;
    if (file && !file.open && !this.files.has(file)) {
      throw valueError(
        'fd',
        'is a ChainFile that is neither open nor opened earlier in this chain',
      );
    }
    const { signal, timeout } = optionsArg(opts);
    if (signal) {
      throw valueError('options.signal', 'is not supported per op in a chain: pass it to run()');
    }
    req.timeout = timeout;
    this.reqs.push(req);
    return this;
  }

  /**
   * Opens `path` as part of the chain and returns a ChainFile that later ops of
   * this chain accept in place of an fd. It resolves (in run()'s results) to the
   * same ChainFile, usable with ring ops until closed. If the chain fails, a file
   * it opened and did not close is closed for you.
   */
  open(
    path: string | Buffer | URL,
    flags?: string | number,
    mode?: number,
    options?: ChainOpOptions,
  ): ChainFile {
    if (this.ran) throw codedError('ERR_INVALID_STATE', 'this chain has already run');
    const args = [path, flags, mode, options];
    this.add(1, 3, args, build.open);
    const req = this.reqs[this.reqs.length - 1];
    const file = new ChainFile(req.path as string);
    req.opens = file;
    this.files.add(file);
    return file;
  }

  close(fd: number | ChainFile, options?: ChainOpOptions): this;
  close(...args: unknown[]): this {
    return this.add(1, 1, args, build.close);
  }

  read(
    fd: number | ChainFile,
    buffer: NodeJS.ArrayBufferView,
    offset?: number,
    length?: number,
    position?: number | bigint | null,
    options?: ChainOpOptions,
  ): this;
  read(...args: unknown[]): this {
    return this.add(2, 5, args, build.read);
  }

  write(
    fd: number | ChainFile,
    buffer: NodeJS.ArrayBufferView,
    offset?: number,
    length?: number,
    position?: number | bigint | null,
    options?: ChainOpOptions,
  ): this;
  write(...args: unknown[]): this {
    return this.add(2, 5, args, build.write);
  }

  readv(
    fd: number | ChainFile,
    buffers: NodeJS.ArrayBufferView[],
    position?: number | bigint | null,
    options?: ChainOpOptions,
  ): this;
  readv(...args: unknown[]): this {
    return this.add(2, 3, args, build.readv);
  }

  writev(
    fd: number | ChainFile,
    buffers: NodeJS.ArrayBufferView[],
    position?: number | bigint | null,
    options?: ChainOpOptions,
  ): this;
  writev(...args: unknown[]): this {
    return this.add(2, 3, args, build.writev);
  }

  fsync(fd: number | ChainFile, options?: ChainOpOptions): this;
  fsync(...args: unknown[]): this {
    return this.add(1, 1, args, build.fsync);
  }

  fdatasync(fd: number | ChainFile, options?: ChainOpOptions): this;
  fdatasync(...args: unknown[]): this {
    return this.add(1, 1, args, build.fdatasync);
  }

  fallocate(
    fd: number | ChainFile,
    offset: number,
    length: number,
    mode?: number,
    options?: ChainOpOptions,
  ): this;
  fallocate(...args: unknown[]): this {
    return this.add(3, 4, args, build.fallocate);
  }

  ftruncate(fd: number | ChainFile, length?: number, options?: ChainOpOptions): this;
  ftruncate(...args: unknown[]): this {
    return this.add(1, 2, args, build.ftruncate);
  }

  stat(pathOrFd: string | Buffer | URL | number, options?: ChainOpOptions): this;
  stat(...args: unknown[]): this {
    return this.add(1, 1, args, build.stat);
  }

  unlink(path: string | Buffer | URL, options?: ChainOpOptions): this;
  unlink(...args: unknown[]): this {
    return this.add(1, 1, args, build.unlink);
  }

  rmdir(path: string | Buffer | URL, options?: ChainOpOptions): this;
  rmdir(...args: unknown[]): this {
    return this.add(1, 1, args, build.rmdir);
  }

  rename(
    oldPath: string | Buffer | URL,
    newPath: string | Buffer | URL,
    options?: ChainOpOptions,
  ): this;
  rename(...args: unknown[]): this {
    return this.add(2, 2, args, build.rename);
  }

  mkdir(path: string | Buffer | URL, mode?: number, options?: ChainOpOptions): this;
  mkdir(...args: unknown[]): this {
    return this.add(1, 2, args, build.mkdir);
  }

  nop(options?: ChainOpOptions): this;
  nop(...args: unknown[]): this {
    return this.add(0, 0, args, build.nop);
  }

  sleep(ms: number, options?: ChainOpOptions): this;
  sleep(...args: unknown[]): this {
    return this.add(1, 1, args, build.sleep);
  }

  /** A socket op: io_uring only; recv's `waitAll` is implied (see chainRecv). */
  private addNet(
    name: string,
    required: number,
    count: number,
    args: unknown[],
    make: (...a: unknown[]) => Request,
  ): this {
    if (this.backend.name !== 'io_uring') throw unsupportedError(`chain.${name}()`);
    const [positional, opts] = buildNet.splitNetOptions(args, required, count);
    while (positional.length < count) positional.push(undefined);
    let rest = opts;
    if (typeof opts === 'object' && opts !== null && 'waitAll' in opts) {
      const { waitAll, ...others } = opts as buildNet.RecvOptions;
      if (waitAll === false) {
        throw valueError(
          'options.waitAll',
          'cannot be false in a chain: a short receive would run the next op on a partly filled buffer',
        );
      }
      rest = others;
    }
    return this.add(required, count, [...positional, rest], make);
  }

  socket(family: 'ipv4' | 'ipv6' | 'unix' | 4 | 6, options?: ChainOpOptions): this;
  socket(...args: unknown[]): this {
    return this.addNet('socket', 1, 1, args, buildNet.socket);
  }

  bind(fd: number, address: buildNet.BindAddress, options?: ChainOpOptions): this;
  bind(...args: unknown[]): this {
    return this.addNet('bind', 2, 2, args, buildNet.bind);
  }

  listen(fd: number, backlog?: number, options?: ChainOpOptions): this;
  listen(...args: unknown[]): this {
    return this.addNet('listen', 1, 2, args, buildNet.listen);
  }

  accept(fd: number, options?: ChainOpOptions): this;
  accept(...args: unknown[]): this {
    return this.addNet('accept', 1, 1, args, buildNet.accept);
  }

  connect(fd: number, address: buildNet.BindAddress, options?: ChainOpOptions): this;
  connect(...args: unknown[]): this {
    return this.addNet('connect', 2, 2, args, buildNet.connect);
  }

  send(
    fd: number,
    buffer: NodeJS.ArrayBufferView,
    offset?: number,
    length?: number,
    options?: ChainOpOptions,
  ): this;
  send(...args: unknown[]): this {
    return this.addNet('send', 2, 4, args, buildNet.send);
  }

  /**
   * Receives exactly `length` bytes (MSG_WAITALL): fewer (the peer ended) is a
   * short read that cancels the rest of the chain.
   */
  recv(
    fd: number,
    buffer: NodeJS.ArrayBufferView,
    offset?: number,
    length?: number,
    options?: ChainOpOptions,
  ): this;
  recv(...args: unknown[]): this {
    return this.addNet('recv', 2, 4, args, buildNet.chainRecv);
  }

  sendmsg(fd: number, buffers: NodeJS.ArrayBufferView[], options?: ChainOpOptions): this;
  sendmsg(...args: unknown[]): this {
    return this.addNet('sendmsg', 2, 2, args, buildNet.sendmsg);
  }

  /** Fills every buffer (MSG_WAITALL), like recv in a chain. */
  recvmsg(fd: number, buffers: NodeJS.ArrayBufferView[], options?: ChainOpOptions): this;
  recvmsg(...args: unknown[]): this {
    return this.addNet('recvmsg', 2, 2, args, buildNet.chainRecvmsg);
  }

  shutdownSocket(
    fd: number,
    how?: 'read' | 'write' | 'both' | 0 | 1 | 2,
    options?: ChainOpOptions,
  ): this;
  shutdownSocket(...args: unknown[]): this {
    return this.addNet('shutdownSocket', 1, 2, args, buildNet.shutdown);
  }

  /**
   * Submits the chain. Resolves with each op's value in order, or rejects with
   * a ChainError (index, cause, results) at the first failure — a short read or
   * write counts as one — after which the remaining ops report ECANCELED.
   */
  run(options?: RunOptions): Promise<unknown[]> {
    if (this.ran)
      return Promise.reject(codedError('ERR_INVALID_STATE', 'this chain has already run'));
    let signal: AbortSignal | undefined;
    if (options !== undefined) {
      if (typeof options !== 'object' || options === null) {
        return Promise.reject(typeError('options', 'of type object', options));
      }
      signal = options.signal;
      if (signal !== undefined && !(signal instanceof AbortSignal)) {
        return Promise.reject(typeError('options.signal', 'an instance of AbortSignal', signal));
      }
    }
    this.ran = true;
    return this.backend.runChain(this.reqs, signal);
  }
}
