#!/usr/bin/env node
// Runs every JavaScript example of README.md exactly as written, against this
// package as a project that installed it would load it: each ```js block is
// written to a file in a fresh directory whose node_modules/uring-loop links
// to this checkout, and run with node. A block with an `import` statement is
// an ES module (.mjs), any other block CommonJS (.js). Fails if a block exits
// non-zero (an uncaught error or rejection does) or takes longer than TIMEOUT_MS.
//
//   node scripts/readme-examples.mjs [file.md]   (default: README.md)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TIMEOUT_MS = 30_000;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const markdown = path.resolve(process.argv[2] ?? path.join(root, 'README.md'));

/** The ```js blocks of a Markdown text, with the line each starts on. */
function jsBlocks(text) {
  const blocks = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*(\S*)/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, lang] = open;
    const body = [];
    let j = i + 1;
    while (j < lines.length && !lines[j].trimStart().startsWith(fence)) {
      body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j]);
      j++;
    }
    if (lang === 'js' || lang === 'javascript') blocks.push({ line: i + 1, code: body.join('\n') });
    i = j;
  }
  return blocks;
}

const blocks = jsBlocks(fs.readFileSync(markdown, 'utf8'));
const name = path.relative(process.cwd(), markdown);
if (blocks.length === 0) {
  console.error(`${name}: no \`\`\`js example found`);
  process.exit(1);
}
if (!fs.existsSync(path.join(root, 'dist', 'api', 'index.js'))) {
  console.error('dist/ is missing: run `npm run build:ts` (or `npm ci`) first');
  process.exit(1);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uring-loop-readme-'));
let failed = 0;
try {
  // "type": "commonjs" turns off Node's guessing of ES module syntax in .js files.
  fs.writeFileSync(path.join(dir, 'package.json'), '{ "private": true, "type": "commonjs" }\n');
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(root, path.join(dir, 'node_modules', 'uring-loop'), 'dir');
  for (const [n, { line, code }] of blocks.entries()) {
    const esm = /^\s*import\s/m.test(code);
    const file = path.join(dir, `example-${n + 1}.${esm ? 'mjs' : 'js'}`);
    fs.writeFileSync(file, `${code}\n`);
    const run = spawnSync(process.execPath, [file], {
      cwd: dir,
      encoding: 'utf8',
      timeout: TIMEOUT_MS,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const where = `${name}:${line} (${esm ? 'ES module' : 'CommonJS'})`;
    if (run.status === 0 && run.signal === null && run.error === undefined) {
      console.log(`ok    ${where}`);
      for (const out of run.stdout.trimEnd().split('\n')) console.log(`        ${out}`);
      continue;
    }
    failed++;
    const why = run.error?.code === 'ETIMEDOUT' ? `timed out after ${TIMEOUT_MS} ms` : '';
    console.error(`FAIL  ${where}: exit ${run.status ?? run.signal} ${why}`);
    process.stderr.write(run.stdout + run.stderr);
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
if (failed > 0) {
  console.error(`${failed} of ${blocks.length} examples in ${name} failed`);
  process.exit(1);
}
console.log(`${blocks.length} examples in ${name} ran`);
