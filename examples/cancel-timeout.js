// Cancellation with an AbortSignal, per-op deadlines, and a chain whose
// linked op times out.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { Ring, ChainError } = require('uring-loop');

async function main() {
  const ring = new Ring();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uring-loop-cancel-'));
  try {
    // 1. Abort a long sleep after 20 ms.
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('user pressed stop')), 20);
    let t = Date.now();
    try {
      await ring.sleep(10_000, { signal: controller.signal });
    } catch (err) {
      console.log(
        `aborted sleep: ${err.name} after ${Date.now() - t} ms (cause: ${err.cause.message})`,
      );
    }

    // 2. A read from a FIFO nobody writes to, with a 50 ms deadline.
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const fd = fs.openSync(fifo, fs.constants.O_RDWR);
    t = Date.now();
    try {
      await ring.read(fd, Buffer.alloc(64), 0, 64, null, { timeout: 50 });
    } catch (err) {
      console.log(`read with timeout: ${err.code} after ${Date.now() - t} ms`);
    }
    fs.closeSync(fd);

    // 3. In a chain, the op that times out fails the chain; later ops are cancelled.
    const log = path.join(dir, 'never.txt');
    const chain = ring.chain();
    const file = chain.open(log, 'w');
    try {
      await chain
        .sleep(1000, { timeout: 30 })
        .write(file, Buffer.from('not written'))
        .close(file)
        .run();
    } catch (err) {
      if (!(err instanceof ChainError)) throw err;
      const outcomes = err.results.map((r) => (r.status === 'fulfilled' ? 'ok' : r.reason.code));
      console.log(
        `chain: op ${err.index} failed with ${err.cause.code}; outcomes [${outcomes.join(', ')}]`,
      );
      console.log(`  the file the chain opened was closed for us: ${!file.open}`);
    }
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
