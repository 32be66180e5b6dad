'use strict';
// Random aligned offsets, the same sequence as bench/c/liburing-bench.c
// (xorshift32, seed 0x9e3779b9), so every system reads the same blocks.

const BLOCK = 4096;

function offsets(fileBytes) {
  const blocks = Math.floor(fileBytes / BLOCK);
  let x = 0x9e3779b9 >>> 0;
  return function next() {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return (x % blocks) * BLOCK;
  };
}

module.exports = { BLOCK, offsets };
