#!/usr/bin/env node
// Builds the addon that the npm package ships: prebuilds/linux-<arch>/uring_loop.node, with
// liburing linked in statically (the system's liburing.a), by the project's own cmake-js build
// into build-prebuild/. Then checks what a user's machine will need: no liburing.so, the
// highest glibc symbol version it asks for (the glibc floor), and that it loads here.
// Runs before `npm pack` / `npm publish` (prepack); `npm run prebuild` runs it by hand.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
/** The oldest glibc the prebuild may need: Debian 10, Ubuntu 18.10, RHEL 8 ship 2.28. */
const GLIBC_FLOOR = '2.28';

function fail(message) {
  console.error(`prebuild: ${message}`);
  process.exit(1);
}

const newer = (a, b) => {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number));
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0);
  }
  return false;
};

/** The highest version of each versioned library (GLIBC, GLIBCXX, ...) the addon needs. */
function symbolVersions(file) {
  const dump = execFileSync('objdump', ['-T', file], { encoding: 'utf8' });
  const max = {};
  for (const [, lib, version] of dump.matchAll(/\b(GLIBC|GLIBCXX|CXXABI|GCC)_([0-9.]+)\b/g)) {
    if (!max[lib] || newer(version, max[lib])) max[lib] = version;
  }
  return max;
}

function main() {
  if (process.platform !== 'linux') fail('prebuilds are made on Linux only');
  const outDir = path.join(ROOT, 'build-prebuild');
  const nodeInclude = path.join(path.dirname(process.execPath), '..', 'include', 'node');
  const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
  const build = spawnSync(
    process.execPath,
    [
      cmakeJs,
      'compile',
      '--out',
      outDir,
      '--target',
      'uring_loop',
      `--CDNODE_INCLUDE_DIR=${nodeInclude}`,
      '--CDURING_LOOP_STATIC_LIBURING=ON',
    ],
    // All of it on stderr: `npm pack --json` runs this first and its stdout must stay JSON.
    { cwd: ROOT, stdio: ['ignore', 2, 2] },
  );
  if (build.status !== 0) fail('the cmake-js build failed (see above)');

  const built = path.join(outDir, 'Release', 'uring_loop.node');
  const dest = path.join(ROOT, 'prebuilds', `linux-${process.arch}`, 'uring_loop.node');
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  // Symbols are of no use to a user, and they are most of the file.
  execFileSync('strip', ['--strip-unneeded', '-o', dest, built]);

  const needed = execFileSync('readelf', ['-d', dest], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes('(NEEDED)'))
    .map((l) => l.replace(/.*\[(.*)\].*/, '$1'));
  if (needed.some((lib) => lib.startsWith('liburing'))) {
    fail(`${dest} still needs ${needed.join(', ')}: liburing was not linked statically`);
  }
  const versions = symbolVersions(dest);
  if (versions.GLIBC && newer(versions.GLIBC, GLIBC_FLOOR)) {
    fail(`${dest} needs GLIBC_${versions.GLIBC}, above the documented floor ${GLIBC_FLOOR}`);
  }
  const load = spawnSync(
    process.execPath,
    ['-e', 'if (typeof require(process.argv[1]).NativeRing !== "function") process.exit(1)', dest],
    { stdio: ['ignore', 2, 2] },
  );
  if (load.status !== 0) fail(`${dest} does not load into Node ${process.versions.node}`);

  const size = fs.statSync(dest).size;
  console.error(`prebuild: ${path.relative(ROOT, dest)} (${(size / 1024).toFixed(0)} KiB)`);
  console.error(`prebuild: needs ${needed.join(', ')}`);
  console.error(
    `prebuild: highest symbol versions: ${Object.entries(versions)
      .map(([lib, v]) => `${lib}_${v}`)
      .join(', ')}`,
  );
}

main();
