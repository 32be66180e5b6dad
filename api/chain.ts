// Chain: ops linked with IOSQE_IO_LINK (or IOSQE_IO_HARDLINK) and submitted together. Builder
// methods (one per op of the table, installed below) validate their arguments at once (throwing
// TypeError/RangeError) and return the chain; run() sends the whole chain in one submission.
import type { Backend } from '../loop/backend';
import { ChainFile } from '../loop/chain-file';
import { codedError } from '../loop/errors';
import { FsBackend } from '../loop/fs-backend';
import { unsupportedError } from '../loop/net/net-errors';
import { fileOps, netOps } from '../loop/ops';
import { isNetOptions, type RecvOptions } from '../loop/ops/net-common';
import type { OpKind } from '../loop/ops/op';
import { requestOf, type Request } from '../loop/request';
import { UringBackend } from '../loop/uring-backend';
import { isOptionsObject, optionsArg, typeError, valueError } from '../loop/validate';
import { installOps, type ChainMethods, type ChainOpOptions, type OpCall } from './op-methods';

export type { ChainOpOptions };

export interface RunOptions {
  /** Aborting cancels the ops still running; run() rejects with an AbortError. */
  signal?: AbortSignal;
}

/** What a receive in a chain is given: it waits for its whole length (OpKind.chainWaitsAll). */
const WAIT_ALL: RecvOptions = { waitAll: true };

/** An options object in a builder's optional positions may name only `hardlink`. */
function namesHardlink(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    !ArrayBuffer.isView(value) &&
    !Array.isArray(value) &&
    !(value instanceof ChainFile) &&
    !(value instanceof URL) &&
    'hardlink' in value
  );
}

function isChainOptions(value: unknown): boolean {
  return isOptionsObject(value) || namesHardlink(value);
}

function isChainNetOptions(value: unknown): boolean {
  return isNetOptions(value) || namesHardlink(value);
}

/** ChainOpOptions.hardlink: a boolean, false when absent. */
function hardlinkArg(options: unknown): boolean {
  if (typeof options !== 'object' || options === null) return false;
  const value = (options as ChainOpOptions).hardlink;
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw typeError('options.hardlink', 'of type boolean', value);
  return value;
}

// One builder per op of the table; open, which returns the file it opens, is declared below.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface Chain
  extends ChainMethods<Omit<typeof fileOps, 'open'>, Chain>, ChainMethods<typeof netOps, Chain> {}

let add: OpCall<Chain, Request>;

