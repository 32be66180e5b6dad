// Slot table: a request's index in the ring's user_data, with a generation so a
// stale completion can never settle a request that reused the slot.
import { GEN_MASK } from './protocol';

export class SlotTable<T> {
  private entries: (T | undefined)[];
  gens: Uint32Array;
  private free: Int32Array;
  private top = 0;
  used = 0;

  constructor(size: number) {
    this.entries = new Array(size);
    this.gens = new Uint32Array(size);
    this.free = new Int32Array(size);
    this.fill(0, size);
  }

  /** Takes a free slot for `value` and returns its index. */
  acquire(value: T): number {
    if (this.top === 0) this.grow();
    const slot = this.free[--this.top];
    this.entries[slot] = value;
    this.used++;
    return slot;
  }

  /** The value in `slot` if `gen` is still current there. */
  get(slot: number, gen: number): T | undefined {
    if (slot < 0 || slot >= this.entries.length || this.gens[slot] !== gen) return undefined;
    return this.entries[slot];
  }

  release(slot: number): void {
    this.entries[slot] = undefined;
    this.gens[slot] = (this.gens[slot] + 1) & GEN_MASK;
    this.free[this.top++] = slot;
    this.used--;
  }

  values(): T[] {
    return this.entries.filter((v): v is T => v !== undefined);
  }

  private fill(from: number, to: number): void {
    // Lowest slots on top of the stack first.
    for (let slot = to - 1; slot >= from; slot--) this.free[this.top++] = slot;
  }

  private grow(): void {
    const size = this.entries.length;
    const next = size * 2;
    this.entries.length = next;
    const gens = new Uint32Array(next);
    gens.set(this.gens);
    this.gens = gens;
    const free = new Int32Array(next);
    free.set(this.free.subarray(0, this.top));
    this.free = free;
    this.fill(size, next);
  }
}
