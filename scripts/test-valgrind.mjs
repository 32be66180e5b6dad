#!/usr/bin/env node
// npm run test:valgrind: the workload in test/tools/valgrind-workload.cjs (every op, chains,
// cancellation, timeouts, back-pressure, shutdown, teardown at exit) under valgrind memcheck.
// Fails when the workload fails or memcheck reports an error with a frame in the addon or in
// liburing; other errors (node and V8 themselves) are listed but do not fail the run, and the
// known ones are suppressed by test/tools/valgrind-node.supp.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const which = spawnSync('sh', ['-c', 'command -v valgrind'], { encoding: 'utf8' });
if (which.status !== 0) {
  console.error('valgrind is not installed (Debian/Ubuntu: apt-get install valgrind)');
  process.exit(1);
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uring-loop-valgrind-'));
const xml = path.join(dir, 'memcheck.xml');
const t0 = performance.now();
const run = spawnSync(
  'valgrind',
  [
    '--tool=memcheck',
    '--leak-check=no',
    // V8 generates and patches machine code at run time.
    '--smc-check=all-non-file',
    `--suppressions=${path.join(root, 'test', 'tools', 'valgrind-node.supp')}`,
    '--xml=yes',
    `--xml-file=${xml}`,
    process.execPath,
    '--expose-gc',
    path.join(root, 'test', 'tools', 'valgrind-workload.cjs'),
  ],
  { cwd: root, encoding: 'utf8', env: { ...process.env, URING_LOOP_BACKEND: '' } },
);
const seconds = ((performance.now() - t0) / 1000).toFixed(1);
const report = fs.existsSync(xml) ? fs.readFileSync(xml, 'utf8') : '';
fs.rmSync(dir, { recursive: true, force: true });

const text = (e, tag) => e.match(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`))?.[1] ?? '';
// Leak records come with the XML summary even without --leak-check; node never frees
// everything at exit, so only memory errors count.
const errors = [...report.matchAll(/<error>([\s\S]*?)<\/error>/g)]
  .map((m) => m[1])
  .filter((e) => !text(e, 'kind').startsWith('Leak_'));
const ours = errors.filter((e) => /<obj>[^<]*(uring_loop\.node|liburing)[^<]*<\/obj>/.test(e));
const others = errors.length - ours.length;
for (const e of ours) {
  const frames = [...e.matchAll(/<frame>([\s\S]*?)<\/frame>/g)].map(
    (f) => `    ${text(f[1], 'fn') || '???'} (${path.basename(text(f[1], 'obj'))})`,
  );
  console.error(`memcheck: ${text(e, 'kind')}: ${text(e, 'what')}\n${frames.join('\n')}`);
}
const workloadOk = run.status === 0 && run.stdout.includes('valgrind workload: done');
if (!workloadOk) console.error(`workload failed (exit ${run.status}):\n${run.stdout}${run.stderr}`);
console.log(
  `test:valgrind: ${ours.length} error(s) in the addon or liburing, ${others} elsewhere ` +
    `(node/V8), workload ${workloadOk ? 'ok' : 'FAILED'}, ${seconds}s`,
);
if (!workloadOk || ours.length > 0) process.exit(1);
