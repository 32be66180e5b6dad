// Differential test: random programs of single ops and chains (with failing ops, cancellations
// and timeouts) run on the io_uring backend and on the fs backend, each in its own temp dir;
// every result, every error and the final tree with file contents must match, and no fd may be
// left open after shutdown(). Longer runs: `npm run test:fuzz -- --runs N`.
import fc from 'fast-check';

import { checkProgram } from './differential/differential.mjs';
import { program } from './differential/model.mjs';
import { differentialCases } from './regressions/differential-cases.mjs';
import { IS_LINUX } from './helpers.mjs';

/** Fixed so that `npm test` is reproducible; the fuzz script picks fresh seeds. */
const SEED = 20250607;
const RUNS = 600;

(IS_LINUX ? describe : describe.skip)('differential: io_uring and fs backends agree', function () {
  for (const { name, program: p } of differentialCases) {
    it(`regression: ${name}`, async function () {
      await checkProgram(p);
    });
  }

  it(`${RUNS} random programs (seed ${SEED})`, async function () {
    this.timeout(180_000);
    await fc.assert(
      fc.asyncProperty(program, (p) => checkProgram(p)),
      // A program that hangs fails (and is shrunk) instead of stalling the suite.
      { seed: SEED, numRuns: RUNS, timeout: 40_000 },
    );
  });
});
