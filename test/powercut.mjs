// The power-loss harness: builds test/tools/powercutfs (a FUSE file system that remembers what no
// fsync has covered), mounts it, cuts the power (throws away the unsynced state, or keeps a torn
// part of it), and unmounts. Tests that need it call requirePowercut() in before(): where FUSE is
// missing they are skipped with the reason, except under CI=true, where that is a failure.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { REPO_ROOT, TEST_DIR, makeTempDir, removeTempDir } from './helpers.mjs';

const SOURCE = path.join(TEST_DIR, 'tools', 'powercutfs', 'powercutfs.c');
const BINARY = path.join(REPO_ROOT, 'build', 'powercutfs');
const IS_ROOT = process.getuid?.() === 0;
/** The tools run without a sanitizer runtime that test:asan preloads for the library's own use. */
const TOOL_ENV = { ...process.env };
delete TOOL_ENV.LD_PRELOAD;
delete TOOL_ENV.ASAN_OPTIONS;
delete TOOL_ENV.UBSAN_OPTIONS;

/** Compiles powercutfs when it is missing or older than its source; returns its path. */
export function buildPowercutfs() {
  const stale = !fs.existsSync(BINARY) || fs.statSync(BINARY).mtimeMs < fs.statSync(SOURCE).mtimeMs;
  if (!stale) return BINARY;
  const flags = spawnSync('pkg-config', ['--cflags', '--libs', 'fuse3'], {
    encoding: 'utf8',
    env: TOOL_ENV,
  });
  if (flags.status !== 0) {
    throw new Error('pkg-config knows no fuse3 (install libfuse3-dev and pkg-config)');
  }
  fs.mkdirSync(path.dirname(BINARY), { recursive: true });
  const args = ['-O2', '-g', '-Wall', '-Wextra', '-Werror', '-o', BINARY, SOURCE];
  const cc = spawnSync('cc', [...args, ...flags.stdout.trim().split(/\s+/)], {
    encoding: 'utf8',
    env: TOOL_ENV,
  });
  if (cc.status !== 0) throw new Error(`cc failed to build powercutfs:\n${cc.stderr}`);
  return BINARY;
}

let availability;

/** { ok: true } where powercutfs can be built and mounted here, else { ok: false, reason }. */
export async function powercutAvailability() {
  availability ??= probe();
  return availability;
}

async function probe() {
  if (process.platform !== 'linux') return { ok: false, reason: 'FUSE tests need Linux' };
  if (!fs.existsSync('/dev/fuse')) return { ok: false, reason: '/dev/fuse does not exist' };
  try {
    fs.accessSync('/dev/fuse', fs.constants.R_OK | fs.constants.W_OK);
  } catch {
    if (!IS_ROOT) return { ok: false, reason: '/dev/fuse is not accessible' };
  }
  try {
    buildPowercutfs();
  } catch (err) {
    return { ok: false, reason: err.message };
  }
  const top = makeTempDir('uring-loop-powercut-probe-');
  try {
    const m = await PowercutMount.mount(path.join(top, 'backing'), path.join(top, 'mnt'));
    await m.unmount();
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: `mounting powercutfs failed: ${err.message}` };
  } finally {
    removeTempDir(top);
  }
}

/** In before(): skips the suite where FUSE is not available, fails instead when CI=true. */
export async function requirePowercut(ctx) {
  const a = await powercutAvailability();
  if (a.ok) return;
  if (process.env.CI === 'true') throw new Error(`power-cut tests cannot run in CI: ${a.reason}`);
  console.log(`      skipped: power-cut tests need FUSE (${a.reason})`);
  ctx.skip();
}

/** Reads the daemon's replies line by line. */
class Lines {
  #buffered = '';
  #lines = [];
  #waiters = [];
  #ended = false;

  constructor(stream) {
    stream.setEncoding('utf8');
    stream.on('data', (d) => {
      this.#buffered += d;
      const parts = this.#buffered.split('\n');
      this.#buffered = parts.pop();
      for (const line of parts) this.#push(line);
    });
    stream.on('end', () => {
      this.#ended = true;
      for (const w of this.#waiters.splice(0)) w.reject(new Error('powercutfs exited'));
    });
  }

  #push(line) {
    const w = this.#waiters.shift();
    if (w) w.resolve(line);
    else this.#lines.push(line);
  }

