'use strict';
// The smallest Promise-per-op layer the addon allows: no argument checks, no
// chains, timeouts, cancellation, back-pressure or fallback. It shows what any
// JavaScript layer of this design costs at least, so bench/floor.mjs can tell
// uring-loop's own overhead from that of Promises and the kernel.

const { loadAddon } = require('../../dist/loop/binding.js');
const P = require('../../dist/loop/protocol.js');

const ENTRIES = 256;

class FloorRing {
  constructor() {
    const addon = loadAddon();
    if (!addon) throw new Error('the uring-loop addon is not available');
    const cq = ENTRIES * 2;
    this.capacity = cq;
    this.area = new Float64Array(cq * P.PARAM_COUNT);
    this.objs = new Array(cq * 2).fill(undefined);
    this.cqes = new Int32Array(cq * P.CQE_STRIDE);
    this.counters = new Float64Array(P.COUNTER_COUNT);
    this.pending = new Array(cq).fill(null);
    this.free = [];
    for (let slot = cq - 1; slot >= 0; slot--) this.free.push(slot);
    this.creating = null;
    this.executor = (resolve, reject) => {
      this.creating.resolve = resolve;
      this.creating.reject = reject;
    };
    this.lastSlot = -1;
    this.native = addon.NativeRing.open(
      { entries: ENTRIES, directFiles: 0 },
      (count) => this.onComplete(count),
      this.area,
      this.objs,
      this.cqes,
      this.counters,
    );
    if (typeof this.native === 'number')
      throw new Error(`io_uring set-up failed: errno ${-this.native}`);
    this.skip = (this.native.info().features & P.IORING_FEAT_CQE_SKIP) !== 0;
  }

  /**
   * Writes one SQE's parameters; returns the Promise of its result. `group` is
   * the number of SQEs of a linked group on its first entry, 0 on the others.
   */
  stage(opcode, fd, buf, len, pos, sqeFlags = 0, opFlags = 0, group = 1) {
    if (this.free.length === 0) return Promise.reject(new RangeError('more ops than the CQ holds'));
    const op = { resolve: null, reject: null, buf, next: -1, prev: -1 };
    this.creating = op;
    const promise = new Promise(this.executor);
    this.creating = null;
    const slot = this.free.pop();
    this.pending[slot] = op;
    this.lastSlot = slot;
    // The staging area is a circular buffer; the CQ-sized slot stack keeps it from overflowing.
    const c = this.counters;
    const at = c[P.C_ENTRIES_STAGED] % this.capacity;
    c[P.C_ENTRIES_STAGED]++;
    if (c[P.C_REFED] === 0) this.native.ref();
    const o = at * P.PARAM_COUNT;
    const a = this.area;
    a[o + P.P_OPCODE] = opcode;
    a[o + P.P_FD] = fd;
    a[o + P.P_LEN] = len;
    a[o + P.P_OFFSET] = pos;
    a[o + P.P_SLOT] = slot;
    a[o + P.P_TAG] = 0;
    a[o + P.P_SQE_FLAGS] = sqeFlags;
    a[o + P.P_OP_FLAGS] = opFlags;
    a[o + P.P_BUF_OFFSET] = 0;
    a[o + P.P_FILE_INDEX] = 0;
    a[o + P.P_GROUP] = group;
    // Also drops the buffer of the entry's previous op.
    this.objs[at * 2] = buf;
    return promise;
  }

  nop() {
    return this.stage(P.Opcode.NOP, 0, undefined, 0, 0);
  }

  read(fd, buf, pos) {
    return this.stage(P.Opcode.READ, fd, buf, buf.length, pos);
  }

  /**
   * write -> fdatasync as one linked group, with one CQE when both succeed
   * (the write skips its own). Settles with the fdatasync's result; a failed
   * write posts only its own CQE, which then settles the fdatasync as well.
   */
  writeDatasync(fd, buf, len, pos) {
    if (this.free.length < 2) return Promise.reject(new RangeError('more ops than the CQ holds'));
    const flags = P.IOSQE_IO_LINK | (this.skip ? P.IOSQE_CQE_SKIP_SUCCESS : 0);
    // Only a failure settles the write's own Promise, and it settles the fdatasync's too.
    this.stage(P.Opcode.WRITE, fd, buf, len, pos, flags, 0, 2).catch(() => {});
    const writeSlot = this.lastSlot;
    const sync = this.stage(P.Opcode.FSYNC, fd, undefined, 0, 0, 0, P.IORING_FSYNC_DATASYNC, 0);
    this.pending[writeSlot].next = this.lastSlot;
    this.pending[this.lastSlot].prev = writeSlot;
    return sync;
  }

  onComplete(count) {
    const cqes = this.cqes;
    for (let i = 0; i < count; i++) {
      const at = i * P.CQE_STRIDE;
      const slot = cqes[at + P.CQE_SLOT];
      const op = this.pending[slot];
      this.pending[slot] = null;
      this.free.push(slot);
      const res = cqes[at + P.CQE_RES];
      if (op.next >= 0 && this.skip) {
        // A skip-flagged write posts a CQE only when it failed or came up
        // short; the kernel then cancels the linked fdatasync without a CQE.
        const err = new Error(res < 0 ? `errno ${-res}` : `short write: ${res}`);
        this.release(op.next).reject(err);
        op.reject(err);
        continue;
      }
      if (op.prev >= 0 && this.skip && this.pending[op.prev] !== null) {
        this.release(op.prev); // the write succeeded without a CQE
      }
      if (res >= 0) op.resolve(res);
      else op.reject(new Error(`errno ${-res}`));
    }
  }

  /** Frees a slot whose op will post no CQE; returns that op. */
  release(slot) {
    const op = this.pending[slot];
    this.pending[slot] = null;
    this.free.push(slot);
    return op;
  }

  close() {
    this.native.close();
  }
}

module.exports = { FloorRing };
