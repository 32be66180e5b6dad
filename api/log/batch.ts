// One group-commit batch: the records of consecutive appends laid out in one
// buffer exactly as they go to disk (headers included), and the appends to
// settle once the batch's write was made durable.
import type { Segment } from './segment';

export interface AppendResult {
  /** The record's log sequence number. */
  lsn: number;
}

export class Batch {
  used = 0;
  count = 0;
  readonly resolves: ((value: AppendResult) => void)[] = [];
  readonly rejects: ((reason: unknown) => void)[] = [];
  /** Set once the chain has settled. */
  done = false;
  error: unknown = undefined;

  constructor(
    readonly seg: Segment,
    /** File offset of the batch's first byte. */
    readonly pos: number,
    readonly firstLsn: number,
    readonly arena: Buffer,
  ) {}

  resolveAll(): void {
    const first = this.firstLsn;
    const resolves = this.resolves;
    for (let i = 0; i < resolves.length; i++) resolves[i]({ lsn: first + i });
  }

  rejectAll(reason: unknown): void {
    for (const reject of this.rejects) reject(reason);
  }
}

/** Reuses batch buffers: a steady log allocates none after warm-up. */
export class ArenaPool {
  private readonly free: Buffer[] = [];

  constructor(
    readonly size: number,
    private readonly keep: number,
  ) {}

  take(min: number): Buffer {
    if (min > this.size) return Buffer.allocUnsafe(min);
    return this.free.pop() ?? Buffer.allocUnsafe(this.size);
  }

  give(arena: Buffer): void {
    if (arena.length === this.size && this.free.length < this.keep) this.free.push(arena);
  }
}