  next(timeoutMs = 10000) {
    if (this.#lines.length > 0) return Promise.resolve(this.#lines.shift());
    if (this.#ended) return Promise.reject(new Error('powercutfs exited'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('powercutfs did not answer')), timeoutMs);
      this.#waiters.push({
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
    });
  }
}

/** One mount of powercutfs: `backing` holds the files, `mountpoint` shows them. */
export class PowercutMount {
  #child;
  #lines;
  #stderr = '';
  #exited;

  constructor(child, backing, mountpoint) {
    this.#child = child;
    this.backing = backing;
    this.mountpoint = mountpoint;
    this.#lines = new Lines(child.stdout);
    child.stderr.setEncoding('utf8').on('data', (d) => (this.#stderr += d));
    this.#exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
  }

  /** Mounts; `fallocate: false` makes fallocate(2) fail with EOPNOTSUPP there. */
  static async mount(backing, mountpoint, { fallocate = true } = {}) {
    fs.mkdirSync(backing, { recursive: true });
    fs.mkdirSync(mountpoint, { recursive: true });
    const args = [...(fallocate ? [] : ['--no-fallocate']), backing, mountpoint];
    const child = spawn(buildPowercutfs(), args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: TOOL_ENV,
    });
    const m = new PowercutMount(child, backing, mountpoint);
    let ready;
    try {
      ready = await m.#lines.next();
    } catch (err) {
      child.kill('SIGKILL');
      await m.#exited;
      throw new Error(`${err.message}: ${m.#stderr.trim()}`);
    }
    if (ready !== 'ready') throw new Error(`powercutfs said ${JSON.stringify(ready)}`);
    return m;
  }

  async #command(text) {
    this.#child.stdin.write(`${text}\n`);
    const reply = await this.#lines.next();
    if (!reply.startsWith('ok')) throw new Error(`powercutfs: ${text}: ${reply}`);
    return Object.fromEntries(
      reply
        .split(' ')
        .slice(1)
        .map((kv) => kv.split('='))
        .filter((kv) => kv.length === 2)
        .map(([k, v]) => [k, /^\d+$/.test(v) ? Number(v) : v]),
    );
  }

  /** Counters: writes, fsyncs, fdatasyncs, fsyncdirs, fallocates, dirty files/dirs... */
  stats() {
    return this.#command('stats');
  }

  /**
   * The power cut: 'drop' loses every unsynced change, 'torn' keeps a random subset of them (in
   * 512-byte sectors), 'prefix' keeps them up to a random point. Every later operation on the
   * mount fails with EIO; unmount() and mount again to go on.
   */
  cut(mode, seed) {
    return this.#command(`cut ${mode} ${seed >>> 0}`);
  }

  /** Detaches the mount and waits for the daemon to end. */
  async unmount() {
    const mp = this.mountpoint;
    try {
      if (IS_ROOT) execFileSync('umount', ['-l', mp], { stdio: 'pipe', env: TOOL_ENV });
      else execFileSync('fusermount3', ['-u', '-z', mp], { stdio: 'pipe', env: TOOL_ENV });
    } catch (err) {
      this.#child.kill('SIGKILL');
      await this.#exited;
      throw new Error(`unmounting ${mp} failed: ${err.stderr ?? err.message}`);
    }
    this.#child.stdin.end();
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 10000);
    const code = await this.#exited;
    clearTimeout(timer);
    if (code !== 0) throw new Error(`powercutfs exited with ${code}: ${this.#stderr.trim()}`);
  }
}

/** A scratch area with a backing directory and a mount point; remove() cleans up. */
export function powercutScratch(prefix = 'uring-loop-powercut-') {
  const top = makeTempDir(prefix);
  return {
    backing: path.join(top, 'backing'),
    mountpoint: path.join(top, 'mnt'),
    remove() {
      try {
        execFileSync('umount', ['-l', path.join(top, 'mnt')], { stdio: 'ignore', env: TOOL_ENV });
      } catch {
        // not mounted
      }
      removeTempDir(top);
    },
  };
}

/** Seeds for cuts: random unless POWERCUT_SEED fixes the first one (to replay a failure). */
export function seedSource() {
  let seed = Number(process.env.POWERCUT_SEED || Math.floor(Math.random() * 2 ** 31));
  return () => seed++;
}

export const MODES = ['drop', 'torn', 'prefix'];
