'use strict';
// Runs one workload on one system in this process and prints its result as
// one JSON line. The parent (bench/index.mjs) starts a fresh process per run.
//   node bench/run-one.js --workload NAME --system NAME --dir DIR [--prepared JSON] [--quick]
// Bun runs it too (the `bun` system): nothing here needs Node beyond the
// node: modules Bun provides, and the library is loaded only by the workloads
// that use it.
const { parseArgs } = require('node:util');
const path = require('node:path');
const { threadNames, newThreads } = require('./lib/threads');

const threadsAtStart = threadNames();

async function main() {
  const { values } = parseArgs({
    options: {
      workload: { type: 'string' },
      system: { type: 'string' },
      dir: { type: 'string' },
      prepared: { type: 'string', default: '{}' },
      quick: { type: 'boolean', default: false },
      seconds: { type: 'string' },
      warmup: { type: 'string' },
    },
  });
  const workload = require(path.join(__dirname, 'workloads', `${values.workload}.js`));
  const ctx = {
    dir: values.dir,
    quick: values.quick,
    get lib() {
      return require('../dist/api/index.js');
    },
    prepared: JSON.parse(values.prepared),
    timing: { warmupMs: Number(values.warmup) * 1000, seconds: Number(values.seconds) },
  };
  const result = await workload.run(values.system, ctx);
  const { ring, ...rest } = result;
  const added = newThreads(threadsAtStart, threadNames());
  const runtime = process.versions.bun ? `bun ${process.versions.bun}` : `node ${process.version}`;
  const out = { ...rest, helperThreads: added.length, newThreads: added, runtime };
  if (out.opsPerEnter === undefined && ring && ring.enterCalls > 0) {
    out.opsPerEnter = ring.sqesSubmitted / ring.enterCalls;
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
