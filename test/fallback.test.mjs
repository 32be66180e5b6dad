// io_uring unavailable for real: test/tools/no-uring (built with the addon) installs a seccomp
// filter that makes io_uring_setup/enter/register fail with EPERM or ENOSYS, as a container
// profile or kernel.io_uring_disabled would, and runs a child in which the default backend must
// fall back to node:fs with exactly one warning, and then agree op for op with io_uring (the
// differential programs, replayed here on io_uring).
import { expect } from 'chai';
import fc from 'fast-check';
import fs from 'node:fs';
import path from 'node:path';

import { Ring, isIoUringAvailable } from '../index.mjs';
import { difference, runOn } from './differential/differential.mjs';
import { program } from './differential/model.mjs';
import { differentialCases } from './regressions/differential-cases.mjs';
import {
  FIXTURES,
  REPO_ROOT,
  IS_LINUX,
  runNode,
  lastJsonLine,
  makeTempDir,
  removeTempDir,
} from './helpers.mjs';

const NO_URING = path.join(REPO_ROOT, 'build', 'Release', 'no-uring');

const programs = [
  ...differentialCases.map((c) => c.program),
  ...fc.sample(program, { seed: 4242, numRuns: 40 }),
];

(IS_LINUX ? describe : describe.skip)('io_uring blocked by seccomp: the fs fallback', function () {
  let dir;
  let programsFile;
  let expected;

  before(async function () {
    this.timeout(60_000);
    if (!fs.existsSync(NO_URING)) throw new Error(`${NO_URING} was not built (npm run build)`);
    dir = makeTempDir();
    programsFile = path.join(dir, 'programs.json');
    fs.writeFileSync(programsFile, JSON.stringify(programs));
    expected = [];
    for (const p of programs) expected.push(await runOn('io_uring', p));
  });
  after(() => removeTempDir(dir));

  for (const errno of ['EPERM', 'ENOSYS']) {
    it(`with ${errno}: one warning, ERR_URING_UNAVAILABLE when asked for, and the same results`, async function () {
      this.timeout(120_000);
      const env = { ...process.env };
      delete env.URING_LOOP_BACKEND;
      const child = await runNode([path.join(FIXTURES, 'fallback-programs.mjs'), programsFile], {
        command: [NO_URING, errno, process.execPath],
        env,
        timeout: 100_000,
      });
      expect(child.code, child.stderr).to.equal(0);
      const out = lastJsonLine(child);

      expect(out.available).to.equal(false);
      expect(out.warnings, 'exactly one warning for many rings').to.have.length(1);
      const [warning] = out.warnings;
      expect(warning.code).to.equal('URING_LOOP_FALLBACK');
      expect(warning.message).to.include(errno).and.to.include('io_uring_setup');
      expect(warning.message).to.include('node:fs backend');
      expect(child.stderr.match(/URING_LOOP_FALLBACK/g), child.stderr).to.have.length(1);
      expect(out.explicit?.code).to.equal('ERR_URING_UNAVAILABLE');
      expect(out.explicit.message).to.include(errno);

      expect(out.results).to.have.length(programs.length);
      out.results.forEach((r, i) => {
        expect(r.backend, `program ${i}`).to.equal('fs');
        const diff = difference(programs[i], expected[i], r);
        if (diff) expect.fail(`program ${i} ${JSON.stringify(programs[i])}\n${diff}`);
      });
    });
  }

  it('kernel.io_uring_disabled (read here, never changed) agrees with what the library does', async function () {
    const file = '/proc/sys/kernel/io_uring_disabled';
    if (!fs.existsSync(file)) this.skip();
    const mode = Number(fs.readFileSync(file, 'utf8').trim());
    let allowed = mode === 0;
    if (mode === 1) {
      // Only CAP_SYS_ADMIN or members of kernel.io_uring_group may create rings.
      const group = Number(fs.readFileSync('/proc/sys/kernel/io_uring_group', 'utf8').trim());
      allowed = process.getuid() === 0 || process.getgroups().includes(group);
    }
    expect(isIoUringAvailable(), `io_uring_disabled = ${mode}`).to.equal(allowed);
    const ring = new Ring();
    try {
      expect(ring.backend).to.equal(allowed && !process.env.URING_LOOP_BACKEND ? 'io_uring' : 'fs');
    } finally {
      await ring.shutdown();
    }
  });
});
