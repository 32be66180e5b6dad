'use strict';
// The smallest Promise-per-op layer the addon allows: no argument checks, no
// chains, timeouts, cancellation, back-pressure or fallback. It shows what any
// JavaScript layer of this design costs at least, so bench/floor.mjs can tell
// uring-loop's own overhead from that of Promises and the kernel.

const { loadAddon } = require('../../dist/loop/binding.js');
const P = require('../../dist/loop/protocol.js');

const ENTRIES = 256;

/** What each read of a floor readFile asks for, as uring-loop/fs's chain does. */
const READ_FIRST = 64 * 1024;

class FloorRing {
  /** `directFiles`: the direct descriptor table readFile() opens into. */
  constructor({ directFiles = 0 } = {}) {
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
      { entries: ENTRIES, directFiles },
      (count) => this.onComplete(count),
      this.area,
      this.objs,
      this.cqes,
      this.counters,
    );
    if (typeof this.native === 'number')
      throw new Error(`io_uring set-up failed: errno ${-this.native}`);
    this.skip = (this.native.info().features & P.IORING_FEAT_CQE_SKIP) !== 0;
    this.directFree = [];
    for (let i = this.native.info().directFiles - 1; i >= 0; i--) this.directFree.push(i);
    /** readFile(): the chain each slot belongs to and which of its four ops it holds. */
    this.chainOf = new Array(cq).fill(null);
    this.stepOf = new Int8Array(cq);
    this.buffers = [];
  }

  /** Writes one entry whose CQE settles nothing by itself (readFile's steps). */
  entry(opcode, fd, obj, len, pos, sqeFlags, opFlags, group, bufOffset, fileIndex, chain, step) {
    const slot = this.free.pop();
    this.chainOf[slot] = chain;
    this.stepOf[slot] = step;
    chain.slots[step] = slot;
    this.write(opcode, fd, obj, len, pos, slot, sqeFlags, opFlags, group, bufOffset, fileIndex);
  }

  /** Writes the next staging entry; `obj` is the memory the kernel touches (or undefined). */
  write(opcode, fd, obj, len, pos, slot, sqeFlags, opFlags, group, bufOffset, fileIndex) {
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
    a[o + P.P_BUF_OFFSET] = bufOffset;
    a[o + P.P_FILE_INDEX] = fileIndex;
    a[o + P.P_GROUP] = group;
    // Also drops the memory of the entry's previous op.
    this.objs[at * 2] = obj;
  }

  /**
   * readFile of a file of at most READ_FIRST bytes as uring-loop/fs runs it: one linked
   * submission open (direct descriptor, no CQE on success) -> read (hardlink) -> read (0 proves
   * the end), then a close of its own; one Promise, settled once the file is closed, with the
   * bytes copied into a new Buffer.
   */
  readFile(path) {
    if (this.free.length < 4 || this.directFree.length === 0) {
      return Promise.reject(new RangeError('more chains than the ring holds'));
    }
    const index = this.directFree.pop();
    const buf = this.buffers.pop() ?? Buffer.allocUnsafeSlow(2 * READ_FIRST);
    const chain = {
      resolve: null,
      reject: null,
      buf,
      index,
      first: 0,
      second: 0,
      slots: [0, 0, 0, 0],
    };
    this.creating = chain;
    const promise = new Promise(this.executor);
    this.creating = null;
    const quiet = this.skip ? P.IOSQE_CQE_SKIP_SUCCESS : 0;
    const fixed = P.IOSQE_FIXED_FILE;
    const open = P.IOSQE_IO_LINK | quiet;
    const path0 = Buffer.from(`${path}\0`);
    this.entry(P.Opcode.OPENAT, P.AT_FDCWD, path0, 0, 0, open, 0, 3, 0, index + 1, chain, 0);
    this.entry(
      P.Opcode.READ,
      index,
      buf,
      READ_FIRST,
      -1,
      fixed | P.IOSQE_IO_HARDLINK,
      0,
      0,
      0,
      0,
      chain,
      1,
    );
    this.entry(P.Opcode.READ, index, buf, READ_FIRST, -1, fixed, 0, 0, READ_FIRST, 0, chain, 2);
    return promise;
  }

  /** A readFile step's CQE; the close's (or a failed open's) settles the chain. */
  chainCqe(chain, step, res) {
    if (step === 1) chain.first = res;
    else if (step === 2) {
      chain.second = res;
      const file = chain.index + 1;
      this.entry(P.Opcode.CLOSE, 0, undefined, 0, 0, 0, 0, 1, 0, file, chain, 3);
    } else {
      // A quiet open posts no CQE when it succeeds; when it fails the kernel skips the
      // CQEs of the ops it cancels.
      for (const slot of chain.slots) {
        if (this.chainOf[slot] === chain) this.release(slot);
      }
      this.directFree.push(chain.index);
      this.buffers.push(chain.buf);
      if (step === 0 || res < 0) chain.reject(new Error(`errno ${-res}`));
      else if (chain.first < 0 || chain.second !== 0) {
        chain.reject(new Error('the floor reads files of at most 64 KiB'));
      } else {
        const bytes = Buffer.allocUnsafe(chain.first);
        chain.buf.copy(bytes, 0, 0, chain.first);
        chain.resolve(bytes);
      }
    }
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
    this.write(opcode, fd, buf, len, pos, slot, sqeFlags, opFlags, group, 0, 0);
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
      const chain = this.chainOf[slot];
      if (chain !== null) {
        const step = this.stepOf[slot];
        if (step === 1 || step === 2) this.release(slot);
        this.chainCqe(chain, step, cqes[at + P.CQE_RES]);
        continue;
      }
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
    this.chainOf[slot] = null;
    this.free.push(slot);
    return op;
  }

  close() {
    this.native.close();
  }
}

module.exports = { FloorRing };
