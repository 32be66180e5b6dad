// A request: one op on its way through a backend, with its validated arguments
// (which hold the memory the kernel may touch until the last CQE) and its
// settlement state. Nothing here changes meaning with the op.
import { ChainFile } from './chain-file';
import type { ChainRun } from './chain-run';
import type { OpKind } from './ops/op';

export type { OpKind };

export class Request<A = unknown> {
  readonly kind: OpKind<A>;
  /** The op's arguments, as its parse() validated them (loop/ops/*.ts). */
  readonly args: A;
  /** The chain-opened file the op works on (`args.fd`), or null. */
  readonly file: ChainFile | null;
  /** The file a chain open fills in. */
  opens: ChainFile | null = null;
  /** Linked-timeout timespec. */
  ts: Uint8Array | undefined = undefined;
  timeout = 0;
  /**
   * Chain option `hardlink`: the next op runs whatever this one's outcome (IOSQE_IO_HARDLINK),
   * and a short read/write/receive/send is a success with its byte count.
   */
  hardlink = false;
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

  constructor(kind: OpKind<A>, args: A) {
    this.kind = kind;
    this.args = args;
    const fd = (args as { fd?: unknown } | undefined)?.fd;
    this.file = fd instanceof ChainFile ? fd : null;
  }

  /** The path named in this request's errors. */
  get path(): string | undefined {
    return this.kind.path?.(this.args);
  }

  /** The second path named in this request's errors (rename, symlink, link). */
  get dest(): string | undefined {
    return this.kind.dest?.(this.args);
  }
}

/** A request of a table op from arguments as a caller gives them (validated by its parse()). */
export function requestOf<A>(
  kind: OpKind<A>,
  a0?: unknown,
  a1?: unknown,
  a2?: unknown,
  a3?: unknown,
  a4?: unknown,
  options?: unknown,
): Request<A> {
  const parse = kind.parse as NonNullable<OpKind<A>['parse']>;
  return new Request(kind, parse(a0, a1, a2, a3, a4, options));
}
