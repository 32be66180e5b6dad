// The newcomer check, ES module: io_uring is live, a write -> fdatasync chain, a DurableLog append.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ring, DurableLog } from 'uring-loop';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'newcomer-esm-'));
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
console.log('check.mjs: io_uring, chain and DurableLog ok');
