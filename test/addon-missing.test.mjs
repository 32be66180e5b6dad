// When the addon cannot be loaded the library still works, on node:fs, and says once why and
// what to do about it (the build tools to install and the command to run).
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';

import { IS_LINUX, REPO_ROOT, makeTempDir, removeTempDir, runNode } from './helpers.mjs';

const PROGRAM = `
const { Ring } = require(${JSON.stringify(path.join(REPO_ROOT, 'dist', 'api', 'index.js'))});
(async () => {
  const rings = [new Ring(), new Ring()];
  await rings[0].nop();
  console.log(JSON.stringify(rings.map((r) => r.backend)));
  await Promise.all(rings.map((r) => r.shutdown()));
})();
`;

(IS_LINUX ? describe : describe.skip)('an addon that cannot be loaded', function () {
  let dir;
  before(() => (dir = makeTempDir()));
  after(() => removeTempDir(dir));

  const cases = [
    ['a missing file', () => path.join(dir, 'missing.node'), /Cannot find module/],
    [
      'a file that is not a shared object',
      () => {
        const file = path.join(dir, 'garbage.node');
        fs.writeFileSync(file, 'not an ELF file\n');
        return file;
      },
      /invalid ELF header|file too short/,
    ],
  ];
  for (const [desc, make, cause] of cases) {
    it(`${desc}: the node:fs backend, and one warning naming the cause and the fix`, async function () {
      this.timeout(20000);
      const env = { ...process.env, URING_LOOP_ADDON: make() };
      delete env.URING_LOOP_BACKEND;
      const child = await runNode(['-e', PROGRAM], { env });
      expect(child.code, child.stderr).to.equal(0);
      expect(JSON.parse(child.stdout.trim())).to.deep.equal(['fs', 'fs']);
      const warnings = child.stderr.match(/URING_LOOP_FALLBACK/g) ?? [];
      expect(warnings, child.stderr).to.have.length(1);
      expect(child.stderr).to.match(cause);
      expect(child.stderr).to.include('apt-get install cmake g++ make liburing-dev');
      expect(child.stderr).to.include('npm rebuild uring-loop');
    });
  }
});
