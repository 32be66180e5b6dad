// 64 concurrent producers, each appending a 256-byte record and awaiting its
// durability before the next: group commit on uring-loop's DurableLog against
// the same algorithm on fs.promises and on callback fs (bench/lib/fs-group-log.js).
//
// Every system does the same work inside the timed part: framing records and
// one write + one fdatasync per group, into a file whose blocks were reserved
// (fallocate), written with zeros and synced before timing. The log prepares
// its segment that way in DurableLog.open(); the fs peers (and the C reference,
// bench/c/liburing-bench.c) prepare theirs the same way, just as big, before
// timing too. The segment is sized so that the log neither rolls over nor
// starts preparing its spare (from half a segment on) during the run, and the
// run checks that: a log that runs for long prepares the next segment in the
// background while appends go on, which costs device bandwidth, not commit
// latency, and would have no counterpart in the peers.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { FloorRing } = require('../lib/floor-ring');
const { FsGroupLog } = require('../lib/fs-group-log');

exports.name = 'append256-durable-64p';
exports.unit = 'records';
exports.systems = ['uring-loop', 'fs-promises', 'fs-callback'];
// bench/c/liburing-bench.c runs the same group commit on a pre-zeroed file.
exports.c = true;
exports.cArgs = (_prepared, ctx) => ['--dir', ctx.dir];

const PRODUCERS = 64;
const RECORD = 256;
const SEGMENT = 256 * 1024 * 1024;
/** Where DurableLog starts preparing its spare segment (api/log/committer.ts, SPARE_AT). */
const SPARE_AT = SEGMENT / 2;

async function produce(total, append) {
  let issued = 0;
  const producer = async (id) => {
    const payload = Buffer.alloc(RECORD, 0x61 + (id % 26));
    while (issued < total) {
      issued++;
      await append(payload);
    }
  };
  const workers = [];
  for (let i = 0; i < PRODUCERS; i++) workers.push(producer(i));
  await Promise.all(workers);
}

function timed(fn) {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  return fn().then(() => {
    const elapsedNs = Number(process.hrtime.bigint() - t0);
    const cpu = process.cpuUsage(cpu0);
    return { elapsedNs, cpuUs: cpu.user + cpu.system };
  });
}

exports.run = async function run(system, { dir, quick, lib }) {
  const total = quick ? 20000 : 200000;
  // Untimed first: the JIT has compiled the hot paths before timing starts.
  const warmup = quick ? 5000 : 200000;
  const result = { ops: total, bytes: total * RECORD };
  const written = 32 + (warmup + total) * (RECORD + 8);
  if (written >= SPARE_AT) throw new Error('the run would reach the spare segment: raise SEGMENT');
  if (system === 'uring-loop') {
    const ring = new lib.Ring();
    const log = await lib.DurableLog.open(path.join(dir, 'log'), { segmentSize: SEGMENT, ring });
    await produce(warmup, (p) => log.append(p));
    const before = log.stats();
    const t = await timed(() => produce(total, (p) => log.append(p)));
    const after = log.stats();
    if (after.segmentsCreated !== before.segmentsCreated || after.bytes + 32 !== written) {
      throw new Error('the timed part did segment work the fs peers do not do');
    }
    await log.close();
    const stats = ring.stats();
    await ring.shutdown();
    return { ...result, ...t, ring: stats, log: log.stats() };
  }
  if (system !== 'fs-promises' && system !== 'fs-callback' && system !== 'floor')
    throw new Error(`unknown system ${system}`);
  const file = path.join(dir, 'fs.log');
  const handle = await fs.promises.open(file, 'w+');
  // The same starting state as the log's segment, made the same way before
  // timing: the whole segment reserved with fallocate(2), written with zeros
  // and synced. Each peer's fdatasync then flushes data only, as the log's does.
  const ring = new lib.Ring();
  await ring.fallocate(handle.fd, 0, SEGMENT);
  const zeros = Buffer.alloc(1024 * 1024);
  for (let at = 0; at < SEGMENT; at += zeros.length) {
    await handle.write(zeros, 0, zeros.length, at);
  }
  await ring.fsync(handle.fd);
  await ring.shutdown();
  const floorRing = system === 'floor' ? new FloorRing() : undefined;
  // The Node peers write through O_DSYNC, one system call per batch like the log's RWF_DSYNC
  // writev; the floor keeps its linked write -> fdatasync.
  const dsync = system !== 'floor';
  const writer = dsync
    ? await fs.promises.open(file, fs.constants.O_RDWR | fs.constants.O_DSYNC)
    : handle;
  const log = new FsGroupLog({
    fd: writer.fd,
    handle: writer,
    position: 32,
    arenaSize: 1024 * 1024,
    io: system === 'fs-callback' ? 'callback' : system === 'floor' ? 'floor' : 'promises',
    ring: floorRing,
    dsync,
  });
  await produce(warmup, (p) => log.append(p));
  const t = await timed(() => produce(total, (p) => log.append(p)));
  floorRing?.close();
  if (writer !== handle) await writer.close();
  await handle.close();
  return { ...result, ...t, ring: null };
};
