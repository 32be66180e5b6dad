// Ring's op methods and Chain's builders, made from the op table (loop/ops/index.ts): their
// types (mapped from each op's signature) and the functions installed on the prototypes.
import type { Op, OpKind } from '../loop/ops/op';

/** What a chain builder takes after its positional arguments. */
export interface ChainOpOptions {
  /** Deadline for this op in milliseconds (IORING_OP_LINK_TIMEOUT). */
  timeout?: number;
  /**
   * Link this op to the next with IOSQE_IO_HARDLINK: the next op runs whatever this op's
   * outcome, and a short read, write, readv, writev, recv or send is a success that resolves
   * with its byte count ("read up to N"). A failure of this op still fails run() (a ChainError
   * at its index), once every later op has its outcome. A hardlinked recv/recvmsg does not wait
   * for its whole length unless `waitAll: true` is given. On a chain's last op there is no next
   * op to link: it only makes a short result a success. See docs/chains.md.
   */
  hardlink?: boolean;
  /** recv and recvmsg only: wait for the whole length (MSG_WAITALL). */
  waitAll?: boolean;
  /** write and writev: durable on completion (RWF_DSYNC), as if an fdatasync followed. */
  dsync?: boolean;
}

/** One Ring method per op: its positional parameters, then its options; a Promise of its value. */
export type RingMethods<T> = {
  -readonly [K in keyof T]: T[K] extends Op<infer _A, infer P, infer R, infer O>
    ? (...args: [...P, options?: O]) => Promise<R>
    : never;
};

/** One Chain builder per op: its positional parameters, then ChainOpOptions; returns the chain. */
export type ChainMethods<T, C> = {
  -readonly [K in keyof T]: T[K] extends Op<infer _A, infer P, infer _R, infer _O>
    ? (...args: [...P, options?: ChainOpOptions]) => C
    : never;
};

type Fixed = (
  this: unknown,
  a0?: unknown,
  a1?: unknown,
  a2?: unknown,
  a3?: unknown,
  a4?: unknown,
  a5?: unknown,
) => unknown;

/** An op method's call as installOps() hands it on: the receiver, the op, its fixed parameters. */
export type OpCall<S, R> = (
  self: S,
  method: string,
  kind: OpKind,
  a0: unknown,
  a1: unknown,
  a2: unknown,
  a3: unknown,
  a4: unknown,
  a5: unknown,
) => R;

/**
 * Puts one method per op of `table` on `proto`, each a small function of its own that passes
 * the op to `call`. Fixed parameters, not a rest array: every op call takes this path.
 */
export function installOps(
  proto: object,
  table: Record<string, OpKind>,
  call: OpCall<unknown, unknown>,
  skip: readonly string[] = [],
): void {
  for (const [method, kind] of Object.entries(table)) {
    if (skip.includes(method)) continue;
    const fn: Fixed = function (a0, a1, a2, a3, a4, a5) {
      return call(this, method, kind, a0, a1, a2, a3, a4, a5);
    };
    Object.defineProperty(fn, 'name', { value: method });
    Object.defineProperty(fn, 'length', { value: kind.count ?? 0 });
    Object.defineProperty(proto, method, {
      value: fn,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
}
