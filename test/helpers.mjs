// Shared test helpers for uring-loop.
//
// - temp dirs (one per test, removed afterwards)
// - backends() / describeBackends(): run a contract suite once per backend
// - rejection helpers that insist on "returns a rejected Promise, never throws synchronously"
// - errno / argument-error matchers
// - FIFO helpers (a read on an empty FIFO is the canonical "op that never completes by itself")
// - child-process runner for fixtures under test/fixtures/
import { expect, AssertionError } from 'chai';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';

import { createRequire } from 'node:module';
import { Ring } from '../index.mjs';

/** The scheduler behind a ring: the package does not export it; white-box tests reach it here. */
export const { backendOf } = createRequire(import.meta.url)('../dist/api/ring.js');

export const TEST_DIR = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(TEST_DIR, '..');
export const FIXTURES = path.join(TEST_DIR, 'fixtures');
export const IS_LINUX = process.platform === 'linux';

// ---------------------------------------------------------------------------------------------
// temp dirs

export function makeTempDir(prefix = 'uring-loop-test-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeTempDir(dir) {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * Registers beforeEach/afterEach in the current describe block. Returns a context whose
 * `dir` is a fresh temp dir for every test; `defer(fn)` registers a cleanup that runs (in reverse
 * order) after the test, before the temp dir is removed.
 */
export function useTempDir() {
  const t = {
    dir: null,
    file(name) {
      return path.join(t.dir, name);
    },
    defer(fn) {
      cleanups.push(fn);
    },
  };
  let cleanups = [];
  beforeEach(function () {
    cleanups = [];
    t.dir = makeTempDir();
  });
  afterEach(async function () {
    try {
      await runCleanups(cleanups);
    } finally {
      removeTempDir(t.dir);
      t.dir = null;
    }
  });
  return t;
}

async function runCleanups(list) {
  const errors = [];
  while (list.length) {
    const fn = list.pop();
    try {
      await fn();
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length) throw errors[0];
}

// ---------------------------------------------------------------------------------------------
// backends

/** The backends every contract test runs against: io_uring is mandatory on Linux. */
export function backends() {
  return IS_LINUX ? ['io_uring', 'fs'] : ['fs'];
}

/**
 * describe() once per backend. `fn(backend, t)` gets a context `t` with:
 *   t.ring     a `new Ring({ backend, ...ringOptions })` created in beforeEach, shut down in afterEach
 *   t.dir      a fresh temp dir per test;  t.file(name) -> path inside it
 *   t.defer(f) cleanup run after the test (before ring.shutdown())
 */
export function describeBackends(title, fn, ringOptions = {}) {
  for (const backend of backends()) {
    describe(`${title} [${backend}]`, function () {
      let cleanups = [];
      const t = {
        backend,
        ring: null,
        dir: null,
        file(name) {
          return path.join(t.dir, name);
        },
        defer(f) {
          cleanups.push(f);
        },
      };
      beforeEach(function () {
        cleanups = [];
        t.dir = makeTempDir();
        t.ring = new Ring({ ...ringOptions, backend });
      });
      afterEach(async function () {
        try {
          await runCleanups(cleanups);
        } finally {
          const ring = t.ring;
          t.ring = null;
          try {
            if (ring) await ring.shutdown();
          } finally {
            removeTempDir(t.dir);
            t.dir = null;
          }
        }
      });
      fn(backend, t);
    });
  }
}

// ---------------------------------------------------------------------------------------------
// promises & errors

/**
 * Calls `thunk` and returns the error its Promise rejects with. Fails if the call throws
 * synchronously (the contract says every op returns a rejected Promise instead), if it does not
 * return a thenable, or if the Promise resolves.
 */
export async function rejectionOf(thunk, what = 'operation') {
  let p;
  try {
    p = thunk();
  } catch (err) {
    throw new AssertionError(
      `expected ${what} to return a rejected Promise, but it threw synchronously: ${inspect(err)}`,
    );
  }
  if (!p || typeof p.then !== 'function') {
    throw new AssertionError(`expected ${what} to return a Promise, got ${inspect(p)}`);
  }
  let value;
  try {
    value = await p;
  } catch (err) {
    return err;
  }
  throw new AssertionError(`expected ${what} to reject, but it resolved with ${inspect(value)}`);
}

/**
 * Like rejectionOf() but a synchronous throw is accepted too (used for chain builders, where a bad
 * argument may be reported by the fluent builder method or by run()).
 */
export async function errorOf(thunk, what = 'operation') {
  let p;
  try {
    p = thunk();
  } catch (err) {
    return err;
  }
  let value;
  try {
    value = await p;
  } catch (err) {
    return err;
  }
  throw new AssertionError(`expected ${what} to fail, but it produced ${inspect(value)}`);
}

/** Negative errno for an error code name, e.g. errnoOf('ENOENT') === -2 on Linux. */
export function errnoOf(code) {
  const n = os.constants.errno[code];
  if (typeof n !== 'number') throw new Error(`unknown errno code ${code}`);
  return -n;
}

/** Asserts a Node-style errno error: code, negative errno, syscall, and path/dest when given. */
export function expectErrnoError(err, { code, syscall, path: p, dest } = {}) {
  expect(err, `expected an Error, got ${inspect(err)}`).to.be.instanceOf(Error);
  expect(err.code, `code of ${inspect(err)}`).to.equal(code);
  expect(err.errno, `errno of ${inspect(err)}`).to.equal(errnoOf(code));
  if (syscall !== undefined) expect(err.syscall, `syscall of ${inspect(err)}`).to.equal(syscall);
  if (p !== undefined) expect(err.path, `path of ${inspect(err)}`).to.equal(p);
  if (dest !== undefined) expect(err.dest, `dest of ${inspect(err)}`).to.equal(dest);
  expect(err.message, 'message starts with the code like node:fs errors').to.match(
    new RegExp(`^${code}: `),
  );
  if (syscall !== undefined) expect(err.message).to.include(syscall);
  if (p !== undefined) expect(err.message).to.include(`'${p}'`);
  return err;
}

export const ARG_TYPE = Object.freeze({ cls: TypeError, codes: ['ERR_INVALID_ARG_TYPE'] });
export const ARG_VALUE = Object.freeze({ cls: TypeError, codes: ['ERR_INVALID_ARG_VALUE'] });
export const ANY_TYPE_ERROR = Object.freeze({
  cls: TypeError,
  codes: ['ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_VALUE'],
});
export const OUT_OF_RANGE = Object.freeze({ cls: RangeError, codes: ['ERR_OUT_OF_RANGE'] });
/** NaN may be reported as out of range (like node:fs) or as an invalid value. */
export const NAN_ERROR = Object.freeze([OUT_OF_RANGE, ARG_VALUE]);

/** Asserts `err` matches one of the argument-error specs ({cls, codes}). */
export function expectArgError(err, spec) {
  const specs = Array.isArray(spec) ? spec : [spec];
  const ok = specs.some((s) => err instanceof s.cls && s.codes.includes(err.code));
  if (!ok) {
    const want = specs.map((s) => `${s.cls.name} (${s.codes.join(' | ')})`).join(' or ');
    throw new AssertionError(`expected ${want}, got ${inspect(err)}`);
  }
  expect(err.message, 'argument errors need a message').to.be.a('string').that.is.not.empty;
  return err;
}

/** Asserts an AbortError as Node's own APIs produce it, with cause = signal.reason. */
export function expectAbortError(err, reason) {
  expect(err, `expected an AbortError, got ${inspect(err)}`).to.be.instanceOf(Error);
  expect(err.name).to.equal('AbortError');
  expect(err.code).to.equal('ABORT_ERR');
  if (arguments.length > 1) expect(err.cause).to.equal(reason);
  return err;
}

export function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `pred` until it returns truthy or `timeout` ms pass; returns the last value. */
export async function waitFor(pred, { timeout = 2000, interval = 10 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await pred();
    if (v || Date.now() >= deadline) return v;
    await delay(interval);
  }
}

/** Runs gc several times, yielding to the event loop in between (FinalizationRegistry callbacks). */
export async function collectGarbage(rounds = 5) {
  expect(global.gc, 'tests must run with --expose-gc (see .mocharc.json)').to.be.a('function');
  for (let i = 0; i < rounds; i++) {
    // churn some memory so that freed backing stores would be reused
    const junk = [];
    for (let j = 0; j < 64; j++) junk.push(new Uint8Array(4096).fill(0xee));
    global.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

// ---------------------------------------------------------------------------------------------
// files, fds, FIFOs

/** fds of this process whose /proc/self/fd link is exactly `target` (Linux only). */
export function fdsPointingTo(target) {
  const out = [];
  for (const name of fs.readdirSync('/proc/self/fd')) {
    try {
      if (fs.readlinkSync(`/proc/self/fd/${name}`) === target) out.push(Number(name));
    } catch {
      // the fd used to read the directory itself is gone by now
    }
  }
  return out;
}

/** Number of io_uring instances this process holds as fds (Linux only). */
export function countIoUringFds() {
  return fdsPointingTo('anon_inode:[io_uring]').length;
}

export function fdIsOpen(fd) {
  try {
    fs.fstatSync(fd);
    return true;
  } catch (err) {
    if (err.code === 'EBADF') return false;
    throw err;
  }
}

/** An fd number that is definitely closed right now (opened and closed again). */
export function closedFd(dir) {
  const fd = fs.openSync(path.join(dir, `closed-${process.hrtime.bigint()}`), 'w');
  fs.closeSync(fd);
  return fd;
}

/**
 * Creates a FIFO and opens it O_RDWR (never blocks on open; a read on it blocks until someone
 * writes). `feed(data)` writes into it. `release()` unblocks any reader still waiting (a blocked
 * read of the fs backend sits in a libuv pool thread until data arrives) and closes the fds.
 */
export function makeFifo(dir, name = 'fifo') {
  const p = path.join(dir, name);
  execFileSync('mkfifo', [p]);
  const fd = fs.openSync(p, fs.constants.O_RDWR);
  let closed = false;
  return {
    path: p,
    fd,
    feed(data) {
      const buf = typeof data === 'string' ? Buffer.from(data) : data;
      let off = 0;
      while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
    },
    release() {
      if (closed) return;
      closed = true;
      try {
        const w = fs.openSync(p, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
        try {
          fs.writeSync(w, Buffer.alloc(4096, 0x5a));
        } catch (err) {
          if (err.code !== 'EAGAIN') throw err;
        } finally {
          fs.closeSync(w);
        }
      } finally {
        fs.closeSync(fd);
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// child processes

/**
 * Runs `node ...args` and resolves with { code, signal, stdout, stderr, ms, timedOut }.
 * A child still running after `timeout` ms is SIGKILLed (timedOut = true).
 */
export function runNode(args, { env, timeout = 20000, cwd = REPO_ROOT, command } = {}) {
  return new Promise((resolve, reject) => {
    const [cmd, cmdArgs] = command
      ? [command[0], [...command.slice(1), ...args]]
      : [process.execPath, args];
    const child = spawn(cmd, cmdArgs, {
      cwd,
      env: env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const start = performance.now();
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeout);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - start, timedOut });
    });
  });
}

/** Parses the last non-empty stdout line of a child as JSON, with a helpful failure message. */
export function lastJsonLine(result) {
  const lines = result.stdout.split('\n').filter((l) => l.trim() !== '');
  if (!lines.length) {
    throw new AssertionError(
      `child printed nothing (code ${result.code}, signal ${result.signal}, timedOut ${result.timedOut})\nstderr:\n${result.stderr}`,
    );
  }
  try {
    return JSON.parse(lines[lines.length - 1]);
  } catch {
    throw new AssertionError(
      `child output is not JSON: ${lines[lines.length - 1]}\nstderr:\n${result.stderr}`,
    );
  }
}

export function hasCommand(name) {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Deterministic pseudo-random bytes (so a child or a later check can recompute them). */
export function patternBytes(length, seed = 1) {
  const out = Buffer.allocUnsafe(length);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
