// The staging area shared with the addon: ops are written here and the addon turns them into
// SQEs at each flush (after a completion batch, before libuv blocks, or when the area is full),
// so staging costs no call into the addon. Layout in native/protocol.h; every entry is written
// by writeEntry() (loop/entry.ts).
import type { NativeRing } from './binding';
import { writeEntry } from './entry';
import { COUNTER_COUNT, C_ENTRIES_STAGED, C_ENTRIES_TAKEN, C_REFED, PARAM_COUNT } from './protocol';
import type { Request } from './request';

export class Staging {
  /** The entries, PARAM_COUNT doubles each. */
  readonly area: Float64Array;
  /** Per entry: the two objects the kernel will touch (buffers, paths, iovecs). */
  readonly objs: unknown[];
  /**
   * Counters (native/protocol.h). The addon writes all of them but C_ENTRIES_STAGED, which only
   * this class writes: the area is a circular buffer, entry n at n % capacity, and only entries
   * in [taken, staged) are written here, so neither side moves or clears what the other wrote.
   */
  readonly counters = new Float64Array(new ArrayBuffer(COUNTER_COUNT * 8));
  /** One view per entry, so a fill writes its own fields at index 0. */
  private readonly entries: Float64Array[];
  private readonly capacity: number;
  /** Set once the addon's ring exists (it is created with this area). */
  native!: NativeRing;
  /** One past the last entry whose object slots were written. */
  private dirty = 0;
  /** Entries below this one had their object slots cleared once the addon took them. */
  private released = 0;

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
    return this.counters[C_ENTRIES_STAGED] - this.counters[C_ENTRIES_TAKEN];
  }

  /**
   * Reserves `n` consecutive entries (they may wrap around the end of the area), flushing once
   * if the area is full. Returns the number of the first entry, or -1 when the flush failed
   * (EAGAIN, ENOMEM, EBUSY: the addon retries it).
   */
  reserve(n: number): number {
    const c = this.counters;
    if (this.staged + n > this.capacity) {
      this.native.flush();
      if (this.staged + n > this.capacity) return -1;
    }
    this.releaseConsumed();
    const at = c[C_ENTRIES_STAGED];
    c[C_ENTRIES_STAGED] = at + n;
    if (c[C_REFED] === 0) this.native.ref();
    return at;
  }

  /** One entry outside the CQ budget (cancels, nudges), or -1 if the area stays full. */
  takeEntry(): number {
    return this.reserve(1);
  }

  /** Gives back the last `n` entries reserved, with nothing written in them. */
  unreserve(n: number): void {
    this.counters[C_ENTRIES_STAGED] -= n;
  }

  /**
   * Clears the object slots of the entries the addon took since the last call, letting go of
   * buffers that only their requests need to keep alive now. Called before every reservation,
   * so no entry still waiting in the area shares a slot with the ones cleared here.
   */
  releaseConsumed(): void {
    const taken = this.counters[C_ENTRIES_TAKEN];
    const end = Math.min(taken, this.dirty);
    if (end > this.released) {
      const cap = this.capacity;
      if (end - this.released >= cap) {
        this.objs.fill(undefined);
      } else {
        const from = (this.released % cap) * 2;
        const to = from + (end - this.released) * 2;
        this.objs.fill(undefined, from, Math.min(to, cap * 2));
        if (to > cap * 2) this.objs.fill(undefined, 0, to - cap * 2);
      }
    }
    this.released = taken;
  }

  /** Writes `req`'s op into entry `at`, with the memory the kernel will touch. */
  writeOp(at: number, req: Request, tag: number, sqeFlags: number, group: number): void {
    const kind = req.kind;
    const i = at % this.capacity;
    writeEntry(this.entries[i], kind.opcode, kind.fill, req, req.slot, tag, sqeFlags, group);
    // The addon reads object slots only for opcodes that take memory, so ops
    // without any (nop, fsync, close...) skip the stores.
    if (kind.slotA !== undefined) {
      this.objs[i * 2] = kind.slotA(req.args);
      this.objs[i * 2 + 1] = kind.slotB === undefined ? undefined : kind.slotB(req.args);
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
    const i = at % this.capacity;
    writeEntry(this.entries[i], opcode, fill, source, slot, tag, sqeFlags, group);
    if (slotA !== undefined) {
      this.objs[i * 2] = slotA;
      this.objs[i * 2 + 1] = undefined;
      if (at >= this.dirty) this.dirty = at + 1;
    }
  }
}
