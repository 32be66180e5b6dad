// The description of one op: everything about it lives in its module (loop/ops/*.ts), and
// Ring's methods, Chain's builders, supports(), both backends and the declarations come from it.
import type { ChainFile } from '../chain-file';
import type { Request } from '../request';
import type { OpOptions } from '../validate';

/** A regular fd, or a file opened by a chain (a direct descriptor on io_uring). */
export type Fd = number | ChainFile;

/**
 * One kind of op. `A` is the type of its validated arguments (`req.args`); a file the op works
 * on is `args.fd`, where a ChainFile makes the request use a direct descriptor.
 */
export interface OpKind<A = unknown> {
  /** Name used as `syscall` in errors. */
  readonly name: string;
  /** io_uring opcode: supports() asks the ring whether it has it. */
  readonly opcode: number;
  /** Positional arguments: how many are required, how many there are (options follow). */
  readonly required?: number;
  readonly count?: number;
  /**
   * Validates the positional arguments (TypeError / RangeError with Node's codes) and returns
   * the op's arguments. `options` is the options object, for the ops that read their own.
   */
  parse?(a0: unknown, a1: unknown, a2: unknown, a3: unknown, a4: unknown, options: unknown): A;
  /**
   * Writes the op's own fields of its staging entry (loop/entry.ts zeroed them before, and
   * writes the opcode, slot, tag, flags and group): their meaning per opcode is in native/protocol.h.
   */
  fill(p: Float64Array, req: Request<A>): void;
  /** The memory the kernel touches, in the entry's object slots A and B (kept until settled). */
  slotA?(args: A): unknown;
  slotB?(args: A): unknown;
  /** Paths named in this op's errors, as node:fs does. */
  path?(args: A): string | undefined;
  dest?(args: A): string | undefined;
  /** The value an op resolves with, from a non-negative result. */
  result(req: Request<A>, res: number): unknown;
  /** Runs the op on node:fs; resolves with the result io_uring would give. */
  fs(req: Request<A>): Promise<number>;
  /** Byte count a read/write must reach; less is a short I/O that fails a chain. */
  expected?(req: Request<A>): number;
  /** Direct descriptors go in a field of their own (close), not through IOSQE_FIXED_FILE. */
  readonly directByIndex?: boolean;
  /** Stops the node:fs work of a request settled early (timeout, abort, shutdown). */
  fsCancel?(req: Request<A>): void;
  /**
   * Once node:fs runs it, the request waits for its result: a timeout, an abort or shutdown does
   * not settle it early. A close must say whether it closed the fd: a caller told it was
   * cancelled closes the fd again, when the number may already belong to a file opened since.
   */
  readonly fsRunsToEnd?: boolean;
  /** Maps a kernel result that means success for this op (sleep: -ETIME). */
  normalize?(res: number): number;
  /** Socket ops: only the io_uring backend runs them; an object naming `waitAll` is options. */
  readonly needsRing?: boolean;
  /**
   * May wait on a peer for any length of time (accept, recv, send, connect): not
   * counted against the CQ cap, or a thousand idle connections would starve
   * every other op. The kernel keeps CQEs beyond the CQ size (IORING_FEAT_NODROP).
   */
  readonly waitsForPeer?: boolean;
  /**
   * Every CQE of the request goes to `req.onCqe` with its flags (provided-buffer
   * id, IORING_CQE_F_MORE); the request keeps its slot until the CQE without
   * IORING_CQE_F_MORE, then settles as usual.
   */
  readonly multishot?: boolean;
  /**
   * The kernel does not break a link when this op fails while running (it does so only for
   * some ops: reads, writes, open, close): a chain's submission ends after it, and what follows
   * is submitted once it has succeeded.
   */
  readonly failKeepsLink?: boolean;
  /**
   * The result a success of this request must have, or -1 when it is not known in advance:
   * the full length for reads and writes (the kernel fails a short one inside a link), 0 for
   * ops that return nothing. Inside a chain such an op goes in with IOSQE_CQE_SKIP_SUCCESS: the
   * completion of the op after it says it succeeded, so the ring posts one CQE per segment.
   */
  quietResult?(req: Request<A>): number;
  /**
   * In a chain the op waits for its whole length (MSG_WAITALL): a short receive would run the
   * next op on a partly filled buffer. `waitAll: false` is refused there, except on a hardlinked
   * op, which takes what arrives unless given `waitAll: true`.
   */
  readonly chainWaitsAll?: boolean;
  /** Adds to a ring call's rejection what its arguments say (bind, connect: the address). */
  ringError?(error: unknown, a1: unknown): unknown;
}

/**
 * An op of the public table: `P` is its positional parameters, `R` what it resolves with and
 * `O` its options on a ring, for the declarations of Ring's methods and Chain's builders
 * (api/op-methods.ts).
 */
export interface Op<A, P extends unknown[], R, O = OpOptions> extends OpKind<A> {
  /** Never set: carries the public signature for the types. */
  readonly signature?: (options: O, ...args: P) => R;
}

/** Declares an op of the public table with its public signature. */
export function op<P extends unknown[], R, A, O = OpOptions>(spec: OpKind<A>): Op<A, P, R, O> {
  // Every kind gets every field, in one order: the scheduler reads `kind.x` of all ops at the
  // same sites, which stay monomorphic only while all kinds share one shape.
  const kind: { [K in keyof Required<OpKind<A>>]: OpKind<A>[K] } = {
    name: spec.name,
    opcode: spec.opcode,
    required: undefined,
    count: undefined,
    parse: undefined,
    fill: spec.fill,
    slotA: undefined,
    slotB: undefined,
    path: undefined,
    dest: undefined,
    result: spec.result,
    fs: spec.fs,
    expected: undefined,
    directByIndex: undefined,
    fsCancel: undefined,
    fsRunsToEnd: undefined,
    normalize: undefined,
    needsRing: undefined,
    waitsForPeer: undefined,
    multishot: undefined,
    failKeepsLink: undefined,
    quietResult: undefined,
    chainWaitsAll: undefined,
    ringError: undefined,
  };
  return Object.assign(kind, spec);
}
