'use strict';
// A small workload for valgrind (npm run test:valgrind): every op, chains (including
// open -> write -> close through a direct descriptor, failures and short reads), cancellation,
// timeouts, back-pressure on a tiny ring, a second ring shut down with ops in flight, and one
// left for environment teardown at exit. node under memcheck is ~50x slower: keep counts small.
// CommonJS so that loading it needs no ESM loader (and no libuv pool threads).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { Ring } = require('../../dist/api/index.js');

function check(cond, what) {
  if (!cond) throw new Error(`valgrind workload: ${what}`);
}

async function expectCode(promise, code) {
  try {
    await promise;
  } catch (err) {
    check(err.code === code, `expected ${code}, got ${err.code}: ${err.message}`);
    return;
  }
  throw new Error(`valgrind workload: expected ${code}, got success`);
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uring-valgrind-'));
  const ring = new Ring({ backend: 'io_uring', entries: 8 });
  const file = path.join(dir, 'data');

  // io-wq settings (their limits restored: they are the thread's, not the ring's).
  const limits = ring.setIowqMaxWorkers({});
  check(ring.setIowqMaxWorkers({ bounded: 2 }).bounded === limits.bounded, 'iowq limits');
  ring.setIowqMaxWorkers(limits);
  ring.setIowqAffinity([0]);
  ring.setIowqAffinity(null);

  // Single ops.
  const fd = await ring.open(file, 'w+', 0o644);
  const block = Buffer.alloc(4096, 0x61);
  check((await ring.write(fd, block, 0, block.length, 0)) === 4096, 'write');
  check((await ring.writev(fd, [block, Buffer.from('tail')], 4096)) === 4100, 'writev');
  const back = Buffer.alloc(4096);
  check((await ring.read(fd, back, 0, 4096, 0)) === 4096 && back.equals(block), 'read');
  const parts = [Buffer.alloc(100), new Uint16Array(50), new DataView(new ArrayBuffer(8))];
  check((await ring.readv(fd, parts, 0)) === 208, 'readv');
  await ring.fsync(fd);
  await ring.fdatasync(fd);
  await ring.fallocate(fd, 0, 16384);
  await ring.ftruncate(fd, 5000);
  check((await ring.stat(fd)).size === 5000, 'stat fd');
  check((await ring.stat(file)).isFile(), 'stat path');
  await ring.mkdir(path.join(dir, 'sub'), 0o755);
  await ring.rename(file, path.join(dir, 'sub', 'moved'));
  await ring.unlink(path.join(dir, 'sub', 'moved'));
  await ring.rmdir(path.join(dir, 'sub'));
  await ring.nop();
  await ring.sleep(1);
  await ring.close(fd);

  // Errors.
  await expectCode(ring.open(path.join(dir, 'missing', 'x')), 'ENOENT');
  await expectCode(ring.read(900000, Buffer.alloc(4)), 'EBADF');
  await expectCode(ring.mkdir(dir), 'EEXIST');

  // Chains: direct descriptors, a failure, a short read, a per-op timeout.
  const c = ring.chain();
  const f = c.open(path.join(dir, 'chained'), 'w+');
  const values = await c.write(f, block).fdatasync(f).read(f, back, 0, 10, 0).close(f).run();
  check(values[1] === 4096 && values[3] === 10, 'chain values');
  const failing = ring.chain();
  failing.open(path.join(dir, 'nope', 'x'));
  await expectCode(failing.nop().run(), 'ERR_URING_CHAIN');
  const fd2 = await ring.open(path.join(dir, 'chained'), 'r');
  await expectCode(
    ring.chain().read(fd2, Buffer.alloc(10), 0, 10, 4090).nop().run(),
    'ERR_URING_CHAIN',
  );
  await expectCode(ring.chain().nop().sleep(60000, { timeout: 5 }).nop().run(), 'ERR_URING_CHAIN');
  await expectCode(ring.chain().mkdir(dir).nop().run(), 'ERR_URING_CHAIN');
  await ring.close(fd2);

  // Cancellation and timeouts of ops that cannot finish by themselves.
  const fifo = path.join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const fifoFd = fs.openSync(fifo, fs.constants.O_RDWR);
  const ac = new AbortController();
  const reading = ring.read(fifoFd, Buffer.alloc(64), 0, 64, null, { signal: ac.signal });
  const sleeping = ring.sleep(60000, { signal: ac.signal });
  setTimeout(() => ac.abort(), 5);
  await expectCode(reading, 'ABORT_ERR');
  await expectCode(sleeping, 'ABORT_ERR');
  await expectCode(ring.read(fifoFd, Buffer.alloc(64), 0, 64, null, { timeout: 5 }), 'ETIMEDOUT');
  await expectCode(ring.nop({ signal: AbortSignal.abort() }), 'ABORT_ERR');
  const ac2 = new AbortController();
  const chain = ring.chain().nop().sleep(60000).nop().run({ signal: ac2.signal });
  setTimeout(() => ac2.abort(), 5);
  await expectCode(chain, 'ABORT_ERR');

  // Back-pressure: more ops than the 8-entry ring holds, and GC while they are in flight.
  const many = [];
  for (let i = 0; i < 500; i++) many.push(ring.nop());
  for (let i = 0; i < 100; i++) many.push(ring.write(fifoFd, Buffer.from('x'), 0, 1, null));
  if (global.gc) global.gc();
  await Promise.all(many);

  // Shutdown with ops in flight on another ring.
  const other = new Ring({ backend: 'io_uring' });
  const pending = [other.sleep(60000), other.read(fifoFd, Buffer.alloc(1 << 20), 0, 1 << 20, null)];
  const outcomes = pending.map((p) =>
    p.then(
      () => 'ok',
      (e) => e.code,
    ),
  );
  await other.nop();
  await other.shutdown();
  const settled = await Promise.all(outcomes);
  check(settled[0] === 'ECANCELED', `shutdown settles a sleep: ${settled}`);

  // A ring left with a pending op for environment teardown at exit.
  const leftover = new Ring({ backend: 'io_uring' });
  leftover.sleep(60000).catch(() => {});

  await ring.shutdown();
  fs.closeSync(fifoFd);
  fs.rmSync(dir, { recursive: true, force: true });
  console.log('valgrind workload: done');
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
