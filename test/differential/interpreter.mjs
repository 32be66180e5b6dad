// Runs a program from model.mjs on one ring inside one directory and records what every op did,
// normalized so that two backends can be compared: fds become 'fd', paths lose the directory
// prefix, Stats keep the fields both backends define the same way.
import fs from 'node:fs';
import path from 'node:path';

import { ChainFile, Stats } from '../../index.mjs';
import { HANDLES } from './model.mjs';

/** fd numbers never open in this process: ops on empty or closed handle slots use them. */
const DEAD_FD = 900_000;

/** Deterministic bytes for a { len, seed } data spec. */
export function bytesOf({ len, seed }) {
  const out = Buffer.allocUnsafe(len);
  let x = (seed * 2654435761 + 1) >>> 0;
  for (let i = 0; i < len; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = 0x61 + (x % 26);
  }
  return out;
}

/** The starting tree of every run: a file, a directory and a file in it. */
export function populate(dir) {
  fs.writeFileSync(path.join(dir, 'a'), bytesOf({ len: 100, seed: 7 }), { mode: 0o644 });
  fs.mkdirSync(path.join(dir, 'd'), { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'd', 'x'), bytesOf({ len: 10, seed: 9 }), { mode: 0o644 });
}

/** Every entry under `dir`: type, permission bits, and the content of regular files. */
export function snapshot(dir) {
  const out = {};
  const walk = (rel) => {
    for (const entry of fs.readdirSync(path.join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${entry}` : entry;
      const st = fs.lstatSync(path.join(dir, r));
      const perm = (st.mode & 0o777).toString(8);
      if (st.isDirectory()) {
        out[r] = `dir ${perm}`;
        walk(r);
      } else if (st.isFile()) {
        out[r] = `file ${perm} ${fs.readFileSync(path.join(dir, r)).toString('latin1')}`;
      } else {
        out[r] = `other ${perm}`;
      }
    }
  };
  walk('');
  return out;
}

/** fds of this process that point into `dir`. */
export function fdsInto(dir) {
  const found = [];
  for (const name of fs.readdirSync('/proc/self/fd')) {
    try {
      const link = fs.readlinkSync(`/proc/self/fd/${name}`);
      if (link === dir || link.startsWith(`${dir}/`)) found.push(link.slice(dir.length));
    } catch {
      // the fd of the directory listing itself
    }
  }
  return found.sort();
}

function normValue(value) {
  if (value === undefined) return null;
  if (value instanceof ChainFile) return 'ChainFile';
  if (value instanceof Stats) {
    return {
      size: value.size,
      mode: value.mode,
      nlink: value.nlink,
      file: value.isFile(),
      dir: value.isDirectory(),
    };
  }
  if (Array.isArray(value)) return value.map(normValue);
  return value;
}

export function normError(err, dir) {
  if (!(err instanceof Error)) return { thrown: String(err) };
  const rel = (p) => (typeof p === 'string' ? p.split(dir).join('<dir>') : p);
  const out = { name: err.name, code: err.code ?? null, message: rel(err.message) };
  if (err.errno !== undefined) out.errno = err.errno;
  if (err.syscall !== undefined) out.syscall = err.syscall;
  if (err.path !== undefined) out.path = rel(err.path);
  if (err.dest !== undefined) out.dest = rel(err.dest);
  if (err.code === 'ERR_URING_SHORT_IO')
    Object.assign(out, { bytes: err.bytes, expected: err.expected });
  if (err.code === 'ERR_URING_CHAIN') {
    out.index = err.index;
    out.cause = normError(err.cause, dir);
    out.results = err.results.map((r) =>
      r.status === 'fulfilled' ? { ok: normValue(r.value) } : { err: normError(r.reason, dir) },
    );
  }
  return out;
}

export class Interpreter {
  constructor(ring, dir) {
    this.ring = ring;
    this.dir = dir;
    /** handle slots: undefined, { fd, live } or a ChainFile */
    this.slots = new Array(HANDLES).fill(undefined);
    /** { fd, live } records no slot refers to any more (a slot was reopened) */
    this.orphans = [];
    this.trace = [];
    /** the step running now (for a hang report) */
    this.current = 'prelude';
  }

  p(name) {
    return path.join(this.dir, name);
  }

  fileOf(h) {
    const slot = this.slots[h];
    if (slot instanceof ChainFile) return slot;
    return slot && slot.live ? slot.fd : DEAD_FD + h;
  }

  setSlot(h, value) {
    const old = this.slots[h];
    if (old && !(old instanceof ChainFile) && old.live) this.orphans.push(old);
    this.slots[h] = value;
  }

  /** Marks slot h closed once a close of it succeeded (its fd number may be reused later). */
  closed(h) {
    const slot = this.slots[h];
    if (slot && !(slot instanceof ChainFile)) slot.live = false;
  }

  /**
   * Starts one single op. Returns { promise, after } where `after(value)` turns the resolved value
   * into what the trace records (and updates handle slots).
   */
  start(op, opts) {
    const r = this.ring;
    const extra = opts ? [opts] : [];
    switch (op.t) {
      case 'open':
        return {
          promise: r.open(this.p(op.name), op.flags, op.mode, ...extra),
          after: (fd) => {
            this.setSlot(op.h, { fd, live: true });
            return 'fd';
          },
        };
      case 'close':
        return {
          promise: r.close(this.fileOf(op.h), ...extra),
          after: () => {
            this.closed(op.h);
            return null;
          },
        };
      case 'read': {
        const buf = Buffer.alloc(op.len);
        return {
          promise: r.read(this.fileOf(op.h), buf, 0, op.len, op.pos, ...extra),
          after: (n) => ({ n, data: buf.subarray(0, n).toString('latin1') }),
        };
      }
      case 'write': {
        const buf = bytesOf(op.data);
        return { promise: r.write(this.fileOf(op.h), buf, 0, buf.length, op.pos, ...extra) };
      }
      case 'readv': {
        const bufs = op.lens.map((n) => Buffer.alloc(n));
        return {
          promise: r.readv(this.fileOf(op.h), bufs, op.pos, ...extra),
          after: (n) => ({ n, data: Buffer.concat(bufs).subarray(0, n).toString('latin1') }),
        };
      }
      case 'writev':
        return { promise: r.writev(this.fileOf(op.h), op.datas.map(bytesOf), op.pos, ...extra) };
      case 'fsync':
        return {
          promise: op.data
            ? r.fdatasync(this.fileOf(op.h), ...extra)
            : r.fsync(this.fileOf(op.h), ...extra),
        };
      case 'fallocate':
        return { promise: r.fallocate(this.fileOf(op.h), op.off, op.len, 0, ...extra) };
      case 'ftruncate':
        return { promise: r.ftruncate(this.fileOf(op.h), op.len, ...extra) };
      case 'stat': {
        const target = typeof op.target === 'string' ? this.p(op.target) : this.fileOf(op.target.h);
        return { promise: r.stat(target, ...extra) };
      }
      case 'rename':
        return { promise: r.rename(this.p(op.from), this.p(op.to), ...extra) };
      case 'unlink':
        return { promise: r.unlink(this.p(op.name), ...extra) };
      case 'rmdir':
        return { promise: r.rmdir(this.p(op.name), ...extra) };
      case 'mkdir':
        return { promise: r.mkdir(this.p(op.name), op.mode, ...extra) };
      case 'nop':
        return { promise: r.nop(...extra) };
      case 'sleep':
        return { promise: r.sleep(60_000, ...extra) };
      case 'closeFd':
        return { promise: r.close(op.fd, ...extra) };
      default:
        throw new Error(`unknown op ${op.t}`);
    }
  }

  async settle(op, opts) {
    let started;
    try {
      started = this.start(op, opts);
    } catch (err) {
      return { threw: normError(err, this.dir) };
    }
    try {
      const value = await started.promise;
      return { ok: normValue(started.after ? started.after(value) : value) };
    } catch (err) {
      return { err: normError(err, this.dir) };
    }
  }

  async runChain(step) {
    const chain = this.ring.chain();
    const opened = [];
    /** slots closed earlier in this chain: later ops name a dead fd, like single ops would */
    const closedHere = new Set();
    /** for each close of a handle slot: the { fd, live } record it closes, if a plain fd */
    const closes = new Map();
    const fileOf = (f) => {
      if ('c' in f) return opened[f.c];
      return closedHere.has(f.h) ? DEAD_FD + f.h : this.fileOf(f.h);
    };
    try {
      for (const op of step.ops) {
        const o = op.timeout ? [{ timeout: op.timeout }] : [];
        switch (op.t) {
          case 'open':
            opened.push(chain.open(this.p(op.name), op.flags, op.mode, ...o));
            break;
          case 'write': {
            const buf = bytesOf(op.data);
            chain.write(fileOf(op.f), buf, 0, buf.length, op.pos, ...o);
            break;
          }
          case 'read':
            chain.read(fileOf(op.f), Buffer.alloc(op.len), 0, op.len, op.pos, ...o);
            break;
          case 'fsync':
            if (op.data) chain.fdatasync(fileOf(op.f), ...o);
            else chain.fsync(fileOf(op.f), ...o);
            break;
          case 'ftruncate':
            chain.ftruncate(fileOf(op.f), op.len, ...o);
            break;
          case 'fallocate':
            chain.fallocate(fileOf(op.f), op.off, op.len, 0, ...o);
            break;
          case 'close':
            chain.close(fileOf(op.f), ...o);
            if ('h' in op.f && !(this.slots[op.f.h] instanceof ChainFile)) {
              closedHere.add(op.f.h);
              closes.set(op, this.slots[op.f.h]);
            }
            break;
          case 'stat':
            chain.stat(this.p(op.target), ...o);
            break;
          case 'mkdir':
            chain.mkdir(this.p(op.name), op.mode, ...o);
            break;
          case 'unlink':
            chain.unlink(this.p(op.name), ...o);
            break;
          case 'rename':
            chain.rename(this.p(op.from), this.p(op.to), ...o);
            break;
          case 'nop':
            chain.nop(...o);
            break;
          case 'sleep':
            chain.sleep(op.ms, ...o);
            break;
          default:
            throw new Error(`unknown chain op ${op.t}`);
        }
      }
    } catch (err) {
      return { threw: normError(err, this.dir) };
    }
    let signal;
    let timer;
    if (step.abort === 'before') signal = AbortSignal.abort();
    if (step.abort === 'during') {
      const ac = new AbortController();
      signal = ac.signal;
      timer = setTimeout(() => ac.abort(), 2);
    }
    let outcome;
    let statuses;
    try {
      const values = await chain.run(signal ? { signal } : undefined);
      statuses = values.map(() => true);
      outcome = { ok: normValue(values) };
    } catch (err) {
      if (err.code === 'ERR_URING_CHAIN')
        statuses = err.results.map((r) => r.status === 'fulfilled');
      outcome = { err: normError(err, this.dir) };
    } finally {
      clearTimeout(timer);
    }
    // Slots follow what the chain did: successful closes, and the files it opened and kept open.
    if (statuses) {
      let c = 0;
      step.ops.forEach((op, i) => {
        // The slot may hold a file this chain opened by now: mark the record the close named.
        const record = closes.get(op);
        if (record && statuses[i]) record.live = false;
        if (op.t === 'open') {
          const file = opened[c++];
          if (statuses[i] && file.open) this.setSlot(op.h, file);
        }
      });
    }
    return outcome;
  }

  async runStep(step) {
    switch (step.t) {
      case 'chain':
        return this.runChain(step);
      case 'preAborted':
        return this.settle(step.op, { signal: AbortSignal.abort() });
      case 'cancelSleep': {
        if (step.by === 'timeout') return this.settle({ t: 'sleep' }, { timeout: step.ms + 1 });
        const ac = new AbortController();
        const timer = setTimeout(() => ac.abort(), step.ms);
        try {
          return await this.settle({ t: 'sleep' }, { signal: ac.signal });
        } finally {
          clearTimeout(timer);
        }
      }
      case 'racy': {
        if (step.by === 'timeout') return { racy: await this.settle(step.op, { timeout: 1 }) };
        const ac = new AbortController();
        setImmediate(() => ac.abort());
        return { racy: await this.settle(step.op, { signal: ac.signal }) };
      }
      case 'batch':
        return { batch: await Promise.all(step.ops.map((op) => this.settle(op))) };
      default:
        return this.settle(step);
    }
  }

  /** Runs every step, then closes the fds it still holds and shuts the ring down. */
  async run(program) {
    for (const [h, op] of (program.prelude ?? []).entries()) {
      this.trace.push(await this.settle({ ...op, h }));
    }
    for (const [i, step] of program.steps.entries()) {
      this.current = i;
      this.trace.push(await this.runStep(step));
    }
    this.current = 'teardown';
    const busy = program.shutdownBusy ? this.settle({ t: 'sleep' }) : null;
    // Plain fds are the program's to close; ChainFiles still open are left to shutdown().
    const fds = [];
    for (const record of [...this.orphans, ...this.slots]) {
      if (record && !(record instanceof ChainFile) && record.live) fds.push(record.fd);
    }
    for (const fd of fds) {
      this.trace.push({ finalClose: await this.settle({ t: 'closeFd', fd }) });
    }
    await this.ring.shutdown();
    if (busy) this.trace.push({ busyAtShutdown: await busy });
    return this.trace;
  }
}
