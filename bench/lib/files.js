'use strict';
// Data files shared by the runs of one benchmark: created once by the parent.
const fs = require('node:fs');
const path = require('node:path');

/** A file of `bytes` random bytes, read once so it sits in the page cache. */
function cachedFile(dir, name, bytes) {
  const file = path.join(dir, name);
  if (!fs.existsSync(file) || fs.statSync(file).size !== bytes) {
    const fd = fs.openSync(file, 'w');
    const chunk = Buffer.alloc(1 << 20);
    for (let done = 0; done < bytes; done += chunk.length) {
      require('node:crypto').randomFillSync(chunk);
      fs.writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - done));
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
  }
  const fd = fs.openSync(file, 'r');
  const chunk = Buffer.alloc(1 << 20);
  while (fs.readSync(fd, chunk) > 0);
  fs.closeSync(fd);
  return file;
}

module.exports = { cachedFile };
