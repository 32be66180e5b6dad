'use strict';
// One run: a warm-up, then a measured window, in one continuous stream of ops
// so the queue never drains between the two. Every system's driver reports
// completions here; only the measured window counts.

const { performance } = require('node:perf_hooks');

/** Clock reads are batched: reading the clock per op would cost more than a nop. */
const CHECK_EVERY = 32;

class Phase {
  /**
   * @param {{ warmupMs: number, seconds: number, sampleEvery?: number, bytesPerOp?: number,
   *           ring?: { stats(): object } }} o
   */
  constructor(o) {
    this.warmEnd = performance.now() + o.warmupMs;
    this.end = this.warmEnd + o.seconds * 1000;
    this.sampleEvery = o.sampleEvery ?? 1;
    this.bytesPerOp = o.bytesPerOp ?? 0;
    this.ring = o.ring;
    this.live = true;
    this.measuring = false;
    this.ops = 0;
    this.n = 0;
    this.latencies = [];
    this.t0 = 0;
    this.t1 = 0;
    this.cpu0 = null;
    this.cpu = null;
    this.stats0 = null;
    this.stats1 = null;
    this.seq = 0;
  }

  /** For size-bound runs: starts the measured window now. */
  begin() {
    this.warmEnd = 0;
    this.check();
  }

  /** For size-bound runs: ends the measured window now. */
  finish() {
    this.end = 0;
    this.check();
  }

  /** Start time of the next op if its latency is sampled, else 0. */
  startOp() {
    return ++this.seq % this.sampleEvery === 0 ? performance.now() : 0;
  }

  /** Records one completed op (and its latency when `started` is non-zero). */
  done(started) {
    if (this.measuring) {
      this.ops++;
      if (started) this.latencies.push(performance.now() - started);
    }
    if (++this.n % CHECK_EVERY === 0 || this.sampleEvery === 1) this.check();
  }

  check() {
    const t = performance.now();
    if (!this.measuring) {
      if (t >= this.warmEnd) {
        this.measuring = true;
        this.t0 = t;
        this.cpu0 = process.cpuUsage();
        this.stats0 = this.ring ? this.ring.stats() : null;
      }
    } else if (t >= this.end && this.live) {
      this.live = false;
      this.t1 = t;
      this.cpu = process.cpuUsage(this.cpu0);
      this.stats1 = this.ring ? this.ring.stats() : null;
    }
  }

  result() {
    const lat = Float64Array.from(this.latencies).sort();
    const pick = (q) => (lat.length ? lat[Math.round(q * (lat.length - 1))] * 1000 : null);
    let opsPerEnter = null;
    if (this.stats0 && this.stats1) {
      const sqes = this.stats1.sqesSubmitted - this.stats0.sqesSubmitted;
      const enters = this.stats1.enterCalls - this.stats0.enterCalls;
      opsPerEnter = enters > 0 ? sqes / enters : null;
    }
    return {
      ops: this.ops,
      bytes: this.ops * this.bytesPerOp,
      elapsedNs: Math.round((this.t1 - this.t0) * 1e6),
      cpuUs: this.cpu ? this.cpu.user + this.cpu.system : null,
      p50Us: pick(0.5),
      p99Us: pick(0.99),
      opsPerEnter,
    };
  }
}

/**
 * Keeps `depth` promise-returning ops in flight until the phase ends;
 * `makeOp(i)` gives worker i its op (so each can own its buffer). `verify`
 * checks each result, as user code would after its `await`.
 */
async function promisePool(phase, depth, makeOp, verify = () => {}) {
  async function worker(op) {
    while (phase.live) {
      const started = phase.startOp();
      verify(await op());
      phase.done(started);
    }
  }
  const workers = [];
  for (let i = 0; i < depth; i++) workers.push(worker(makeOp(i)));
  await Promise.all(workers);
  return phase.result();
}

/** The same with callback-style ops: `op(cb)` calls `cb(err)`. */
function callbackPool(phase, depth, makeOp) {
  return new Promise((resolve, reject) => {
    let running = depth;
    function worker(op) {
      if (!phase.live) {
        if (--running === 0) resolve(phase.result());
        return;
      }
      const started = phase.startOp();
      op((err) => {
        if (err) return reject(err);
        phase.done(started);
        worker(op);
      });
    }
    for (let i = 0; i < depth; i++) worker(makeOp(i));
  });
}

/** Synchronous ops, one after the other. */
function syncLoop(phase, op) {
  while (phase.live) {
    const started = phase.startOp();
    op();
    phase.done(started);
  }
  return phase.result();
}

module.exports = { Phase, promisePool, callbackPool, syncLoop };
