#!/usr/bin/env node
// uring-loop's benchmark: every workload on every system in ONE run on this
// machine, systems interleaved, each run in a fresh process with its own
// warm-up; reports the median of the repetitions and their spread.
//
//   npm run bench [-- --quick] [--json FILE] [--only w1,w2] [--systems s1,s2] [--reps N]
//                 [--node 24]   (runs it all under that Node: scripts/node-runtime.mjs)
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';

import Table from 'cli-table3';

import { nodeBinary, envFor } from '../scripts/node-runtime.mjs';
import { bunBinary } from './lib/bun-runtime.mjs';
import { renderChart } from './lib/chart.mjs';

const require = createRequire(import.meta.url);
const { checkTargets } = require('./lib/targets.js');
const { libuvFsUsesIoUring } = require('./lib/libuv-uring.js');
const run = promisify(execFile);

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const C_BENCH = path.join(ROOT, 'build', 'Release', 'uring_loop_bench');
/** Workloads in report order; any other module in bench/workloads/ runs after them. */
const ORDER = [
  'nop-qd64',
  'read4k-qd64',
  'read4k-qd1',
  'write4k-fdatasync-qd64',
  'append256-durable-64p',
  'seqwrite-1m',
  'readfile-4k-qd64',
  'writefile-4k-qd64',
  'stat-qd64',
  'copyfile-1m',
  'filehandle-read4k-qd64',
  'logger-lines',
  'tcp-echo-64c',
];
/** Node systems that also run in a child with libuv's own io_uring path switched on. */
const WITH_LIBUV_URING = new Set(['fs-promises', 'fs-callback']);
/** The systems whose results carry the thread census (uring-loop's own, in this process). */
const OURS = new Set(['uring-loop', 'uring-loop/fs']);

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
    only: { type: 'string' },
    systems: { type: 'string' },
    reps: { type: 'string' },
    seconds: { type: 'string' },
    warmup: { type: 'string' },
    node: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log(
    'usage: npm run bench -- [--quick] [--json FILE] [--only w1,w2] [--systems s1,s2] ' +
      '[--reps N] [--seconds S] [--warmup S] [--node VERSION]',
  );
  process.exit(0);
}
// --node: the same command under another Node (fetched once into the cache), every child too.
if (args.node) {
  const bin = nodeBinary(args.node);
  if (bin !== process.execPath) {
    const rest = process.argv
      .slice(2)
      .filter((a, i, all) => a !== '--node' && all[i - 1] !== '--node' && !a.startsWith('--node='));
    const child = spawnSync(bin, [fileURLToPath(import.meta.url), ...rest], {
      stdio: 'inherit',
      env: envFor(bin),
    });
    process.exit(child.status ?? 1);
  }
}
const quick = args.quick;
const reps = Number(args.reps ?? (quick ? 1 : 5));
const seconds = Number(args.seconds ?? (quick ? 0.5 : 1.5));
const warmup = Number(args.warmup ?? (quick ? 0.2 : 0.5));
const onlySystems = args.systems ? new Set(args.systems.split(',')) : null;

function loadWorkloads() {
  const dir = path.join(HERE, 'workloads');
  const modules = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.js'))
    .map((f) => ({ ...require(path.join(dir, f)), file: path.join(dir, f) }));
  const rank = (w) => (ORDER.includes(w.name) ? ORDER.indexOf(w.name) : ORDER.length);
  let list = modules.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
  if (args.only) {
    const only = args.only.split(',');
    const unknown = only.filter((n) => !list.some((w) => w.name === n));
    if (unknown.length) throw new Error(`unknown workload(s): ${unknown.join(', ')}`);
    list = list.filter((w) => only.includes(w.name));
  }
  return list;
}

/** The fs-*-uring systems only mean something where libuv still runs fs calls on io_uring. */
const libuvUring = libuvFsUsesIoUring();

/**
 * Systems that may be missing here, each asked once: null when it can run,
 * else why not. `uring-loop/fs` is loaded by its package name, as a program
 * would; `bun` is fetched into a cache on first use (bench/lib/bun-runtime.mjs).
 */
const missing = new Map();
let bun = null;
function whyMissing(system) {
  if (!missing.has(system)) {
    let why = null;
    try {
      if (system === 'uring-loop/fs') {
        execFileSync(process.execPath, ['-e', "require('uring-loop/fs')"], {
          cwd: ROOT,
          stdio: ['ignore', 'ignore', 'pipe'],
        });
      } else if (system === 'bun') {
        bun = bunBinary();
      }
    } catch (err) {
      const text = String(err.stderr || err.message || err);
      why = (text.match(/^(\w*Error\b.*|npm (ERR|error).*)$/m)?.[0] ?? text.split('\n')[0]).trim();
    }
    missing.set(system, why);
    if (why) console.log(`${system} left out: ${why}`);
  }
  return missing.get(system);
}

