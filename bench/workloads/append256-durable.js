// 64 concurrent producers, each appending a 256-byte record and awaiting its
// durability before the next: group commit on uring-loop's DurableLog against
// the same algorithm on fs.promises and on callback fs (bench/lib/fs-group-log.js).
// The fs peers write into a file prepared like the log's segment (zero-filled, synced).
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
  if (system === 'uring-loop') {
    const ring = new lib.Ring();
    const log = await lib.DurableLog.open(path.join(dir, 'log'), { segmentSize: SEGMENT, ring });
    await produce(warmup, (p) => log.append(p));
    const t = await timed(() => produce(total, (p) => log.append(p)));
    await log.close();
    const stats = ring.stats();
    await ring.shutdown();
    return { ...result, ...t, ring: stats, log: log.stats() };
  }
  if (system !== 'fs-promises' && system !== 'fs-callback' && system !== 'floor')
    throw new Error(`unknown system ${system}`);
  const file = path.join(dir, 'fs.log');
  const handle = await fs.promises.open(file, 'w+');
  // Same starting state as the log's segment, which DurableLog.open() reserves
  // with fallocate(2) and zero-fills before it takes records: blocks reserved,
  // then written with zeros (as far as the run reaches) and synced, all before
  // timing. Each peer's fdatasync then flushes data only, as the log's does.
  const ring = new lib.Ring();
  await ring.fallocate(handle.fd, 0, SEGMENT);
  const zeros = Buffer.alloc(1024 * 1024);
  const needed = 32 + (warmup + total) * (RECORD + 8) + zeros.length;
  for (let at = 0; at < needed; at += zeros.length) {
    await handle.write(zeros, 0, zeros.length, at);
  }
  await ring.fsync(handle.fd);
  await ring.shutdown();
  const floorRing = system === 'floor' ? new FloorRing() : undefined;
  const log = new FsGroupLog({
    fd: handle.fd,
    handle,
    position: 32,
    arenaSize: 1024 * 1024,
    io: system === 'fs-callback' ? 'callback' : system === 'floor' ? 'floor' : 'promises',
    ring: floorRing,
  });
  await produce(warmup, (p) => log.append(p));
  const t = await timed(() => produce(total, (p) => log.append(p)));
  floorRing?.close();
  await handle.close();
  return { ...result, ...t, ring: null };
};
