// The staging area shared with the addon: ops are written here and the addon turns them into
// SQEs at each flush (after a completion batch, before libuv blocks, or when the area is full),
// so staging costs no call into the addon. Layout in native/protocol.h; every entry is written
// by writeEntry() (loop/entry.ts).
import type { NativeRing } from './binding';
import { writeEntry } from './entry';
import { COUNTER_COUNT, C_JS_STAGED, C_REFED, PARAM_COUNT } from './protocol';
import type { Request } from './request';

export class Staging {
  /** The entries, PARAM_COUNT doubles each. */
  readonly area: Float64Array;
  /** Per entry: the two objects the kernel will touch (buffers, paths, iovecs). */
  readonly objs: unknown[];
  /** Counters the addon keeps current (native/protocol.h); C_JS_STAGED is the staged count. */
  readonly counters = new Float64Array(new ArrayBuffer(COUNTER_COUNT * 8));
  /** One view per entry, so a fill writes its own fields at index 0. */
  private readonly entries: Float64Array[];
  private readonly capacity: number;
  /** Set once the addon's ring exists (it is created with this area). */
  native!: NativeRing;
  /**
   * Object slots below entry `dirty` were written since the area was last cleared. Once
   * the addon has consumed the area (it is empty again), their object slots
   * let go of buffers that only their requests need to keep alive now.
   */
  private dirty = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.area = new Float64Array(new ArrayBuffer(capacity * PARAM_COUNT * 8));
    this.objs = new Array<unknown>(capacity * 2).fill(undefined);
    this.entries = [];
    for (let i = 0; i < capacity; i++) {
      this.entries.push(this.area.subarray(i * PARAM_COUNT, (i + 1) * PARAM_COUNT));
    }
  }

  /** Entries staged and not yet taken by the addon. */
  get staged(): number {
    return this.counters[C_JS_STAGED];
  }

  /**
   * Reserves `n` adjacent entries, flushing once if the area is full. Returns the first entry,
   * or -1 when the flush failed (EAGAIN, ENOMEM, EBUSY: the addon retries it).
   */
  reserve(n: number): number {
    const c = this.counters;
    let at = c[C_JS_STAGED];
    if (at + n > this.capacity) {
      this.native.flush();
      at = c[C_JS_STAGED];
      if (at + n > this.capacity) return -1;
    }
    if (at === 0) this.releaseConsumed();
    c[C_JS_STAGED] = at + n;
    if (c[C_REFED] === 0) this.native.ref();
    return at;
  }

  /** One entry outside the CQ budget (cancels, nudges), or -1 if the area stays full. */
  takeEntry(): number {
    const c = this.counters;
    let at = c[C_JS_STAGED];
    if (at + 1 > this.capacity) {
      this.native.flush();
      at = c[C_JS_STAGED];
      if (at + 1 > this.capacity) return -1;
    }
    if (at === 0) this.releaseConsumed();
    c[C_JS_STAGED] = at + 1;
    if (c[C_REFED] === 0) this.native.ref();
    return at;
  }

  /** Gives back the last `n` entries reserved, with nothing written in them. */
  unreserve(n: number): void {
    this.counters[C_JS_STAGED] -= n;
  }

  releaseConsumed(): void {
    if (this.dirty > 0) {
      this.objs.fill(undefined, 0, this.dirty * 2);
      this.dirty = 0;
    }
  }

  /** Writes `req`'s op into entry `at`, with the memory the kernel will touch. */
  writeOp(at: number, req: Request, tag: number, sqeFlags: number, group: number): void {
    const kind = req.kind;
    writeEntry(this.entries[at], kind.opcode, kind.fill, req, req.slot, tag, sqeFlags, group);
    // The addon reads object slots only for opcodes that take memory, so ops
    // without any (nop, fsync, close...) skip the stores.
    if (kind.slotA !== undefined) {
      this.objs[at * 2] = kind.slotA(req.args);
      this.objs[at * 2 + 1] = kind.slotB === undefined ? undefined : kind.slotB(req.args);
      if (at >= this.dirty) this.dirty = at + 1;
    }
  }

  /** Writes an entry the scheduler makes itself (link timeout, cancel, nudge) into `at`. */
  writeOwn<T>(
    at: number,
    opcode: number,
    fill: (p: Float64Array, source: T) => void,
    source: T,
    slot: number,
    tag: number,
    sqeFlags: number,
    group: number,
    slotA?: unknown,
  ): void {
    writeEntry(this.entries[at], opcode, fill, source, slot, tag, sqeFlags, group);
    if (slotA !== undefined) {
      this.objs[at * 2] = slotA;
      this.objs[at * 2 + 1] = undefined;
      if (at >= this.dirty) this.dirty = at + 1;
    }
  }
}