function systemsOf(workload) {
  const out = [];
  for (const s of workload.systems) {
    const optional = s === 'uring-loop/fs' || s === 'bun';
    if (optional && (!onlySystems || onlySystems.has(s)) && whyMissing(s)) continue;
    out.push(s);
    if (libuvUring && WITH_LIBUV_URING.has(s)) out.push(`${s}-uring`);
  }
  if (workload.c && fs.existsSync(C_BENCH)) out.push('c-liburing');
  return onlySystems ? out.filter((s) => onlySystems.has(s)) : out;
}

async function runOnce(workload, system, prepared, shared) {
  const dir = fs.mkdtempSync(path.join(shared, 'run-'));
  try {
    // Files every system of the workload gets alike, made before its process starts.
    if (workload.beforeRun) workload.beforeRun(dir, prepared);
    let stdout;
    if (system === 'c-liburing' && workload.c) {
      const cArgs = workload.cArgs ? workload.cArgs(prepared, { dir, quick }) : [];
      ({ stdout } = await run(
        C_BENCH,
        [workload.name, ...cArgs, '--seconds', String(seconds), '--warmup', String(warmup)],
        { maxBuffer: 1 << 20 },
      ));
    } else {
      const libuvUring = system.endsWith('-uring');
      const base = libuvUring ? system.slice(0, -'-uring'.length) : system;
      const childArgs = [
        path.join(HERE, 'run-one.js'),
        '--workload',
        path.basename(workload.file, '.js'),
        '--system',
        base,
        '--dir',
        dir,
        '--prepared',
        JSON.stringify(prepared ?? {}),
        '--seconds',
        String(seconds),
        '--warmup',
        String(warmup),
      ];
      if (quick) childArgs.push('--quick');
      // Bun runs the fs-promises code of the workload.
      if (base === 'bun') childArgs[childArgs.indexOf('--system') + 1] = 'fs-promises';
      ({ stdout } = await run(base === 'bun' ? bun : process.execPath, childArgs, {
        env: { ...process.env, UV_USE_IO_URING: libuvUring ? '1' : '0' },
        maxBuffer: 1 << 20,
      }));
    }
    const result = JSON.parse(stdout.trim().split('\n').pop());
    if (system === 'bun' && !String(result.runtime).startsWith('bun ')) {
      throw new Error(`the bun system ran on ${result.runtime}`);
    }
    // Checks of what the run left behind, the same for every system.
    if (workload.afterRun) workload.afterRun(dir, result, prepared);
    return result;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs) => {
  const s = xs.filter((x) => x != null && Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function summarize(workload, system, runs) {
  const rate = runs.map((r) => (r.ops * 1e9) / r.elapsedNs);
  const opsPerSec = median(rate);
  const spreadPct =
    runs.length > 1 ? ((Math.max(...rate) - Math.min(...rate)) / 2 / opsPerSec) * 100 : 0;
  const mb = runs.map((r) => (r.bytes ? (r.bytes * 1e9) / r.elapsedNs / 1e6 : null));
  return {
    workload: workload.name,
    system,
    unit: workload.unit ?? 'ops',
    opsPerSec,
    spreadPct,
    mbPerSec: median(mb),
    p50Us: median(runs.map((r) => r.p50Us)),
    p99Us: median(runs.map((r) => r.p99Us)),
    opsPerEnter: median(runs.map((r) => r.opsPerEnter)),
    cpuUsPerOp: median(runs.map((r) => (r.cpuUs != null ? r.cpuUs / r.ops : null))),
    helperThreads:
      OURS.has(system) && !workload.outOfProcess
        ? Math.max(...runs.map((r) => r.helperThreads ?? 0))
        : undefined,
    reps: runs.length,
  };
}

const fmt = (x, digits = 0) =>
  x == null
    ? '–'
    : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The results as the Markdown tables docs/benchmark.md shows. */
function markdown(report) {
  const lines = [
    `Node ${report.node}, Linux ${report.kernel}, ${report.cpus} CPUs (${report.cpuModel}), ` +
      `${report.date.slice(0, 10)}; ${report.mode} mode, median of ${report.reps} run(s) of ${report.seconds} s per system.`,
    '',
    '| workload | system | ops/s | ± % | MB/s | p50 µs | p99 µs | SQEs/enter | CPU µs/op | × fs-promises |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of report.results) {
    const base = report.results.find(
      (b) => b.workload === r.workload && b.system === 'fs-promises',
    );
    const name = OURS.has(r.system) ? `**${r.system}**` : r.system;
    lines.push(
      `| ${r.workload} | ${name} | ${fmt(r.opsPerSec)} | ${fmt(r.spreadPct, 1)} | ${fmt(r.mbPerSec, 1)} | ` +
        `${fmt(r.p50Us, 1)} | ${fmt(r.p99Us, 1)} | ${fmt(r.opsPerEnter, 1)} | ${fmt(r.cpuUsPerOp, 2)} | ` +
        `${base ? fmt(r.opsPerSec / base.opsPerSec, 2) : '–'} |`,
    );
  }
  lines.push('', '| workload | target | measured | wanted | |', '| --- | --- | --- | --- | --- |');
  for (const c of report.targets) {
    lines.push(
      `| ${c.workload} | ${c.check} | ${c.value} | ${c.target.replace('>=', '≥').replace('<=', '≤')} | ${c.ok ? 'met' : '**missed**'} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

async function main() {
  const workloads = loadWorkloads();
  const shared = fs.mkdtempSync(path.join(os.tmpdir(), 'uring-loop-bench-'));
  const started = Date.now();
  const results = [];
  console.log(
    `uring-loop bench on Node ${process.versions.node} (${process.execPath}, libuv ${process.versions.uv}): ` +
      `${reps} rep(s) x ${seconds} s (+${warmup} s warm-up) per system, ${quick ? 'quick' : 'full'} mode`,
  );
  if (!libuvUring) {
    console.log(
      `fs-promises-uring and fs-callback-uring left out: with UV_USE_IO_URING=1 this Node's libuv ` +
        `(${process.versions.uv}) still runs fs calls on its thread pool, so they would repeat fs-promises and fs-callback`,
    );
  }
  try {
    for (const workload of workloads) {
      const systems = systemsOf(workload);
      if (systems.length === 0) continue;
      const prepared = workload.prepare ? await workload.prepare(shared, { quick }) : {};
      const runs = new Map(systems.map((s) => [s, []]));
      for (let rep = 0; rep < reps; rep++) {
        // Rotate the order each repetition so no system always runs first.
        const order = systems.map((_, i) => systems[(i + rep) % systems.length]);
        for (const system of order) {
          if (process.stdout.isTTY) {
            process.stdout.write(`  ${workload.name} / ${system} (rep ${rep + 1}/${reps})\r`);
          }
          runs.get(system).push(await runOnce(workload, system, prepared, shared));
          if (process.stdout.isTTY) process.stdout.write('\x1b[2K');
        }
      }
      for (const system of systems) results.push(summarize(workload, system, runs.get(system)));
    }
  } finally {
    fs.rmSync(shared, { recursive: true, force: true });
  }

  const table = new Table({
    head: [
      'workload',
      'system',
      'ops/s',
      '±%',
      'MB/s',
      'p50 µs',
      'p99 µs',
      'SQEs/enter',
      'CPU µs/op',
      'x fs-promises',
    ],
    colAligns: [
      'left',
      'left',
      'right',
      'right',
      'right',
      'right',
      'right',
      'right',
      'right',
      'right',
    ],
  });
  for (const r of results) {
    const base = results.find((b) => b.workload === r.workload && b.system === 'fs-promises');
    table.push([
      r.workload,
      r.system,
      fmt(r.opsPerSec),
      fmt(r.spreadPct, 1),
      fmt(r.mbPerSec, 1),
      fmt(r.p50Us, 1),
      fmt(r.p99Us, 1),
      fmt(r.opsPerEnter, 1),
      fmt(r.cpuUsPerOp, 2),
      base ? fmt(r.opsPerSec / base.opsPerSec, 2) : '–',
    ]);
  }
  console.log(table.toString());

  const checks = checkTargets(results);
  const targetTable = new Table({ head: ['workload', 'target', 'measured', 'wanted', ''] });
  for (const c of checks)
    targetTable.push([c.workload, c.check, c.value, c.target, c.ok ? 'met' : 'MISSED']);
  console.log('Targets for uring-loop:');
  console.log(targetTable.toString());

  const report = {
    node: process.versions.node,
    libuv: process.versions.uv,
    libuvFsOnIoUring: libuvUring,
    kernel: os.release(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    date: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    reps,
    seconds,
    results: results.map((r) => ({
      workload: r.workload,
      system: r.system,
      opsPerSec: Math.round(r.opsPerSec),
      p50Us: r.p50Us,
      p99Us: r.p99Us,
      opsPerEnter: r.opsPerEnter,
      cpuUsPerOp: r.cpuUsPerOp,
      mbPerSec: r.mbPerSec,
      spreadPct: r.spreadPct,
      helperThreads: r.helperThreads,
      reps: r.reps,
    })),
    targets: checks,
  };
  const outDir = path.join(HERE, 'results');
  fs.mkdirSync(outDir, { recursive: true });
  const stem = path.join(outDir, quick ? 'quick' : 'latest');
  fs.writeFileSync(`${stem}.json`, `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(`${stem}.svg`, await renderChart(report));
  fs.writeFileSync(`${stem}.md`, markdown(report));
  if (args.json) fs.writeFileSync(args.json, `${JSON.stringify(report, null, 2)}\n`);
  const rel = path.relative(process.cwd(), stem);
  console.log(`results: ${rel}.json, ${rel}.svg, ${rel}.md${args.json ? `, ${args.json}` : ''}`);
  console.log(`took ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : err);
  process.exit(1);
});