/** Positional argument `i` of a builder's call: no array is made for them per op. */
function argAt(
  i: number,
  a0: unknown,
  a1: unknown,
  a2: unknown,
  a3: unknown,
  a4: unknown,
  a5: unknown,
): unknown {
  switch (i) {
    case 0:
      return a0;
    case 1:
      return a1;
    case 2:
      return a2;
    case 3:
      return a3;
    case 4:
      return a4;
    case 5:
      return a5;
    default:
      return undefined;
  }
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class Chain {
  readonly #reqs: Request[] = [];
  readonly #backend: Backend;
  #ran = false;

  /** Chains come from ring.chain(). */
  constructor(backend: never) {
    const b = backend as unknown;
    if (!(b instanceof UringBackend || b instanceof FsBackend)) {
      const error = new TypeError('Illegal constructor: a Chain comes from ring.chain()');
      (error as TypeError & { code: string }).code = 'ERR_ILLEGAL_CONSTRUCTOR';
      throw error;
    }
    this.#backend = b;
  }

  static {
    add = (chain, method, kind, a0, a1, a2, a3, a4, a5) =>
      chain.#add(method, kind, a0, a1, a2, a3, a4, a5);
  }

  /** Number of ops in the chain. */
  get length(): number {
    return this.#reqs.length;
  }

  #add(
    method: string,
    kind: OpKind,
    a0: unknown,
    a1: unknown,
    a2: unknown,
    a3: unknown,
    a4: unknown,
    a5: unknown,
  ): Request {
    const required = kind.required as number;
    const count = kind.count as number;
    if (kind.needsRing && this.#backend.name !== 'io_uring') {
      throw unsupportedError(`chain.${method}()`);
    }
    // The first optional position holding an options object ends the positional arguments.
    const isOptions = kind.needsRing ? isChainNetOptions : isChainOptions;
    let at = count;
    for (let i = required; i < count; i++) {
      if (isOptions(argAt(i, a0, a1, a2, a3, a4, a5))) {
        at = i;
        break;
      }
    }
    let opts = argAt(at, a0, a1, a2, a3, a4, a5);
    let waitAll: boolean | undefined;
    if (kind.needsRing && typeof opts === 'object' && opts !== null && 'waitAll' in opts) {
      const { waitAll: value, ...others } = opts as RecvOptions;
      if (value !== undefined && typeof value !== 'boolean') {
        throw typeError('options.waitAll', 'of type boolean', value);
      }
      waitAll = value;
      opts = others;
    }
    if (this.#ran) throw codedError('ERR_INVALID_STATE', 'this chain has already run');
    const hardlink = hardlinkArg(opts);
    if (waitAll === false && !hardlink) {
      throw valueError(
        'options.waitAll',
        'cannot be false in a chain unless the op is hardlinked: a short receive would run the next op on a partly filled buffer',
      );
    }
    // A hardlinked receive takes what arrives ("read up to N") unless told to wait for all.
    const waits = hardlink ? waitAll === true : kind.chainWaitsAll === true;
    const req = requestOf(
      kind,
      at > 0 ? a0 : undefined,
      at > 1 ? a1 : undefined,
      at > 2 ? a2 : undefined,
      at > 3 ? a3 : undefined,
      at > 4 ? a4 : undefined,
      waits ? WAIT_ALL : opts,
    );
    const file = req.file;
    if (file && !file.open && !this.#opensHere(file)) {
      throw valueError(
        'fd',
        'is a ChainFile that is neither open nor opened earlier in this chain',
      );
    }
    if (opts !== undefined && opts !== null) {
      const { signal, timeout } = optionsArg(opts);
      if (signal) {
        throw valueError('options.signal', 'is not supported per op in a chain: pass it to run()');
      }
      req.timeout = timeout;
    }
    req.hardlink = hardlink;
    this.#reqs.push(req);
    return req;
  }

  /** Whether an earlier op of this chain opens `file` (chains are short: no set is kept). */
  #opensHere(file: ChainFile): boolean {
    for (const req of this.#reqs) if (req.opens === file) return true;
    return false;
  }

  /**
   * Opens `path` as part of the chain and returns a ChainFile that later ops of
   * this chain accept in place of an fd. It resolves (in run()'s results) to the
   * same ChainFile, usable with ring ops until closed. If the chain fails, a file
   * it opened and did not close is closed for you before run() rejects.
   */
  open(
    path: string | Buffer | URL,
    flags?: string | number,
    mode?: number,
    options?: ChainOpOptions,
  ): ChainFile {
    if (this.#ran) throw codedError('ERR_INVALID_STATE', 'this chain has already run');
    const req = this.#add('open', fileOps.open, path, flags, mode, options, undefined, undefined);
    const file = new ChainFile(req.path as string);
    req.opens = file;
    return file;
  }

  /**
   * Submits the chain. Resolves with each op's value in order, or rejects with
   * a ChainError (index, cause, results) at the first failure — a short read or
   * write counts as one — after which the remaining ops report ECANCELED, except
   * after a hardlinked op (ChainOpOptions.hardlink): the ops after it run.
   */
  run(options?: RunOptions): Promise<unknown[]> {
    if (this.#ran)
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
    this.#ran = true;
    return this.#backend.runChain(this.#reqs, signal);
  }
}

/** A new chain on `backend` (ring.chain()). */
export function newChain(backend: Backend): Chain {
  return new Chain(backend as never);
}

const builder: OpCall<unknown, Chain> = (self, method, kind, a0, a1, a2, a3, a4, a5) => {
  add(self as Chain, method, kind, a0, a1, a2, a3, a4, a5);
  return self as Chain;
};

installOps(Chain.prototype, fileOps, builder, ['open']);
installOps(Chain.prototype, netOps, builder);
