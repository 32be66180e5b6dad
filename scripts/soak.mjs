#!/usr/bin/env node
// Soak test: a mixed workload (single ops, chains, failing ops, cancellations, timeouts, short-lived
// rings, shutdowns with ops in flight) for a given time. Between rounds, when nothing is in flight,
// it samples RSS and the V8 heap (after a full GC), open fds, io_uring instances, and the ring's
// inFlight/queued counts.
//
//   npm run soak -- --duration 10m [--sample 15s] [--warmup 1m] [--backend io_uring|fs]
//
// Pass criteria (checked against the first sample after warm-up, the baseline):
//   - every later sample has exactly the baseline's open fds and io_uring instances, and
//     inFlight = queued = 0;
//   - RSS: the median of the last 3 samples exceeds the median of the first 3 by at most
//     --max-rss-growth MiB (default 24);
//   - V8 heap after GC: the same comparison, at most --max-heap-growth MiB (default 4);
//   - every op settled the way it must (no unexpected result, error code or data).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';

import { Ring } from '../index.mjs';
import { parseDuration } from './duration.mjs';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '1m' },
    sample: { type: 'string' },
    warmup: { type: 'string' },
    backend: { type: 'string', default: 'auto' },
    actors: { type: 'string', default: '24' },
    'max-rss-growth': { type: 'string', default: '24' },
    'max-heap-growth': { type: 'string', default: '4' },
    json: { type: 'boolean', default: false },
  },
});

const durationMs = parseDuration(args.duration);
const sampleMs = args.sample
  ? parseDuration(args.sample)
  : Math.max(1000, Math.min(15000, durationMs / 20));
const warmupMs = args.warmup
  ? parseDuration(args.warmup)
  : Math.min(60000, Math.round(durationMs * 0.15));
const ACTORS = Number(args.actors);
const MAX_RSS_GROWTH = Number(args['max-rss-growth']) * 2 ** 20;
const MAX_HEAP_GROWTH = Number(args['max-heap-growth']) * 2 ** 20;
const MiB = (n) => Math.round((n / 2 ** 20) * 10) / 10;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uring-loop-soak-'));
const ring = new Ring({ backend: args.backend });
const onRing = ring.backend === 'io_uring';
const fifoPath = path.join(dir, 'fifo');
execFileSync('mkfifo', [fifoPath]);
// O_RDWR never blocks on open; a read on it waits for data that never comes.
const fifoFd = fs.openSync(fifoPath, fs.constants.O_RDWR);
const NEVER_OPEN_FD = 900_000;

const counts = {};
const failures = [];
const count = (name) => (counts[name] = (counts[name] ?? 0) + 1);
function fail(what, detail) {
  if (failures.length < 20) failures.push(`${what}: ${detail}`);
  count('unexpected');
}

async function expectCode(what, promise, code) {
  try {
    const value = await promise;
    fail(what, `resolved with ${String(value)}, expected ${code}`);
  } catch (err) {
    if (err?.code !== code && err?.cause?.code !== code)
      fail(what, `${err?.code}: ${err?.message}`);
  }
  count(what);
}

function record(actor, n, size) {
  return Buffer.alloc(size, `${actor}:${n};`);
}

