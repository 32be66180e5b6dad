'use strict';
// Thread census from /proc/self/task: proves uring-loop starts no helper
// thread. The kernel's own io_uring workers (iou-wrk-*, iou-sqp-*) are
// threads of the process too, and are counted apart.
const fs = require('node:fs');

function threadNames() {
  try {
    return fs
      .readdirSync('/proc/self/task')
      .map((tid) => fs.readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim());
  } catch {
    return [];
  }
}

/**
 * Node's own thread that waits for SIGUSR1 to start the inspector. Node 24 and 26 start it while
 * the main script already runs, so it can appear after the census at start: it is Node's, not a
 * helper of the code under test.
 */
const NODE_RUNTIME_THREADS = new Set(['SignalInspector']);

/** Threads in `after` that are not in `before`, the kernel's io_uring workers and Node's own aside. */
function newThreads(before, after) {
  const left = [...before];
  const added = [];
  for (const name of after) {
    const i = left.indexOf(name);
    if (i >= 0) left.splice(i, 1);
    else if (!/^iou-(wrk|sqp)-/.test(name) && !NODE_RUNTIME_THREADS.has(name)) added.push(name);
  }
  return added;
}

module.exports = { threadNames, newThreads };
