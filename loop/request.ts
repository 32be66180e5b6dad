// A request: one op on its way through a backend, with its arguments, the
// memory the kernel may touch (kept referenced until the last CQE) and its
// settlement state.
import type { ChainFile } from './chain-file';
import type { ChainRun } from './chain-run';

/** How one kind of op is described to the ring and mapped back. */
export interface OpKind {
  /** Name used as `syscall` in errors. */
  readonly name: string;
  /** io_uring opcode. */
  readonly opcode: number;
  /** Writes the op's parameters (opcode, fd, lengths, flags...) into the shared block. */
  fill(req: Request, p: Float64Array): void;
  /** The value an op resolves with, from a non-negative result. */
  result(req: Request, res: number): unknown;
  /** Runs the op on node:fs; resolves with the result io_uring would give. */
  fs(req: Request): Promise<number>;
  /** Byte count a read/write must reach; less is a short I/O that fails a chain. */
  expected?(req: Request): number;
  /** Direct descriptors go in a field of their own (close), not through IOSQE_FIXED_FILE. */
  readonly directByIndex?: boolean;
  /** Stops the node:fs work of a request settled early (timeout, abort, shutdown). */
  fsCancel?(req: Request): void;
  /** Maps a kernel result that means success for this op (sleep: -ETIME). */
  normalize?(res: number): number;
  /** Socket ops: only the io_uring backend runs them. */
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
  quietResult?(req: Request): number;
}

export class Request {
  kind: OpKind;
  /** Regular fd, or -1 when `file` is used. */
  fd = -1;
  file: ChainFile | null = null;
  /** The file a chain open fills in. */
  opens: ChainFile | null = null;
  /** Memory handed to the kernel; kept referenced until the request settles. */
  a: unknown = undefined;
  b: unknown = undefined;
  /** Linked-timeout timespec. */
  ts: Uint8Array | undefined = undefined;
  len = 0;
  pos = -1;
  bufOffset = 0;
  flags = 0;
  mode = 0;
  x = 0;
  path: string | undefined = undefined;
  dest: string | undefined = undefined;
  timeout = 0;
  signal: AbortSignal | undefined = undefined;
  onAbort: (() => void) | undefined = undefined;
  /** Multishot kinds: receives each CQE's result and flags before the request settles. */
  onCqe: ((res: number, flags: number) => void) | undefined = undefined;

  resolve: ((value: unknown) => void) | undefined = undefined;
  reject: ((reason: unknown) => void) | undefined = undefined;

  slot = -1;
  gen = 0;
  /** CQEs still expected for this request. */
  cqes = 0;
  /** SQEs this request put in the ring (op, link timeout, cancels). */
  sqes = 0;
  res = 0;
  done = false;
  timedOut = false;
  aborted = false;
  dropped = false;
  /** Cancelled because the ring shut down. */
  shutdown = false;
  settled = false;
  chain: ChainRun | null = null;
  index = 0;

  constructor(kind: OpKind) {
    this.kind = kind;
  }
}
