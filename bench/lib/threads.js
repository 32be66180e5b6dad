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

/** Threads in `after` that are not in `before`, the kernel's io_uring workers aside. */
function newThreads(before, after) {
  const left = [...before];
  const added = [];
  for (const name of after) {
    const i = left.indexOf(name);
    if (i >= 0) left.splice(i, 1);
    else if (!/^iou-(wrk|sqp)-/.test(name)) added.push(name);
  }
  return added;
}

module.exports = { threadNames, newThreads };
