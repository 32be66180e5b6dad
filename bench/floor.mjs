// How far uring-loop's per-op cost is from the floor of its design: the same
// 64-in-flight loops (nop-qd64, read4k-qd64) on uring-loop, on the smallest
// Promise-per-op layer the addon allows (bench/lib/floor-ring.js) and in C,
// interleaved, each run in a fresh process. append256-durable-64p compares
// DurableLog with the smallest group commit on the addon: 64 producers, one
// buffer per batch, one linked write -> fdatasync, on a zero-filled file as
// the C reference has (bench/lib/fs-group-log.js).
//   npm run bench:floor -- [--rounds N] [--seconds S] [--dir D] [--workloads a,b]
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';

import Table from 'cli-table3';

const require = createRequire(import.meta.url);
const { cachedFile } = require('./lib/files.js');
const { createSet } = require('./lib/file-set.js');
const run = promisify(execFile);

const HERE = path.dirname(fileURLToPath(import.meta.url));
const C_BENCH = path.join(HERE, '..', 'build', 'Release', 'uring_loop_bench');
const SYSTEMS = ['uring-loop', 'floor', 'c-liburing'];
const WORKLOADS = ['nop-qd64', 'read4k-qd64', 'readfile-4k-qd64', 'append256-durable-64p'];
/** bench/workloads/ file of each workload, where the names differ. */
const FILES = { 'append256-durable-64p': 'append256-durable' };
/** The workload's own name of a system, where it differs. */
const SYSTEM_OF = { 'readfile-4k-qd64': { 'uring-loop': 'uring-loop/fs' } };

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '0.5' },
    // Durable writes need a real file system: the default temporary directory may be tmpfs.
    dir: { type: 'string' },
    workloads: { type: 'string', default: WORKLOADS.join(',') },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log(
    'usage: npm run bench:floor -- [--rounds N] [--seconds S] [--warmup S] [--dir D]\n' +
      `                                 [--workloads ${WORKLOADS.join(',')}]`,
  );
  process.exit(0);
}
const rounds = Number(args.rounds);
const seconds = Number(args.seconds);
if (!(rounds >= 1) || !(seconds > 0)) throw new RangeError('--rounds >= 1 and --seconds > 0');
const workloads = args.workloads.split(',');
for (const w of workloads) {
  if (!WORKLOADS.includes(w)) throw new RangeError(`--workloads: ${w} is not one of ${WORKLOADS}`);
}

const shared = fs.mkdtempSync(path.join(args.dir ?? os.tmpdir(), 'uring-loop-floor-'));
const file = cachedFile(shared, 'read-64m.bin', 64 << 20);
let fileSet;
const setDir = () => (fileSet ??= createSet(path.join(shared, 'read-set')));

async function once(workload, system) {
  const timing = ['--seconds', String(seconds), '--warmup', args.warmup];
  // Every run writes into a directory of its own (the durable log reopens an existing one).
  const dir = fs.mkdtempSync(path.join(shared, 'run-'));
  try {
    if (system === 'c-liburing') {
      const extra = workload.startsWith('read4k')
        ? ['--file', file]
        : ['--dir', workload.startsWith('readfile') ? setDir() : dir];
      const { stdout } = await run(C_BENCH, [workload, ...extra, ...timing]);
      return JSON.parse(stdout.trim().split('\n').pop());
    }
    const prepared = JSON.stringify(
      workload.startsWith('read4k')
        ? { file }
        : workload.startsWith('readfile')
          ? { dir: setDir() }
          : {},
    );
    const { stdout } = await run(process.execPath, [
      path.join(HERE, 'run-one.js'),
      ...[
        '--workload',
        FILES[workload] ?? workload,
        '--system',
        SYSTEM_OF[workload]?.[system] ?? system,
      ],
      ...['--dir', dir, '--prepared', prepared],
      ...timing,
    ]);
    return JSON.parse(stdout.trim().split('\n').pop());
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

try {
  const systems = SYSTEMS.filter((s) => s !== 'c-liburing' || fs.existsSync(C_BENCH));
  const rows = [];
  for (const workload of workloads) {
    const samples = Object.fromEntries(systems.map((s) => [s, []]));
    for (let r = 0; r < rounds; r++) {
      for (const system of systems) {
        const out = await once(workload, system);
        samples[system].push({
          opsPerSec: out.ops / (out.elapsedNs / 1e9),
          nsPerOp: (out.cpuUs * 1000) / out.ops,
        });
      }
    }
    const c = samples['c-liburing'];
    const cOps = c ? median(c.map((x) => x.opsPerSec)) : null;
    const floorNs = median(samples.floor.map((x) => x.nsPerOp));
    for (const system of systems) {
      const ops = median(samples[system].map((x) => x.opsPerSec));
      const ns = median(samples[system].map((x) => x.nsPerOp));
      rows.push([
        workload,
        system,
        `${(ops / 1e3).toFixed(0)} k/s`,
        `${ns.toFixed(0)} ns`,
        cOps ? `${((100 * ops) / cOps).toFixed(0)} %` : '-',
        system === 'uring-loop' ? `${(ns - floorNs).toFixed(0)} ns` : '',
      ]);
    }
  }
  const table = new Table({
    head: ['workload', 'system', 'ops/s (median)', 'CPU per op', 'of C', 'above the floor'],
  });
  table.push(...rows);
  console.log(table.toString());
  console.log(
    `${rounds} rounds of ${seconds} s, interleaved; node ${process.version}, ${os.cpus().length} CPUs`,
  );
} finally {
  fs.rmSync(shared, { recursive: true, force: true });
}