// One action of an actor; each checks its own outcome.
const actions = [
  async function writeReadBack(a) {
    const data = record(a.id, a.n++, 64 + (a.n % 512));
    const fd = await ring.open(a.file, 'w+');
    try {
      if ((await ring.write(fd, data, 0, data.length, 0)) !== data.length)
        fail('write', 'short write');
      const back = Buffer.alloc(data.length);
      await ring.read(fd, back, 0, back.length, 0);
      if (!back.equals(data)) fail('readBack', 'data differs');
    } finally {
      await ring.close(fd);
    }
    count('writeReadBack');
  },
  async function vectorIo(a) {
    const parts = [record(a.id, 1, 100), record(a.id, 2, 300), record(a.id, 3, 7)];
    const fd = await ring.open(a.file, 'w+');
    try {
      await ring.writev(fd, parts, 0);
      await ring.fallocate(fd, 0, 4096);
      await ring.ftruncate(fd, 407);
      const out = [Buffer.alloc(200), Buffer.alloc(207)];
      if ((await ring.readv(fd, out, 0)) !== 407) fail('readv', 'wrong size');
      if (!Buffer.concat(out).equals(Buffer.concat(parts))) fail('readv', 'data differs');
      if ((await ring.stat(fd)).size !== 407) fail('stat', 'wrong size');
    } finally {
      await ring.close(fd);
    }
    count('vectorIo');
  },
  async function durableChain(a) {
    const tmp = `${a.file}.tmp`;
    const data = record(a.id, a.n++, 256);
    const c = ring.chain();
    const f = c.open(tmp, 'w');
    const res = await c.write(f, data).fdatasync(f).close(f).run();
    if (res[1] !== 256) fail('chain', `wrote ${res[1]}`);
    await ring.rename(tmp, `${a.file}.final`);
    if ((await ring.stat(`${a.file}.final`)).size !== 256) fail('chain', 'renamed file size');
    count('durableChain');
  },
  async function failingChain(a) {
    const c = ring.chain();
    const f = c.open(path.join(dir, 'missing', `x${a.id}`), 'r');
    try {
      await c.read(f, Buffer.alloc(8)).close(f).run();
      fail('failingChain', 'resolved');
    } catch (err) {
      if (err.code !== 'ERR_URING_CHAIN' || err.index !== 0 || err.cause.code !== 'ENOENT')
        fail('failingChain', `${err.code} ${err.message}`);
      else if (err.results[2].reason.code !== 'ECANCELED') fail('failingChain', 'not cancelled');
    }
    count('failingChain');
  },
  async function errors(a) {
    await expectCode('ENOENT', ring.open(path.join(dir, 'nope', String(a.id))), 'ENOENT');
    await expectCode('EBADF', ring.read(NEVER_OPEN_FD, Buffer.alloc(4)), 'EBADF');
    await expectCode('EEXIST', ring.mkdir(dir), 'EEXIST');
    await expectCode('ENOENT', ring.unlink(path.join(dir, 'nope', `u${a.id}`)), 'ENOENT');
  },
  async function cancel(a) {
    const ac = new AbortController();
    const p = ring.sleep(60_000, { signal: ac.signal });
    setTimeout(() => ac.abort(), a.n++ % 4);
    await expectCode('abortSleep', p, 'ABORT_ERR');
    const pre = AbortSignal.abort();
    await expectCode('preAborted', ring.nop({ signal: pre }), 'ABORT_ERR');
    const ac2 = new AbortController();
    const chain = ring.chain().nop().sleep(60_000).nop().run({ signal: ac2.signal });
    setTimeout(() => ac2.abort(), 1);
    await expectCode('abortChain', chain, 'ABORT_ERR');
  },
  async function timeout() {
    // A FIFO read never completes by itself on io_uring; on node:fs it would hold a pool thread.
    const p = onRing
      ? ring.read(fifoFd, Buffer.alloc(16), 0, 16, null, { timeout: 2 })
      : ring.sleep(60_000, { timeout: 2 });
    await expectCode('timeout', p, 'ETIMEDOUT');
  },
  async function nops() {
    await Promise.all(Array.from({ length: 64 }, () => ring.nop()));
    count('nops');
  },
  async function dirs(a) {
    const d = path.join(dir, `d${a.id}`);
    await ring.mkdir(d);
    await ring.open(path.join(d, 'f'), 'w').then((fd) => ring.close(fd));
    await ring.unlink(path.join(d, 'f'));
    await ring.rmdir(d);
    count('dirs');
  },
  async function shortLivedRing() {
    const r = new Ring({ backend: args.backend, entries: 8 });
    const pending = [r.sleep(60_000), r.nop(), r.nop()].map((p) =>
      p.then(
        () => 'ok',
        (e) => e.code,
      ),
    );
    await r.nop();
    await r.shutdown();
    const got = await Promise.all(pending);
    if (got[0] !== 'ECANCELED' || got[1] !== 'ok') fail('shortLivedRing', got.join(','));
    count('shortLivedRing');
  },
];
const WEIGHTS = [6, 3, 4, 2, 2, 3, 2, 4, 2, 1];
const deck = WEIGHTS.flatMap((w, i) => new Array(w).fill(actions[i]));

