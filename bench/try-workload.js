#!/usr/bin/env node
// Runs one benchmark workload for one system and prints the result:
//   node bench/try-workload.js bench/workloads/append256-durable.js uring-loop [--quick]
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

async function main() {
  const args = process.argv.slice(2).filter((a) => a !== '--quick');
  const quick = process.argv.includes('--quick') || process.env.QUICK === '1';
  const [file, system] = args;
  if (!file || !system) {
    console.error('usage: node bench/try-workload.js <workload-file> <system> [--quick]');
    process.exit(2);
  }
  const workload = require(path.resolve(file));
  if (!workload.systems.includes(system)) {
    console.error(`${workload.name} has systems: ${workload.systems.join(', ')}`);
    process.exit(2);
  }
  const lib = require('../dist/api/index.js');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${workload.name}-`));
  try {
    const r = await workload.run(system, { dir, quick, lib });
    const seconds = r.elapsedNs / 1e9;
    console.log(
      JSON.stringify({
        workload: workload.name,
        system,
        quick,
        ops: r.ops,
        bytes: r.bytes,
        seconds: Number(seconds.toFixed(4)),
        opsPerSec: Math.round(r.ops / seconds),
        mbPerSec: Number((r.bytes / seconds / 1e6).toFixed(1)),
        cpuUsPerOp: Number((r.cpuUs / r.ops).toFixed(3)),
        cpuPercent: Math.round((r.cpuUs / 1e6 / seconds) * 100),
        ...(r.ring ? { ring: r.ring } : {}),
        ...(r.log ? { log: r.log } : {}),
      }),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
