'use strict';
// The speed targets, checked on the figures of one run. "Best Node" is the
// fastest of the four async fs systems in that run. CPU per op is compared with
// the cheapest of those four, or with every Node system of the workload
// (fs-sync included) where a target says `cpuVsAll`. The system judged is
// `uring-loop` unless a target names another (`ours`).

const NODE_ASYNC = ['fs-promises', 'fs-callback', 'fs-promises-uring', 'fs-callback-uring'];

const TARGETS = {
  'read4k-qd64': { bestNode: 1.1, c: 0.75, perEnter: 32 },
  'read4k-qd1': { bestNode: 1.0, p99: true },
  'nop-qd64': { c: 0.35, perEnter: 32 },
  'write4k-fdatasync-qd64': { c: 0.95, perEnter: 32, cpuVsAll: true },
  'append256-durable-64p': { bestNode: 1.15, c: 0.9, cpuVsAll: true },
  'seqwrite-1m': { bestNode: 1.0, c: 0.95, cpuVsAll: true },
  'readfile-4k-qd64': { ours: 'uring-loop/fs', c: 0.8, cpuVsAll: true },
  'writefile-4k-qd64': { ours: 'uring-loop/fs', cpuVsAll: true },
  'stat-qd64': { ours: 'uring-loop/fs', cpuVsAll: true },
  'copyfile-1m': { ours: 'uring-loop/fs', cpuVsAll: true },
  'filehandle-read4k-qd64': { ours: 'uring-loop/fs' },
};

/**
 * Workloads judged against a named peer: [ours, peer, wanted throughput ratio, also CPU/op].
 * (logger-lines writes the same lines on both sides, so its ops/s ratio is its MB/s ratio.)
 */
const PAIRS = {
  'logger-lines': [
    ['uring-loop', 'sonic-boom', 10, true],
    ['uring-loop-fsync-batch', 'sonic-boom-fsync', 10, true],
  ],
  'tcp-echo-64c': [['uring-loop', 'node-net', 2.0, true]],
  'readfile-4k-qd64': [
    ['uring-loop/fs', 'fs-promises', 1.5, false],
    ['uring-loop/fs', 'bun', 1.1, false],
  ],
  'writefile-4k-qd64': [['uring-loop/fs', 'fs-promises', 1.5, false]],
  'stat-qd64': [['uring-loop/fs', 'fs-promises', 1.5, false]],
  // FileHandle.read within 10 % of ring.read.
  'filehandle-read4k-qd64': [['uring-loop/fs', 'uring-loop', 0.9, false]],
};

/** Check rows: { workload, check, value, target, ok }. */
function checkTargets(rows) {
  const out = [];
  const by = new Map();
  for (const r of rows) {
    if (!by.has(r.workload)) by.set(r.workload, new Map());
    by.get(r.workload).set(r.system, r);
  }
  for (const [workload, systems] of by) {
    const t = TARGETS[workload] ?? {};
    const ours = systems.get(t.ours ?? 'uring-loop');
    if (!ours) continue;
    const node = NODE_ASYNC.map((s) => systems.get(s)).filter(Boolean);
    const best = node.reduce((a, b) => (!a || b.opsPerSec > a.opsPerSec ? b : a), null);
    const c = systems.get('c-liburing');
    const add = (check, value, target, ok) => out.push({ workload, check, value, target, ok });
    // Checks of a system other than uring-loop name it.
    const addOurs = (check, ...rest) => add(t.ours ? `${t.ours} ${check}` : check, ...rest);
    if (t.bestNode && best) {
      const ratio = ours.opsPerSec / best.opsPerSec;
      addOurs(
        `ops/s vs best Node (${best.system})`,
        `${ratio.toFixed(2)}x`,
        `>= ${t.bestNode}x`,
        ratio >= t.bestNode,
      );
    }
    if (t.c && c) {
      const ratio = ours.opsPerSec / c.opsPerSec;
      addOurs(
        'ops/s vs c-liburing',
        `${(ratio * 100).toFixed(0)} %`,
        `>= ${t.c * 100} %`,
        ratio >= t.c,
      );
    }
    if (t.p99 && best && ours.p99Us != null && best.p99Us != null) {
      addOurs(
        `p99 vs best Node (${best.system})`,
        `${ours.p99Us.toFixed(1)} us`,
        `<= ${best.p99Us.toFixed(1)} us`,
        ours.p99Us <= best.p99Us,
      );
    }
    const peers = t.cpuVsAll
      ? [...systems.values()].filter((r) => r.system.startsWith('fs-'))
      : node;
    const cheapest = peers
      .filter((r) => r.cpuUsPerOp != null)
      .reduce((a, b) => (!a || b.cpuUsPerOp < a.cpuUsPerOp ? b : a), null);
    if (cheapest && ours.cpuUsPerOp != null) {
      addOurs(
        `CPU/op vs ${t.cpuVsAll ? 'every' : 'best'} Node (${cheapest.system})`,
        `${ours.cpuUsPerOp.toFixed(2)} us`,
        `< ${cheapest.cpuUsPerOp.toFixed(2)} us`,
        ours.cpuUsPerOp < cheapest.cpuUsPerOp,
      );
    }
    if (t.perEnter && ours.opsPerEnter != null) {
      addOurs(
        'SQEs per io_uring_enter',
        ours.opsPerEnter.toFixed(1),
        `>= ${t.perEnter}`,
        ours.opsPerEnter >= t.perEnter,
      );
    }
    for (const [mine, peer, wanted, cpu] of PAIRS[workload] ?? []) {
      const a = systems.get(mine);
      const b = systems.get(peer);
      if (!a || !b) continue;
      const ratio = a.opsPerSec / b.opsPerSec;
      add(
        `${mine} throughput vs ${peer}`,
        `${ratio.toFixed(2)}x`,
        `>= ${wanted}x`,
        ratio >= wanted,
      );
      if (cpu && a.cpuUsPerOp != null && b.cpuUsPerOp != null) {
        add(
          `${mine} CPU/op vs ${peer}`,
          `${a.cpuUsPerOp.toFixed(2)} us`,
          `< ${b.cpuUsPerOp.toFixed(2)} us`,
          a.cpuUsPerOp < b.cpuUsPerOp,
        );
      }
    }
    if (ours.helperThreads != null) {
      addOurs('helper threads', String(ours.helperThreads), '0', ours.helperThreads === 0);
    }
  }
  return out;
}

module.exports = { NODE_ASYNC, TARGETS, checkTargets };
