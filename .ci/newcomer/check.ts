// The newcomer check, TypeScript (type-checked against the package's own .d.ts, then run):
// io_uring is live, a write -> fdatasync chain, a DurableLog append.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ring, DurableLog, type AppendResult } from 'uring-loop';

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'newcomer-ts-'));
  const ring = new Ring();
  assert.equal(ring.backend, 'io_uring');
  const file = path.join(dir, 'data');
  const fd: number = await ring.open(file, 'w');
  const data = Buffer.from('written by a chain\n');
  const results = await ring.chain().write(fd, data).fdatasync(fd).run();
  assert.equal(results[0], data.length);
  await ring.close(fd);
  assert.equal(fs.readFileSync(file, 'utf8'), data.toString());
  await ring.shutdown();

  const log = await DurableLog.open(path.join(dir, 'log'));
  const appended: AppendResult = await log.append('first record');
  assert.equal(appended.lsn, 1);
  await log.close();
  fs.rmSync(dir, { recursive: true });
  console.log('check.ts: io_uring, chain and DurableLog ok');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