/** A small seeded PRNG (mulberry32): each actor's sequence of actions is reproducible. */
function random(seed) {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x6d2b79f5) >>> 0;
    let t = Math.imul(x ^ (x >>> 15), x | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

async function actor(a, until) {
  while (performance.now() < until) {
    await deck[Math.floor(a.random() * deck.length)](a);
  }
}

function openFds() {
  let all = 0;
  let rings = 0;
  for (const name of fs.readdirSync('/proc/self/fd')) {
    try {
      const link = fs.readlinkSync(`/proc/self/fd/${name}`);
      all++;
      if (link === 'anon_inode:[io_uring]') rings++;
    } catch {
      // the directory's own fd, gone by now
    }
  }
  return { fds: all, rings };
}

function sample(t0) {
  gc();
  gc();
  const mem = process.memoryUsage();
  const s = ring.stats();
  return {
    t: Math.round((performance.now() - t0) / 1000),
    rss: mem.rss,
    heap: mem.heapUsed,
    external: mem.external,
    ...openFds(),
    inFlight: s.inFlight,
    queued: s.queued,
    completed: s.completed,
  };
}

function median3(list) {
  const v = list.slice(0, 3).sort((x, y) => x - y);
  return v[Math.floor(v.length / 2)];
}

async function main() {
  const actorsState = Array.from({ length: ACTORS }, (_, id) => ({
    id,
    n: 0,
    random: random(id + 1),
    file: path.join(dir, `actor-${id}`),
  }));
  const t0 = performance.now();
  const end = t0 + durationMs;
  const samples = [];
  let nextSample = t0 + warmupMs;
  console.log(
    `soak: ${args.duration} on ${ring.backend}, ${ACTORS} actors, warm-up ${warmupMs / 1000}s, ` +
      `a sample every ${sampleMs / 1000}s`,
  );
  while (performance.now() < end) {
    const until = Math.min(end, performance.now() + 250);
    await Promise.all(actorsState.map((a) => actor(a, until)));
    if (performance.now() >= nextSample || performance.now() >= end) {
      const s = sample(t0);
      samples.push(s);
      nextSample += sampleMs;
      console.log(
        `t=${String(s.t).padStart(5)}s rss=${MiB(s.rss)}MiB heap=${MiB(s.heap)}MiB fds=${s.fds} ` +
          `rings=${s.rings} inFlight=${s.inFlight} queued=${s.queued} ops=${s.completed}`,
      );
    }
  }
  await ring.shutdown();
  fs.closeSync(fifoFd);
  fs.rmSync(dir, { recursive: true, force: true });

  const problems = [...failures];
  if (samples.length < 2) problems.push('too few samples: make --duration longer than --warmup');
  const base = samples[0];
  for (const s of samples) {
    if (s.fds !== base.fds) problems.push(`t=${s.t}s: ${s.fds} open fds, baseline ${base.fds}`);
    if (s.rings !== base.rings)
      problems.push(`t=${s.t}s: ${s.rings} io_uring fds, baseline ${base.rings}`);
    if (s.inFlight !== 0 || s.queued !== 0)
      problems.push(`t=${s.t}s: inFlight ${s.inFlight}, queued ${s.queued} while idle`);
  }
  const rssStart = median3(samples.map((s) => s.rss));
  const rssEnd = median3(samples.map((s) => s.rss).reverse());
  const heapStart = median3(samples.map((s) => s.heap));
  const heapEnd = median3(samples.map((s) => s.heap).reverse());
  if (rssEnd - rssStart > MAX_RSS_GROWTH)
    problems.push(`RSS grew ${MiB(rssEnd - rssStart)} MiB (limit ${MiB(MAX_RSS_GROWTH)})`);
  if (heapEnd - heapStart > MAX_HEAP_GROWTH)
    problems.push(`heap grew ${MiB(heapEnd - heapStart)} MiB (limit ${MiB(MAX_HEAP_GROWTH)})`);
  const summary = {
    duration: args.duration,
    backend: ring.backend,
    ops: samples.at(-1)?.completed ?? 0,
    samples: samples.length,
    rssMiB: { start: MiB(rssStart), end: MiB(rssEnd) },
    heapMiB: { start: MiB(heapStart), end: MiB(heapEnd) },
    fds: { start: base?.fds, end: samples.at(-1)?.fds },
    ioUringFds: { start: base?.rings, end: samples.at(-1)?.rings },
    actions: counts,
    problems,
  };
  console.log(args.json ? JSON.stringify(summary) : summary);
  if (problems.length > 0) {
    console.error(`soak FAILED:\n  ${problems.join('\n  ')}`);
    process.exitCode = 1;
  } else {
    console.log('soak OK');
  }
}

await main();
