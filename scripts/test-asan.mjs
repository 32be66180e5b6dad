#!/usr/bin/env node
// npm run test:asan: builds the addon with ASan + UBSan (build-asan/) and runs the whole mocha
// suite on it. node is not instrumented, so the ASan runtime is preloaded; every process the
// tests start inherits the environment and writes any report to a log file here, so a report
// from a child process counts too. Fails on a failing test or on any sanitizer report.
//
//   npm run test:asan [-- <extra mocha args, e.g. test/ops.test.mjs>]
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { buildAsan } from './build-asan.mjs';

const addon = buildAsan();
const libasan = execFileSync('gcc', ['-print-file-name=libasan.so']).toString().trim();
if (!path.isAbsolute(libasan) || !fs.existsSync(libasan)) {
  throw new Error(`libasan.so not found (gcc says ${JSON.stringify(libasan)})`);
}
const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'uring-loop-asan-'));
const env = {
  ...process.env,
  URING_LOOP_ADDON: addon,
  LD_PRELOAD: libasan,
  // node's own allocations are never freed at exit: leak checking would only report those.
  ASAN_OPTIONS: `detect_leaks=0:abort_on_error=0:exitcode=86:log_path=${logDir}/asan`,
  UBSAN_OPTIONS: `halt_on_error=1:print_stacktrace=1:log_path=${logDir}/ubsan`,
};

// The suite must really run on the sanitized addon with the ASan runtime in place.
const probe = spawnSync(
  process.execPath,
  [
    '-e',
    `const { Ring } = require('./dist/api/index.js');
     const ring = new Ring();
     ring.nop().then(async () => {
       const maps = require('node:fs').readFileSync('/proc/self/maps', 'utf8');
       console.log(JSON.stringify({ backend: ring.backend,
         addon: maps.includes(process.env.URING_LOOP_ADDON), asan: maps.includes('libasan') }));
       await ring.shutdown();
     });`,
  ],
  { env, encoding: 'utf8' },
);
let loaded = {};
try {
  loaded = JSON.parse(probe.stdout.trim());
} catch {
  // reported below
}
const probeOk = probe.status === 0 && loaded.backend === 'io_uring' && loaded.addon && loaded.asan;
if (!probeOk)
  console.error(`the sanitized addon did not load and run:\n${probe.stdout}${probe.stderr}`);

const mocha = path.join('node_modules', 'mocha', 'bin', 'mocha.js');
const t0 = performance.now();
const run = probeOk
  ? spawnSync(process.execPath, [mocha, ...process.argv.slice(2)], { env, stdio: 'inherit' })
  : { status: 1, signal: null };
const seconds = ((performance.now() - t0) / 1000).toFixed(1);

const reports = fs.readdirSync(logDir).map((name) => path.join(logDir, name));
for (const file of reports) {
  console.error(`\n==== sanitizer report ${path.basename(file)} ====`);
  console.error(fs.readFileSync(file, 'utf8'));
}
console.log(
  `test:asan: mocha exit code ${run.status}${run.signal ? ` (signal ${run.signal})` : ''}, ` +
    `${reports.length} sanitizer report(s), ${seconds}s, addon ${path.relative(process.cwd(), addon)}`,
);
fs.rmSync(logDir, { recursive: true, force: true });
if (run.status !== 0 || reports.length > 0) process.exit(1);
