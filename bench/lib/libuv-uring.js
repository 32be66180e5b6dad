'use strict';
// Does this Node's libuv run fs calls on io_uring when UV_USE_IO_URING=1? Asked of the runtime
// itself rather than read off a version table: a child reads a file with the variable set, and
// if libuv's thread pool had to start, the reads went through it (libuv 1.49 and later, i.e.
// Node 22 and later, no longer route fs through io_uring).
const { execFileSync } = require('node:child_process');

const PROBE = `
const fs = require('node:fs');
const { threadNames, newThreads } = require(${JSON.stringify(require.resolve('./threads'))});
const before = threadNames();
const fd = fs.openSync(process.execPath, 'r');
const buf = Buffer.alloc(4096);
let left = 64;
const next = () => (left-- > 0 ? fs.read(fd, buf, 0, buf.length, left * 4096, next) : done());
const done = () => {
  const pool = newThreads(before, threadNames());
  process.stdout.write(JSON.stringify({ threadPoolStarted: pool.length > 0 }));
};
next();
`;

/** true when fs.read with UV_USE_IO_URING=1 started no thread pool in a fresh process. */
function libuvFsUsesIoUring(nodeBin = process.execPath) {
  const out = execFileSync(nodeBin, ['-e', PROBE], {
    env: { ...process.env, UV_USE_IO_URING: '1' },
    encoding: 'utf8',
  });
  return !JSON.parse(out).threadPoolStarted;
}

module.exports = { libuvFsUsesIoUring };
