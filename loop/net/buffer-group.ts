// Provided-buffer rings (IORING_REGISTER_PBUF_RING): `count` buffers of `size`
// bytes that the kernel fills on its own, naming the buffer in each CQE.
//
// Memory: one ArrayBuffer per group holds the ring entries (at a page
// boundary, as the kernel requires) and the buffers. It is owned by V8 and
// referenced from the pool until the group is unregistered or the ring is
// closed, so the kernel never writes into freed memory.
//
// Returning a buffer is two typed-array stores of its entry plus one atomic
// store of the ring tail: no N-API call and no system call.
import { codedError, errnoError } from '../errors';
import type { UringBackend } from '../uring-backend';
import { netAddon } from './binding';

/** sizeof(struct io_uring_buf): addr u64, len u32, bid u16, resv u16 (the tail, in entry 0). */
const ENTRY = 16;
/** Idle groups a ring keeps registered for later connections. */
const MAX_IDLE = 64;

export class BufferGroup {
  /** The group id the kernel knows (buf_group). */
  readonly id: number;
  readonly count: number;
  readonly size: number;
  /** Buffers in the ring for the kernel to fill. */
  available = 0;
  /** The whole memory as a Buffer, for copying out. */
  private readonly bytes: Buffer;
  private readonly words: Uint32Array;
  private readonly halves: Uint16Array;
  private readonly ringOffset: number;
  private readonly dataOffset: number;
  /** Address of buffer 0 (user space addresses fit a double exactly). */
  private readonly dataAddress: number;
  private readonly mask: number;
  private tail = 0;

  constructor(
    id: number,
    count: number,
    size: number,
    readonly memory: ArrayBuffer,
    ring: { ringOffset: number; address: number },
  ) {
    this.id = id;
    this.count = count;
    this.size = size;
    this.mask = count - 1;
    this.bytes = Buffer.from(memory);
    this.words = new Uint32Array(memory, 0, memory.byteLength >>> 2);
    this.halves = new Uint16Array(memory, 0, memory.byteLength >>> 1);
    this.ringOffset = ring.ringOffset;
    this.dataOffset = ring.ringOffset + count * ENTRY;
    this.dataAddress = ring.address + this.dataOffset;
    for (let bid = 0; bid < count; bid++) this.give(bid);
  }

  /** Hands buffer `bid` back to the kernel. */
  give(bid: number): void {
    const entry = this.ringOffset + (this.tail & this.mask) * ENTRY;
    const address = this.dataAddress + bid * this.size;
    const w = entry >>> 2;
    this.words[w] = address % 0x1_0000_0000;
    this.words[w + 1] = Math.floor(address / 0x1_0000_0000);
    this.words[w + 2] = this.size;
    this.halves[(entry + 12) >>> 1] = bid;
    this.tail = (this.tail + 1) & 0xffff;
    // The entry must be visible before the tail that publishes it.
    Atomics.store(this.halves, (this.ringOffset + 14) >>> 1, this.tail);
    this.available++;
  }

  /** A copy of the first `length` bytes of buffer `bid`, safe from later receives. */
  copy(bid: number, length: number): Buffer {
    const start = this.dataOffset + bid * this.size;
    const out = Buffer.allocUnsafe(length);
    this.bytes.copy(out, 0, start, start + length);
    return out;
  }

  /** Whether every buffer is back in the ring (nothing queued, nothing in the kernel's hands). */
  get full(): boolean {
    return this.available === this.count;
  }
}

/** The groups of one ring: ids, registration, and idle groups kept for reuse. */
class GroupPool {
  private readonly idle: BufferGroup[] = [];
  /** Every registered group, referenced so its memory outlives the registration. */
  private readonly live = new Map<number, BufferGroup>();
  private readonly freeIds: number[] = [];
  private nextId = 0;

  constructor(private readonly backend: UringBackend) {}

  acquire(count: number, size: number): BufferGroup {
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const group = this.idle[i];
      if (group.count === count && group.size === size) {
        this.idle.splice(i, 1);
        return group;
      }
    }
    const id = this.freeIds.pop() ?? this.nextId++;
    if (id > 0xffff) {
      throw codedError(
        'ERR_URING_NO_BUFFER_GROUP',
        'no free provided-buffer group id (65536 in use)',
      );
    }
    const net = netAddon();
    const memory = new ArrayBuffer(net.pageSize + count * ENTRY + count * size);
    const ring = net.registerBufRing(this.backend.native, memory, count, id);
    if (typeof ring === 'number') {
      this.freeIds.push(id);
      throw errnoError(ring, 'io_uring_register');
    }
    const group = new BufferGroup(id, count, size, memory, ring);
    this.live.set(id, group);
    return group;
  }

  /** Takes back a group whose receive has ended and whose buffers are all returned. */
  release(group: BufferGroup): void {
    if (this.backend.closed) {
      // The kernel dropped every registration with the ring.
      this.live.clear();
      this.idle.length = 0;
      return;
    }
    if (!group.full || this.idle.length >= MAX_IDLE) {
      netAddon().unregisterBufRing(this.backend.native, group.id);
      this.live.delete(group.id);
      this.freeIds.push(group.id);
      return;
    }
    this.idle.push(group);
  }
}

const pools = new WeakMap<UringBackend, GroupPool>();

export function bufferGroups(backend: UringBackend): GroupPool {
  let pool = pools.get(backend);
  if (!pool) {
    pool = new GroupPool(backend);
    pools.set(backend, pool);
  }
  return pool;
}
