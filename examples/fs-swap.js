// An ordinary fs/promises program — back up a folder of notes, skipping what is unchanged, and
// report — moved onto io_uring by changing its import. It runs once on each module, on twin
// folders, and shows that both give the same report.
'use strict';

const os = require('node:os');
const path = require('node:path');
const nodeFsPromises = require('node:fs/promises');
// The one line that changes: was `const fs = require('node:fs/promises');`
const fs = require('uring-loop/fs');

/** Copies every note of `src` into `dest` that is new or changed; returns what it did. */
async function backup(fs, src, dest) {
  await fs.mkdir(dest, { recursive: true });
  const report = { copied: [], unchanged: [], bytes: 0 };
  for (const name of (await fs.readdir(src)).sort()) {
    const from = path.join(src, name);
    const to = path.join(dest, name);
    const st = await fs.stat(from);
    if (!st.isFile()) continue;
    const old = await fs.stat(to).catch((err) => {
      if (err.code === 'ENOENT') return null;
      throw err;
    });
    if (old && old.size === st.size && old.mtimeMs >= st.mtimeMs) {
      report.unchanged.push(name);
      continue;
    }
    await fs.copyFile(from, `${to}.tmp`);
    await fs.rename(`${to}.tmp`, to);
    report.copied.push(name);
    report.bytes += st.size;
  }
  await fs.rm(path.join(dest, 'stale.lock'), { force: true });
  try {
    await fs.access(path.join(src, 'missing.txt'));
  } catch (err) {
    report.missing = `${err.code} (${err.syscall})`;
  }
  return report;
}

/** A folder of notes and a backup that already has one of them. */
async function setUp(fs, root) {
  const src = path.join(root, 'notes');
  await fs.mkdir(path.join(src, 'drafts'), { recursive: true });
  await fs.writeFile(path.join(src, 'todo.txt'), 'water the plants\n');
  await fs.writeFile(path.join(src, 'ideas.md'), '# ideas\n'.repeat(500));
  await fs.writeFile(path.join(src, 'old.txt'), 'kept as it was\n');
  await backup(fs, src, path.join(root, 'backup'));
  await fs.appendFile(path.join(src, 'todo.txt'), 'call the bank\n');
  await fs.utimes(path.join(src, 'todo.txt'), new Date(), new Date(Date.now() + 5000));
  return src;
}

async function main() {
  console.log('an fs/promises program, run on node:fs/promises and on uring-loop/fs:');
  const reports = [];
  for (const [name, module] of [
    ['node:fs/promises', nodeFsPromises],
    ['uring-loop/fs', fs],
  ]) {
    const root = await module.mkdtemp(path.join(os.tmpdir(), 'uring-loop-swap-'));
    try {
      const src = await setUp(module, root);
      const report = await backup(module, src, path.join(root, 'backup'));
      console.log(`  ${name.padEnd(16)} ${JSON.stringify(report)}`);
      reports.push(JSON.stringify(report));
    } finally {
      await module.rm(root, { recursive: true, force: true });
    }
  }
  console.log(`  same report from both: ${reports[0] === reports[1]}`);
  if (reports[0] !== reports[1]) process.exitCode = 1;
}

module.exports = main;
if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
