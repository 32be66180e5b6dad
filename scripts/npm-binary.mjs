// A runtime binary from an npm package (Node's `node-linux-*`, Bun's `@oven/bun-linux-*`),
// fetched once with `npm pack` into a cache directory of its own; never a dependency.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The binary `member` (a path inside the package, e.g. 'package/bin/node') of the npm package
 * `spec`, unpacked with what else `extract` names (a path inside the package) into `dir`;
 * fetched when `dir` does not hold it yet. `check(bin)` throws when
 * what came is not what was asked for (a version that differs). `label` names the caller in the
 * progress line.
 */
export function npmBinary({ spec, dir, extract, member, check, label }) {
  const bin = path.join(dir, member);
  if (fs.existsSync(bin)) return bin;
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  // Unpack beside the final place and rename, so a concurrent or interrupted fetch never
  // leaves a half-written tree where a complete one is expected.
  const staging = fs.mkdtempSync(path.join(path.dirname(dir), '.fetch-'));
  try {
    process.stderr.write(`${label}: fetching ${spec} with npm pack ...\n`);
    const out = execFileSync(
      'npm',
      ['pack', spec, '--pack-destination', staging, '--json', '--silent'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 10 * 60 * 1000 },
    );
    const tarball = path.join(staging, JSON.parse(out)[0].filename);
    execFileSync('tar', ['-xzf', tarball, '-C', staging, extract], { stdio: 'inherit' });
    fs.rmSync(tarball);
    check(path.join(staging, member));
    try {
      fs.renameSync(staging, dir);
    } catch (err) {
      // Someone else finished the same fetch first; theirs is as good as ours.
      if (!fs.existsSync(bin)) throw err;
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return bin;
}
