#!/usr/bin/env node
// The package's install step. On Linux it keeps the prebuilt addon
// (prebuilds/linux-<arch>/uring_loop.node) when that loads here; otherwise, or when a source build
// is asked for, it builds the addon with cmake-js against the running Node's own headers into
// build/Release. It never installs anything on the system: when the build cannot run it says
// what to install, and the library runs on its node:fs backend.
//
//   node scripts/build-native.js            install: prebuild if it fits, else source build
//   node scripts/build-native.js --force    always build from source (npm run build); so does
//                                           a git checkout, where the native sources change
// A source build is also asked for by npm_config_build_from_source=true (or a list naming
// uring-loop), i.e. `npm install --build-from-source`, or URING_LOOP_BUILD_FROM_SOURCE=1.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const addon = path.join(root, 'build', 'Release', 'uring_loop.node');
const prebuild = path.join(root, 'prebuilds', `linux-${process.arch}`, 'uring_loop.node');
const SYSTEM_PACKAGES =
  'Debian/Ubuntu: apt-get install cmake g++ make liburing-dev; ' +
  'Fedora: dnf install cmake gcc-c++ make liburing-devel';

function log(message) {
  console.log(`uring-loop: ${message}`);
}

function sourceBuildAsked() {
  if (process.argv.includes('--force')) return true;
  // A git checkout is where the native sources change: a prebuild there may be stale.
  if (fs.existsSync(path.join(root, '.git'))) return true;
  if (/^(1|true|yes)$/i.test(process.env.URING_LOOP_BUILD_FROM_SOURCE || '')) return true;
  const npmFlag = (process.env.npm_config_build_from_source || '').trim();
  return npmFlag === 'true' || npmFlag.split(',').includes('uring-loop');
}

/** Why the prebuild cannot be used here, or '' when it loads. */
function prebuildProblem() {
  if (!fs.existsSync(prebuild)) return `no prebuilt addon for linux-${process.arch}`;
  const check = spawnSync(
    process.execPath,
    [
      '-e',
      'if (typeof require(process.argv[1]).NativeRing !== "function") process.exit(1)',
      prebuild,
    ],
    { encoding: 'utf8' },
  );
  if (check.status === 0) return '';
  const reason =
    (check.stderr || '').split('\n').find((l) => /Error/.test(l)) || 'it failed to load';
  return `the prebuilt addon does not load (${reason.trim()})`;
}

function hasLiburingHeaders() {
  return ['/usr/include/liburing.h', '/usr/local/include/liburing.h'].some((p) => fs.existsSync(p));
}

function onPath(command) {
  return (process.env.PATH || '')
    .split(path.delimiter)
    .some((dir) => dir && fs.existsSync(path.join(dir, command)));
}

/** What a source build lacks on this machine: [] when it can run. */
function missingForSourceBuild() {
  const missing = [];
  if (!onPath('cmake')) missing.push('cmake');
  if (!onPath('c++') && !onPath('g++') && !onPath('clang++')) missing.push('a C++ compiler');
  if (!onPath('make') && !onPath('ninja')) missing.push('make');
  if (!hasLiburingHeaders()) missing.push("liburing's headers");
  for (const mod of ['cmake-js/bin/cmake-js', 'node-addon-api']) {
    try {
      require.resolve(mod);
    } catch {
      missing.push(`the npm package ${mod.split('/')[0]}`);
    }
  }
  return missing;
}

function sourceBuild(why) {
  const missing = missingForSourceBuild();
  if (missing.length) {
    log(`${why}, and a source build needs ${missing.join(', ')}.`);
    log(`Until then the node:fs backend is used. To get io_uring: ${SYSTEM_PACKAGES};`);
    log('then run `npm rebuild uring-loop`.');
    return 0;
  }
  log(`${why}: building the addon from source with cmake-js`);
  const nodeInclude = path.join(path.dirname(process.execPath), '..', 'include', 'node');
  const result = spawnSync(
    process.execPath,
    [require.resolve('cmake-js/bin/cmake-js'), 'compile', `--CDNODE_INCLUDE_DIR=${nodeInclude}`],
    { cwd: root, stdio: 'inherit' },
  );
  if (result.status !== 0) {
    log('building the addon failed (see above); the node:fs backend will be used');
    return 0;
  }
  log(`built ${path.relative(root, addon)}`);
  return 0;
}

function main() {
  if (process.platform !== 'linux') {
    log(`${process.platform} has no io_uring: no addon, the node:fs backend will be used`);
    return 0;
  }
  if (process.env.URING_LOOP_SKIP_BUILD) {
    log('URING_LOOP_SKIP_BUILD is set: no addon is built');
    return 0;
  }
  if (sourceBuildAsked()) return sourceBuild('a source build was asked for');
  const problem = prebuildProblem();
  if (!problem) {
    log(`using the prebuilt addon ${path.relative(root, prebuild)}`);
    return 0;
  }
  if (fs.existsSync(addon)) {
    log(`addon already built (${path.relative(root, addon)})`);
    return 0;
  }
  return sourceBuild(problem);
}

process.exitCode = main();
