#!/usr/bin/env node
// Builds the native addon with cmake-js against the running Node's own headers.
// Without liburing's headers the addon is skipped (after trying apt-get as root
// on Debian/Ubuntu) and the library runs on its node:fs backend.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const force = process.argv.includes('--force');
const addon = path.join(root, 'build', 'Release', 'uring_loop.node');

function log(message) {
  console.log(`uring-loop: ${message}`);
}

function hasLiburingHeaders() {
  return ['/usr/include/liburing.h', '/usr/local/include/liburing.h'].some((p) => fs.existsSync(p));
}

function isDebianLike() {
  try {
    const osRelease = fs.readFileSync('/etc/os-release', 'utf8');
    return /^(ID|ID_LIKE)=.*\b(debian|ubuntu)\b/m.test(osRelease);
  } catch {
    return false;
  }
}

function tryInstallLiburing() {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !isDebianLike()) return false;
  log('liburing headers are missing: installing liburing-dev with apt-get');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
  if (update.status !== 0) return false;
  const install = spawnSync('apt-get', ['install', '-y', 'liburing-dev'], {
    stdio: 'inherit',
    env,
  });
  return install.status === 0 && hasLiburingHeaders();
}

function main() {
  if (process.platform !== 'linux') {
    log(`${process.platform} has no io_uring: skipping the addon, the fs backend will be used`);
    return;
  }
  if (process.env.URING_LOOP_SKIP_BUILD) {
    log('URING_LOOP_SKIP_BUILD is set: skipping the addon');
    return;
  }
  if (!force && fs.existsSync(addon)) {
    log(`addon already built (${path.relative(root, addon)})`);
    return;
  }
  if (!hasLiburingHeaders() && !tryInstallLiburing()) {
    log('liburing headers not found; the fs backend will be used until you run:');
    log('  sudo apt-get install liburing-dev   (Fedora: sudo dnf install liburing-devel)');
    log('  npm rebuild uring-loop');
    return;
  }
  const nodeInclude = path.join(path.dirname(process.execPath), '..', 'include', 'node');
  const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
  const result = spawnSync(
    process.execPath,
    [cmakeJs, 'compile', `--CDNODE_INCLUDE_DIR=${nodeInclude}`],
    { cwd: root, stdio: 'inherit' },
  );
  if (result.status !== 0) {
    log('building the addon failed (see above); the fs backend will be used');
    if (process.env.CI) process.exit(result.status || 1);
    return;
  }
  log(`built ${path.relative(root, addon)}`);
}

main();
