// Runs a program from model.mjs against one fs/promises-like module inside one directory and
// records what every call did, normalized so that two modules can be compared: the directory
// becomes '<dir>' in paths and messages, Stats keep the fields that do not depend on time or
// on the inode, buffers become their content (and whether they are the caller's own buffer).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { HANDLES } from './model.mjs';

/** The value behind each { bad: key } argument. */
export const BAD = {
  neg: -1,
  frac: 1.5,
  nan: NaN,
  huge: 2 ** 60,
  str: 'bogus',
  empty: '',
  obj: {},
  arr: [],
  bool: true,
  null: null,
  undef: undefined,
  bigint: 5n,
  fn: () => {},
  nul: 'a\0b',
};

/** Deterministic bytes (lowercase letters) for a seed. */
export function bytesOf(len, seed) {
  const out = Buffer.alloc(len);
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

/** Characters of 1 to 4 UTF-8 bytes, one of them outside the BMP, so encodings matter. */
const CHARS = ['a', 'b', 'z', ' ', '\n', 'é', 'ß', '€', '日', '😀', '+', '/', '='];

function stringOf(len, seed) {
  const bytes = bytesOf(len, seed);
  let s = '';
  for (const b of bytes) s += CHARS[b % CHARS.length];
  return s;
}

/** Chunks of a data spec for the iterable forms: strings and Buffers, alternating. */
function chunksOf(len, seed) {
  const s = stringOf(len, seed);
  const third = Math.ceil(s.length / 3);
  return [s.slice(0, third), Buffer.from(s.slice(third, 2 * third)), s.slice(2 * third)];
}

/** The value a { data: { kind, len, seed } } argument stands for. */
export function dataOf({ kind, len, seed }) {
  const bytes = bytesOf(len, seed);
  const copy = () => new Uint8Array(bytes).buffer;
  switch (kind) {
    case 'string':
      return stringOf(len, seed);
    case 'buffer':
      return bytes;
    case 'uint8':
      return new Uint8Array(copy());
    case 'uint16':
      return new Uint16Array(copy(), 0, len >> 1);
    case 'dataview':
      return new DataView(copy());
    case 'iterable': {
      const chunks = chunksOf(len, seed);
      return {
        *[Symbol.iterator]() {
          yield* chunks;
        },
      };
    }
    case 'async': {
      const chunks = chunksOf(len, seed);
      return {
        async *[Symbol.asyncIterator]() {
          yield* chunks;
        },
      };
    }
    default:
      throw new Error(`unknown data kind ${kind}`);
  }
}

/** The starting tree of every run: files, a directory, symlinks to a file, a dir and nothing. */
export function populate(dir) {
  fs.writeFileSync(path.join(dir, 'a'), bytesOf(150, 7), { mode: 0o644 });
  fs.writeFileSync(path.join(dir, 'b'), 'héllo\n', { mode: 0o600 });
  fs.mkdirSync(path.join(dir, 'd'), { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'd', 'x'), bytesOf(20, 9), { mode: 0o644 });
  fs.symlinkSync('a', path.join(dir, 'la'));
  fs.symlinkSync('d', path.join(dir, 'ld'));
  fs.symlinkSync('nowhere', path.join(dir, 'dead'));
}

/** Content as text when short, as length and digest when long (a 70 kB file stays readable). */
function content(buf) {
  if (buf.length <= 400) return buf.toString('latin1');
  return { length: buf.length, sha1: createHash('sha1').update(buf).digest('hex').slice(0, 16) };
}

/** Every entry under `dir`: type, permission bits, link count, content or symlink target. */
export function snapshot(dir) {
  const out = {};
  const walk = (rel) => {
    for (const entry of fs.readdirSync(path.join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${entry}` : entry;
      const abs = path.join(dir, r);
      const st = fs.lstatSync(abs);
      const perm = (st.mode & 0o7777).toString(8);
      if (st.isDirectory()) {
        out[r] = `dir ${perm}`;
        walk(r);
      } else if (st.isFile()) {
        out[r] = {
          file: perm,
          nlink: st.nlink,
          size: st.size,
          content: content(fs.readFileSync(abs)),
        };
      } else if (st.isSymbolicLink()) {
        out[r] = `symlink -> ${fs.readlinkSync(abs)}`;
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

const TYPES = ['isFile', 'isDirectory', 'isSymbolicLink', 'isFIFO', 'isSocket'];
/** Stats fields that do not depend on time, on the inode or on the device. */
const STABLE = ['mode', 'nlink', 'uid', 'gid', 'rdev', 'size', 'blksize'];

function normStats(s) {
  const out = { ctor: s.constructor?.name };
  out.type = TYPES.filter((t) => typeof s[t] === 'function' && s[t]()).join(',');
  for (const k of STABLE) out[k] = typeof s[k] === 'bigint' ? `${s[k]}n` : s[k];
  // Every field is there with the right type (numbers, bigints, Dates), whatever its value.
  const shape = [];
  for (const k in s) if (typeof s[k] !== 'function') shape.push(`${k}:${typeOf(s[k])}`);
  out.shape = shape.sort().join(' ');
  out.times = timesOf(s);
  return out;
}

/**
 * Whether the time fields agree with each other and with the clock (a unit mix-up, seconds for
 * milliseconds or a Date built from nanoseconds, shows here; the values themselves differ by run).
 */
function timesOf(s) {
  const now = Date.now();
  for (const t of ['atime', 'mtime', 'ctime', 'birthtime']) {
    const ms = Number(s[`${t}Ms`]);
    if (!(s[t] instanceof Date) || Math.abs(s[t].getTime() - ms) >= 1) return `${t} != ${t}Ms`;
    if (typeof s[`${t}Ns`] === 'bigint' && s[`${t}Ns`] / 1_000_000n !== BigInt(Math.floor(ms))) {
      return `${t}Ns != ${t}Ms`;
    }
    // birthtime is 0 where the file system does not record it
    if (ms !== 0 && (ms < now - 86_400_000 || ms > now + 60_000)) return `${t}Ms off the clock`;
  }
  return 'consistent';
}

function typeOf(v) {
  if (v === null) return 'null';
  if (typeof v === 'object') return v.constructor?.name ?? 'object';
  return typeof v;
}

const isStats = (v) =>
  v !== null && typeof v === 'object' && typeof v.isFile === 'function' && 'nlink' in v;
const isFileHandle = (v) =>
  v !== null && typeof v === 'object' && typeof v.close === 'function' && 'fd' in v;

/**
 * A call's result as comparable data. `given` are the caller's buffers: a result that returns
 * one of them says so (fh.read must resolve with the caller's buffer, not a copy).
 */
function normValue(v, given, dir) {
  if (v === undefined) return '<undefined>';
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (typeof v === 'string') {
    // A path in a result (recursive mkdir's) names the run's directory.
    return v.length > 400 ? { string: content(Buffer.from(v)) } : v.split(dir).join('<dir>');
  }
  if (v === null || typeof v !== 'object') return v;
  if (ArrayBuffer.isView(v)) {
    const bytes = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    const out = { [v.constructor.name]: content(bytes) };
    const i = given.indexOf(v);
    if (i >= 0) out.given = i;
    return out;
  }
  if (isStats(v)) return normStats(v);
  if (isFileHandle(v)) return { ctor: v.constructor?.name, fd: typeof v.fd };
  if (Array.isArray(v)) return v.map((x) => normValue(x, given, dir));
  const out = { ctor: typeOf(v) };
  for (const k of Object.keys(v).sort()) out[k] = normValue(v[k], given, dir);
  return out;
}

/** An error as comparable data, with the run's directory replaced by '<dir>'. */
export function normError(err, dir) {
  if (!(err instanceof Error)) return { thrown: typeOf(err), value: String(err) };
  const rel = (p) => {
    if (Buffer.isBuffer(p)) return { Buffer: rel(p.toString()) };
    return typeof p === 'string' ? p.split(dir).join('<dir>') : p;
  };
  const out = { ctor: err.constructor.name, name: err.name, code: err.code ?? '<none>' };
  out.message = rel(err.message);
  for (const k of ['errno', 'syscall', 'path', 'dest']) if (k in err) out[k] = rel(err[k]);
  if (err.cause !== undefined) {
    out.cause =
      err.cause instanceof Error
        ? { ctor: err.cause.constructor.name, name: err.cause.name, message: err.cause.message }
        : String(err.cause);
  }
  return out;
}

export class Interpreter {
  /** @param fsp the module under test (node:fs/promises or a drop-in for it) */
  constructor(fsp, dir) {
    this.fsp = fsp;
    this.dir = dir;
    /** FileHandles by slot; a closed handle stays in its slot */
    this.slots = new Array(HANDLES).fill(undefined);
    /** handles no slot holds any more (their slot was opened again) */
    this.orphans = [];
    this.trace = [];
    /** the step running now, for a hang report */
    this.current = 'start';
  }

  /** The value an argument of the model stands for; `given` collects the Buffers made. */
  decode(arg, given) {
    if (Array.isArray(arg)) return arg.map((a) => this.decode(a, given));
    if (arg === null || typeof arg !== 'object') return arg;
    if ('p' in arg) {
      const abs = path.join(this.dir, arg.p);
      if (arg.as === 'buffer') return Buffer.from(abs);
      if (arg.as === 'url') return pathToFileURL(abs);
      return abs;
    }
    if ('data' in arg) {
      const d = dataOf(arg.data);
      if (ArrayBuffer.isView(d)) given.push(d);
      return d;
    }
    if ('buf' in arg) {
      const b = Buffer.alloc(arg.buf);
      given.push(b);
      return b;
    }
    if ('bad' in arg) return BAD[arg.bad];
    if ('aborted' in arg) return AbortSignal.abort();
    const out = {};
    for (const [k, v] of Object.entries(arg)) out[k] = this.decode(v, given);
    return out;
  }

  /** Calls fn and records how it ended: a value, a rejection, or a synchronous throw. */
  async settle(fn, thisArg, args, given) {
    if (typeof fn !== 'function') return { missing: typeOf(fn) };
    let result;
    try {
      result = fn.apply(thisArg, args);
    } catch (err) {
      return { threw: normError(err, this.dir) };
    }
    if (!(result instanceof Promise)) return { notAPromise: normValue(result, given, this.dir) };
    try {
      const value = await result;
      return { ok: normValue(value, given, this.dir), raw: value };
    } catch (err) {
      return { rejected: normError(err, this.dir) };
    }
  }

  async runStep(step) {
    if (step.t === 'batch')
      return { batch: await Promise.all(step.calls.map((c) => this.runStep(c))) };
    const given = [];
    const args = this.decode(step.args, given);
    if (step.t.startsWith('fh.')) {
      const handle = this.slots[step.h];
      if (handle === undefined) return { noHandle: step.h };
      const name = step.t.slice(3);
      const method = handle[name === 'asyncDispose' ? Symbol.asyncDispose : name];
      const { raw: _raw, ...out } = await this.settle(method, handle, args, given);
      out.fd = handle.fd === -1 ? -1 : typeof handle.fd;
      return out;
    }
    const { raw, ...out } = await this.settle(this.fsp[step.t], this.fsp, args, given);
    if (step.t === 'open' && 'ok' in out && isFileHandle(raw)) {
      const old = this.slots[step.h];
      if (old !== undefined) this.orphans.push(old);
      this.slots[step.h] = raw;
    }
    return out;
  }

  /** Runs every step, then closes the handles still open. */
  async run(program) {
    for (const [i, step] of program.steps.entries()) {
      this.current = i;
      this.trace.push(await this.runStep(step));
    }
    this.current = 'teardown';
    for (const handle of [...this.orphans, ...this.slots]) {
      if (handle === undefined || handle.fd === -1) continue;
      const { raw: _raw, ...out } = await this.settle(handle.close, handle, [], []);
      this.trace.push({ finalClose: out });
    }
    return this.trace;
  }
}
