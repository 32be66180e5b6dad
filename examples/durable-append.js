// A log whose every record is on stable storage before it is acknowledged:
// each append is ONE linked chain, write -> fdatasync, submitted together.
// The same work is then done with fs.promises for comparison.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Ring } = require('uring-loop');

const RECORDS = 2000;
const RECORD_SIZE = 256;
const IN_FLIGHT = 64;

function record(i) {
  const buf = Buffer.alloc(RECORD_SIZE, 0x20);
  buf.write(`record ${i} ${new Date().toISOString()}`);
  buf[RECORD_SIZE - 1] = 0x0a;
  return buf;
}

/** Runs `task(i)` for i in [0, count) with at most `width` at a time. */
async function pool(count, width, task) {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: width }, worker));
}

async function withRing(file) {
  const ring = new Ring();
  const fd = await ring.open(file, 'w');
  const start = process.hrtime.bigint();
  await pool(RECORDS, IN_FLIGHT, (i) =>
    ring
      .chain()
      .write(fd, record(i), 0, RECORD_SIZE, i * RECORD_SIZE)
      .fdatasync(fd)
      .run(),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await ring.close(fd);
  const stats = ring.stats();
  await ring.shutdown();
  return { seconds, backend: ring.backend, stats };
}

async function withFsPromises(file) {
  const handle = await fs.promises.open(file, 'w');
  const start = process.hrtime.bigint();
  await pool(RECORDS, IN_FLIGHT, async (i) => {
    await handle.write(record(i), 0, RECORD_SIZE, i * RECORD_SIZE);
    await handle.datasync();
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await handle.close();
  return { seconds };
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uring-loop-log-'));
  try {
    const ring = await withRing(path.join(dir, 'ring.log'));
    const node = await withFsPromises(path.join(dir, 'fs.log'));
    const size = fs.statSync(path.join(dir, 'ring.log')).size;
    if (size !== RECORDS * RECORD_SIZE) throw new Error(`log has ${size} bytes`);
    const rate = (r) => Math.round(RECORDS / r.seconds).toLocaleString('en-US');
    console.log(
      `durable appends (${RECORDS} x ${RECORD_SIZE} B, ${IN_FLIGHT} in flight, write -> fdatasync):`,
    );
    console.log(`  uring-loop (${ring.backend}): ${rate(ring)} records/s`);
    console.log(`  fs.promises:         ${rate(node)} records/s`);
    console.log(
      `  ring: ${ring.stats.sqesSubmitted} SQEs in ${ring.stats.submitCalls} submits, ` +
        `${ring.stats.harvests} completion batches`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = main;
if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
