#!/usr/bin/env node
// Builds the addon with AddressSanitizer and UndefinedBehaviorSanitizer into build-asan/,
// leaving the normal build (build/Release) untouched. Prints the path of the built addon.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ASAN_ADDON = path.join(root, 'build-asan', 'RelWithDebInfo', 'uring_loop.node');

export function buildAsan() {
  const require = createRequire(import.meta.url);
  const nodeInclude = path.join(path.dirname(process.execPath), '..', 'include', 'node');
  const result = spawnSync(
    process.execPath,
    [
      require.resolve('cmake-js/bin/cmake-js'),
      'compile',
      '--out',
      'build-asan',
      '--config',
      'RelWithDebInfo',
      '--CDURING_LOOP_SANITIZE=ON',
      `--CDNODE_INCLUDE_DIR=${nodeInclude}`,
    ],
    { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (result.status !== 0 || !fs.existsSync(ASAN_ADDON)) {
    throw new Error(`building the sanitized addon failed (exit code ${result.status})`);
  }
  return ASAN_ADDON;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(buildAsan());
