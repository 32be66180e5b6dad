// Differential test of uring-loop/fs: random sequences of fs/promises calls (whole-file calls,
// path calls, FileHandle calls, failing calls and bad arguments) run through the subject and
// through node:fs/promises, each in its own temp dir; every result, every error and the final
// tree must match. FS_SUBJECT picks the subject (test/fs-differential/subjects.mjs); longer runs:
// `npm run test:fuzz -- --target fs --runs N`.
import { expect } from 'chai';
import fc from 'fast-check';
import fsp from 'node:fs/promises';

import { checkProgram } from './fs-differential/differential.mjs';
import { program } from './fs-differential/model.mjs';
import { BUGS } from './fs-differential/broken.mjs';
import { subjects } from './fs-differential/subjects.mjs';
import { fsDifferentialCases } from './regressions/fs-differential-cases.mjs';

/** Fixed so that `npm test` is reproducible; the fuzz script picks fresh seeds. */
const SEED = 20261203;
const RUNS = 200;

/** The subjects, or the reason they cannot be loaded (which fails the suite, never skips it). */
function load() {
  try {
    return subjects();
  } catch (err) {
    return err;
  }
}

describe('fs differential: the fs module agrees with node:fs/promises', function () {
  const list = load();
  if (list instanceof Error) {
    it('loads the module under test', function () {
      throw list;
    });
    return;
  }
  for (const subject of list) {
    describe(subject.label, function () {
      after(() => subject.close?.());

      it('has the named exports of node:fs/promises', function () {
        expect(Object.keys(subject.fs).sort()).to.deep.equal(Object.keys(fsp).sort());
      });

      for (const { name, program: p } of fsDifferentialCases) {
        it(`regression: ${name}`, async function () {
          await checkProgram(subject, p);
        });
      }

      it(`${RUNS} random programs (seed ${SEED})`, async function () {
        this.timeout(120_000);
        const before = subject.ring?.().stats().submitted;
        await fc.assert(
          fc.asyncProperty(program, (p) => checkProgram(subject, p)),
          { seed: SEED, numRuns: RUNS, timeout: 40_000 },
        );
        if (subject.ring) {
          // The calls ran on the ring the subject names, not around it.
          const ring = subject.ring();
          expect(ring.backend).to.equal(subject.backend);
          expect(ring.stats().submitted, 'no call ran on the ring').to.be.greaterThan(before);
        }
      });
    });
  }
});

describe('fs differential: the harness finds deliberate bugs (negative control)', function () {
  /** Where each bug shows first once fast-check has shrunk the program. */
  const expected = {
    readFile: /at step \d+: readFile\(/,
    syscall: /syscall: 'rmdir'/,
    mkdir: /at step \d+: mkdir\(.*recursive: true/,
  };
  for (const bug of BUGS) {
    it(`finds and shrinks: ${bug}`, async function () {
      this.timeout(60_000);
      const [subject] = subjects(`broken:${bug}`);
      const details = await fc.check(
        fc.asyncProperty(program, (p) => checkProgram(subject, p)),
        { seed: SEED, numRuns: 500 },
      );
      expect(details.failed, `the harness missed the ${bug} bug`).to.equal(true);
      const report = String(details.errorInstance?.message);
      expect(report).to.match(expected[bug]);
      // The shrunk program is short and printed as code.
      expect(details.counterexample[0].steps.length).to.be.lessThan(8);
      expect(report).to.match(/program:\n {2} 0: /);
    });
  }
});
