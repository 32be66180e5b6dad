'use strict';
// The set of small files the whole-file workloads (readfile, writefile, stat)
// work on, and the contents every system checks its results against. The same
// formulas are in bench/c/liburing-bench.c (set_file_size, set_original,
// set_written), so the C reference checks exactly what the Node systems check.
const fs = require('node:fs');
const path = require('node:path');

const FILES = 2000;
const DEPTH = 64;
/** What writefile writes each time. */
const WRITE_BYTES = 4096;

/** The name of file i of a set. */
const fileName = (i) => `f${String(i).padStart(4, '0')}`;

/** 3584..4608 bytes (3.5 to 4.5 KiB), a different size for neighbouring files. */
const fileSize = (i) => 3584 + ((i * 397) % 1025);

/** Content of file i as prepared: its index (u32 LE), then a pattern of i and the offset. */
function originalContent(i) {
  const buf = Buffer.allocUnsafe(fileSize(i));
  for (let j = 0; j < buf.length; j++) buf[j] = (i * 31 + j * 7) & 0xff;
  buf.writeUInt32LE(i, 0);
  return buf;
}

/**
 * What writefile's `pass`-th write to file i leaves in it: 4096 bytes, the
 * index and the pass (u32 LE each), then a pattern of the index. A worker
 * keeps one such buffer per file and sets only the pass before each write.
 */
function writtenContent(i, pass = 0) {
  const buf = Buffer.allocUnsafe(WRITE_BYTES);
  for (let j = 8; j < WRITE_BYTES; j++) buf[j] = ((i * 13 + j * 5) & 0xff) ^ 0xa5;
  buf.writeUInt32LE(i, 0);
  buf.writeUInt32LE(pass >>> 0, 4);
  return buf;
}

/** Creates the set in `dir` and reads it once, so every file and dentry is in the cache. */
function createSet(dir) {
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < FILES; i++) fs.writeFileSync(path.join(dir, fileName(i)), originalContent(i));
  for (let i = 0; i < FILES; i++) fs.readFileSync(path.join(dir, fileName(i)));
  return dir;
}

/** The paths of a set, in index order. */
function setPaths(dir) {
  return Array.from({ length: FILES }, (_, i) => path.join(dir, fileName(i)));
}

/**
 * writefile's files, split so no two writes to one file are ever in flight:
 * worker w writes files w, w + 64, w + 128, ... in turn.
 */
function filesOfWorker(w) {
  const out = [];
  for (let i = w; i < FILES; i += DEPTH) out.push(i);
  return out;
}

/**
 * Checks a set after writefile ran on it: every file holds exactly what one
 * of the writes left in it, each worker's files show its passes in order (the
 * first files one pass ahead of the rest at most), and the writes the files
 * account for are at least the writes the run counted. A system that skipped
 * or cut short writes fails here. Returns the writes the files account for.
 */
function verifyWrittenSet(dir, countedWrites) {
  let writes = 0;
  for (let w = 0; w < DEPTH; w++) {
    let first = -1;
    let previous = -1;
    for (const i of filesOfWorker(w)) {
      const file = path.join(dir, fileName(i));
      const got = fs.readFileSync(file);
      if (got.length !== WRITE_BYTES) {
        throw new Error(`${file}: ${got.length} bytes after writefile, expected ${WRITE_BYTES}`);
      }
      const pass = got.readUInt32LE(4);
      if (!got.equals(writtenContent(i, pass))) {
        throw new Error(`${file}: not the content of a write (file ${i}, pass ${pass})`);
      }
      if (first < 0) first = pass;
      else if (pass > previous || pass < first - 1) {
        throw new Error(`${file}: pass ${pass} out of order (worker ${w} began with ${first})`);
      }
      previous = pass;
      writes += pass + 1;
    }
  }
  if (writes < countedWrites) {
    throw new Error(`the files account for ${writes} writes, the run counted ${countedWrites}`);
  }
  return writes;
}

module.exports = {
  FILES,
  DEPTH,
  WRITE_BYTES,
  fileName,
  fileSize,
  originalContent,
  writtenContent,
  createSet,
  setPaths,
  filesOfWorker,
  verifyWrittenSet,
};
