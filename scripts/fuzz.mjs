#!/usr/bin/env node
// Long runs of the differential test: random programs on the io_uring and fs backends must agree.
//
//   npm run test:fuzz -- --runs 20000 [--seed 42] [--path "12:3:0"] [--quiet]
//
// Without --seed a random seed is used and printed. On a disagreement fast-check shrinks the
// program; the shrunk program is printed as JSON, ready to go into
// test/regressions/differential-cases.mjs, with the seed and path that replay the run.
import fc from 'fast-check';
import { parseArgs } from 'node:util';

import { program } from '../test/differential/model.mjs';
import { checkProgram, totals } from '../test/differential/differential.mjs';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '1000' },
    seed: { type: 'string' },
    path: { type: 'string' },
    quiet: { type: 'boolean', default: false },
  },
});

const PROGRAM_TIMEOUT_MS = 40_000;
const runs = Number(args.runs);
if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`--runs must be a positive integer`);
const seed = args.seed !== undefined ? Number(args.seed) : (Math.random() * 2 ** 31) | 0;

let done = 0;
const t0 = performance.now();
const progress = args.quiet
  ? undefined
  : setInterval(() => {
      const s = Math.round((performance.now() - t0) / 1000);
      process.stdout.write(`  ${done} programs in ${s}s\n`);
    }, 10_000);

const details = await fc.check(
  fc.asyncProperty(program, async (p) => {
    done++;
    await checkProgram(p);
  }),
  // A program that does not settle within PROGRAM_TIMEOUT_MS is a failure (a hang) too.
  { seed, numRuns: runs, path: args.path, timeout: PROGRAM_TIMEOUT_MS },
);
clearInterval(progress);
const seconds = ((performance.now() - t0) / 1000).toFixed(1);

if (details.failed) {
  console.log(`FAILED after ${details.numRuns} programs (${done} run with shrinking), ${seconds}s`);
  console.log(`replay: npm run test:fuzz -- --seed ${seed} --path "${details.counterexamplePath}"`);
  console.log(`shrunk program:\n${JSON.stringify(details.counterexample[0])}`);
  console.log(String(details.errorInstance?.message ?? details.error));
  process.exitCode = 1;
} else {
  console.log(
    `OK: ${details.numRuns} programs agreed on io_uring and fs (seed ${seed}), ${seconds}s`,
  );
}
// Requests the kernel left in its io-wq queue that a nudge released (loop/uring-backend.ts).
console.log(`io-wq stall nudges: ${totals.stallNudges}`);
