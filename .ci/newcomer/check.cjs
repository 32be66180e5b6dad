// The newcomer check, CommonJS: io_uring is live, a write -> fdatasync chain, a DurableLog append.
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Ring, DurableLog } = require('uring-loop');

(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'newcomer-cjs-'));
  const ring = new Ring();
  assert.equal(ring.backend, 'io_uring');
  const file = path.join(dir, 'data');
  const fd = await ring.open(file, 'w');
  const data = Buffer.from('written by a chain\n');
  const [written] = await ring.chain().write(fd, data).fdatasync(fd).run();
  assert.equal(written, data.length);
  await ring.close(fd);
  assert.equal(fs.readFileSync(file, 'utf8'), data.toString());
  await ring.shutdown();

  const log = await DurableLog.open(path.join(dir, 'log'));
  const { lsn } = await log.append('first record');
  assert.equal(lsn, 1);
  await log.close();
  const records = [];
  for await (const rec of DurableLog.read(path.join(dir, 'log'))) records.push(String(rec.payload));
  assert.deepEqual(records, ['first record']);
  fs.rmSync(dir, { recursive: true });
  console.log('check.cjs: io_uring, chain and DurableLog ok');
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
