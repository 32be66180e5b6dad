'use strict';
// read4k-qd64 through uring-loop/fs's FileHandle.read, next to ring.read and fs.promises' FileHandle.read.
module.exports = require('../lib/read4k').read4k(64, { fileHandle: true });
