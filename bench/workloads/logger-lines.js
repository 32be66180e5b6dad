// A logger's output path: pre-built pino-style JSON lines (~200 bytes) handed
// to dest.write() as pino does, in bursts of 1000 lines per event-loop turn,
// until the file holds every byte ('close' after end()). uring-loop's
// destination() against sonic-boom (pino's own destination, async mode), and
// with fsync: 'batch' against sonic-boom { fsync: true }. The fsync variants
// write fewer lines (100 000; 20 000 with quick).
'use strict';

const fs = require('node:fs');
const path = require('node:path');

exports.name = 'logger-lines';
exports.unit = 'lines';
exports.systems = ['uring-loop', 'sonic-boom', 'uring-loop-fsync-batch', 'sonic-boom-fsync'];

const BURST = 1000;

function buildLines(count) {
  const lines = [];
  for (let i = 0; i < count; i++) {
    const base = `{"level":30,"time":${1700000000000 + i},"pid":4242,"hostname":"bench-host","reqId":"req-${String(i).padStart(6, '0')}","route":"/api/v1/items","status":200,"msg":"request completed"`;
    lines.push(`${base},"pad":"${'x'.repeat(Math.max(0, 197 - base.length))}"}\n`);
  }
  return lines;
}

function makeDest(system, file, lib) {
  if (system === 'uring-loop') return lib.destination({ dest: file });
  if (system === 'uring-loop-fsync-batch') return lib.destination({ dest: file, fsync: 'batch' });
  const SonicBoom = require('sonic-boom');
  if (system === 'sonic-boom') return new SonicBoom({ dest: file, sync: false });
  if (system === 'sonic-boom-fsync') return new SonicBoom({ dest: file, sync: false, fsync: true });
  throw new Error(`unknown system ${system}`);
}

exports.run = async function run(system, { dir, quick, lib }) {
  const fsync = system.endsWith('fsync') || system.endsWith('fsync-batch');
  const total = fsync ? (quick ? 20000 : 100000) : quick ? 100000 : 1000000;
  const distinct = buildLines(4096);
  let bytes = 0;
  for (let i = 0; i < total; i++) bytes += Buffer.byteLength(distinct[i % distinct.length]);
  const file = path.join(dir, 'out.log');
  const ring = system.startsWith('uring-loop') ? new lib.Ring() : null;
  const dest = ring
    ? lib.destination({ dest: file, ring, fsync: fsync ? 'batch' : 'never' })
    : makeDest(system, file, lib);
  await new Promise((resolve, reject) => {
    dest.once('ready', resolve);
    dest.once('error', reject);
  });

  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await new Promise((resolve, reject) => {
    dest.once('error', reject);
    dest.once('close', resolve);
    let i = 0;
    const burst = () => {
      const end = Math.min(total, i + BURST);
      for (; i < end; i++) dest.write(distinct[i % distinct.length]);
      if (i < total) setImmediate(burst);
      else dest.end();
    };
    burst();
  });
  const elapsedNs = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(cpu0);

  const size = fs.statSync(file).size;
  if (size !== bytes) throw new Error(`${system}: file has ${size} bytes, expected ${bytes}`);
  const stats = ring ? ring.stats() : null;
  if (ring) await ring.shutdown();
  return { ops: total, bytes, elapsedNs, cpuUs: cpu.user + cpu.system, ring: stats };
};
