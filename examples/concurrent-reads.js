// Many concurrent 4 KiB reads of one file at random offsets, each checked
// against the file's contents.
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Ring } = require('uring-loop');

const FILE_SIZE = 8 * 1024 * 1024;
const BLOCK = 4096;
const READS = 20000;
const IN_FLIGHT = 64;

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uring-loop-reads-'));
  const file = path.join(dir, 'data.bin');
  const data = crypto.randomBytes(FILE_SIZE);
  fs.writeFileSync(file, data);
  const ring = new Ring();
  try {
    const fd = await ring.open(file, 'r');
    const blocks = FILE_SIZE / BLOCK;
    let next = 0;
    let checked = 0;
    const start = process.hrtime.bigint();
    const worker = async () => {
      const buf = Buffer.allocUnsafe(BLOCK);
      while (next < READS) {
        next++;
        const at = Math.floor(Math.random() * blocks) * BLOCK;
        const n = await ring.read(fd, buf, 0, BLOCK, at);
        if (n !== BLOCK || !buf.equals(data.subarray(at, at + BLOCK))) {
          throw new Error(`read at ${at} returned wrong data`);
        }
        checked++;
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    await ring.close(fd);
    const s = ring.stats();
    console.log(`concurrent reads (${checked} x 4 KiB at random offsets, ${IN_FLIGHT} in flight):`);
    console.log(
      `  ${Math.round(checked / seconds).toLocaleString('en-US')} reads/s, every block verified`,
    );
    console.log(`  ${(s.sqesSubmitted / Math.max(1, s.submitCalls)).toFixed(1)} SQEs per submit`);
  } finally {
    await ring.shutdown();
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
