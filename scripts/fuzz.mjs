#!/usr/bin/env node
// Long runs of the differential tests.
//
//   npm run test:fuzz -- --runs 20000 [--seed 42] [--path "12:3:0"] [--quiet]
//   npm run test:fuzz -- --target fs --runs 5000 [--seed 42]     (FS_SUBJECT picks the module)
//
// --target backends (the default): random programs on the io_uring and fs backends must agree.
// --target fs: random fs/promises call sequences through the fs module (on each subject of
// test/fs-differential/subjects.mjs) must agree with node:fs/promises.
//
// Without --seed a random seed is used and printed. On a disagreement fast-check shrinks the
// program; the shrunk program is printed as JSON, ready to go into
// test/regressions/differential-cases.mjs (or fs-differential-cases.mjs), with the seed and path
// that replay the run.
import fc from 'fast-check';
import { parseArgs } from 'node:util';

import { program } from '../test/differential/model.mjs';
import { checkProgram, totals } from '../test/differential/differential.mjs';
import { program as fsProgram } from '../test/fs-differential/model.mjs';
import { checkProgram as checkFsProgram } from '../test/fs-differential/differential.mjs';
import { subjects } from '../test/fs-differential/subjects.mjs';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '1000' },
    seed: { type: 'string' },
    path: { type: 'string' },
    quiet: { type: 'boolean', default: false },
    target: { type: 'string', default: 'backends' },
  },
});
if (!['backends', 'fs'].includes(args.target))
  throw new RangeError(`--target must be backends or fs`);

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

/** Runs the property and prints whether it held (a failure sets the exit code). */
async function fuzz(arbitrary, check, what) {
  const start = performance.now();
  const details = await fc.check(
    fc.asyncProperty(arbitrary, async (p) => {
      done++;
      await check(p);
    }),
    // A program that does not settle within PROGRAM_TIMEOUT_MS is a failure (a hang) too.
    { seed, numRuns: runs, path: args.path, timeout: PROGRAM_TIMEOUT_MS },
  );
  const seconds = ((performance.now() - start) / 1000).toFixed(1);
  if (details.failed) {
    const target = args.target === 'fs' ? '--target fs ' : '';
    const env =
      args.target === 'fs' && process.env.FS_SUBJECT ? `FS_SUBJECT=${process.env.FS_SUBJECT} ` : '';
    console.log(
      `FAILED after ${details.numRuns} programs (${done} run with shrinking), ${seconds}s`,
    );
    console.log(
      `replay: ${env}npm run test:fuzz -- ${target}--seed ${seed} --path "${details.counterexamplePath}"`,
    );
    console.log(`shrunk program:\n${JSON.stringify(details.counterexample[0])}`);
    console.log(String(details.errorInstance?.message ?? details.error));
    process.exitCode = 1;
  } else {
    console.log(`OK: ${details.numRuns} programs agreed ${what} (seed ${seed}), ${seconds}s`);
  }
}

if (args.target === 'fs') {
  for (const subject of subjects()) {
    await fuzz(
      fsProgram,
      (p) => checkFsProgram(subject, p),
      `on ${subject.label} and node:fs/promises`,
    );
  }
} else {
  await fuzz(program, checkProgram, 'on io_uring and fs');
  // Requests the kernel left in its io-wq queue that a nudge released (loop/uring-backend.ts).
  console.log(`io-wq stall nudges: ${totals.stallNudges}`);
}
clearInterval(progress);
