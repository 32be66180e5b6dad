// Bun for the benchmark's `bun` system: the official build as published on npm
// (`@oven/bun-linux-*`), fetched once with `npm pack` into a cache, never a
// dependency of the library. $URING_LOOP_BUN names a bun binary to use instead.
// The cache is $URING_LOOP_BUN_CACHE, else $XDG_CACHE_HOME/uring-loop/bun,
// else ~/.cache/uring-loop/bun.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { npmBinary } from '../../scripts/npm-binary.mjs';

/** The Bun release the benchmark runs. */
export const BUN_VERSION = '1.4.5';

function cacheDir() {
  if (process.env.URING_LOOP_BUN_CACHE) return process.env.URING_LOOP_BUN_CACHE;
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'uring-loop', 'bun');
}

/** The npm package of Bun for this machine (the baseline build where the CPU lacks AVX2). */
function packageName() {
  if (process.platform !== 'linux') throw new Error(`no Bun package for ${process.platform}`);
  if (process.arch === 'arm64') return '@oven/bun-linux-aarch64';
  if (process.arch !== 'x64') throw new Error(`no Bun package for linux-${process.arch}`);
  const avx2 = /\bavx2\b/.test(fs.readFileSync('/proc/cpuinfo', 'utf8'));
  return avx2 ? '@oven/bun-linux-x64' : '@oven/bun-linux-x64-baseline';
}

function versionOf(bin) {
  return execFileSync(bin, ['--version'], { encoding: 'utf8', timeout: 30000 }).trim();
}

/** The path of a working bun binary; fetches it into the cache once. Throws when it cannot. */
export function bunBinary() {
  if (process.env.URING_LOOP_BUN) {
    versionOf(process.env.URING_LOOP_BUN);
    return process.env.URING_LOOP_BUN;
  }
  const name = packageName();
  const spec = `${name}@${BUN_VERSION}`;
  const dir = path.join(cacheDir(), BUN_VERSION, name.split('/')[1]);
  return npmBinary({
    spec,
    dir,
    extract: 'package/bin/bun',
    member: 'package/bin/bun',
    label: 'bun-runtime',
    check: (bin) => {
      const got = versionOf(bin);
      if (got !== BUN_VERSION) throw new Error(`${spec} holds Bun ${got}, not ${BUN_VERSION}`);
    },
  });
}
