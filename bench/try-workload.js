#!/usr/bin/env node
// Runs one benchmark workload for one system and prints its result:
//   node bench/try-workload.js bench/workloads/tcp-echo.js uring-loop [--quick]
'use strict';

const os = require('node:os');
const fs = require('node:fs');
const path = require('node:path');

async function main() {
  const [file, system] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const quick = process.argv.includes('--quick');
  if (!file || !system) {
    console.error('usage: node bench/try-workload.js <workload-file> <system> [--quick]');
    process.exit(2);
  }
  const workload = require(path.resolve(file));
  if (!workload.systems.includes(system)) {
    console.error(`${workload.name} runs on: ${workload.systems.join(', ')}`);
    process.exit(2);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uring-loop-bench-'));
  try {
    const r = await workload.run(system, { dir, quick, lib: path.join(__dirname, '..') });
    const seconds = r.elapsedNs / 1e9;
    console.log(
      JSON.stringify({
        workload: workload.name,
        system,
        ...r,
        opsPerSecond: Math.round(r.ops / seconds),
        cpuUsPerOp: r.cpuUs === null ? null : +(r.cpuUs / r.ops).toFixed(2),
      }),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
