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
    this.dirty = 0;
    this.creating = null;
    this.executor = (resolve, reject) => {
      this.creating.resolve = resolve;
      this.creating.reject = reject;
    };
    this.native = new addon.NativeRing(
      { entries: ENTRIES, directFiles: 0 },
      (count) => this.onComplete(count),
      this.area,
      this.objs,
      this.cqes,
      this.counters,
    );
  }

  /** Writes one SQE's parameters; returns the Promise of its result. */
  stage(opcode, fd, buf, len, pos) {
    if (this.free.length === 0) return Promise.reject(new RangeError('more ops than the CQ holds'));
    const op = { resolve: null, reject: null, buf };
    this.creating = op;
    const promise = new Promise(this.executor);
    this.creating = null;
    const slot = this.free.pop();
    this.pending[slot] = op;
    const c = this.counters;
    const at = c[P.C_JS_STAGED];
    if (at === 0 && this.dirty > 0) {
      // The addon consumed the area: let go of the buffers it no longer needs.
      this.objs.fill(undefined, 0, this.dirty * 2);
      this.dirty = 0;
    }
    c[P.C_JS_STAGED] = at + 1;
    if (c[P.C_REFED] === 0) this.native.ref();
    const o = at * P.PARAM_COUNT;
    const a = this.area;
    a[o + P.P_OPCODE] = opcode;
    a[o + P.P_FD] = fd;
    a[o + P.P_LEN] = len;
    a[o + P.P_OFFSET] = pos;
    a[o + P.P_SLOT] = slot;
    a[o + P.P_TAG] = 0;
    a[o + P.P_SQE_FLAGS] = 0;
    a[o + P.P_OP_FLAGS] = 0;
    a[o + P.P_BUF_OFFSET] = 0;
    a[o + P.P_FILE_INDEX] = 0;
    a[o + P.P_GROUP] = 1;
    if (buf !== undefined) {
      this.objs[at * 2] = buf;
      if (at >= this.dirty) this.dirty = at + 1;
    }
    return promise;
  }

  nop() {
    return this.stage(P.Opcode.NOP, 0, undefined, 0, 0);
  }

  read(fd, buf, pos) {
    return this.stage(P.Opcode.READ, fd, buf, buf.length, pos);
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
      if (res >= 0) op.resolve(res);
      else op.reject(new Error(`errno ${-res}`));
    }
  }

  close() {
    this.native.close();
  }
}

module.exports = { FloorRing };
