// Layout of the memory shared between the scheduler (loop/protocol.ts) and the addon.
// Both sides must agree on every index here; loop/protocol.ts mirrors this file.
#pragma once

namespace uring_loop {

// The staging area: a Float64Array of entries, kParamCount doubles each, that
// the scheduler fills and the addon turns into SQEs at each flush, plus a JS
// array with two object slots per entry (buffers, paths, iovec arrays).
// Doubles hold every integer up to 2^53 exactly, which covers file positions
// and lengths.
enum Param : int {
  kParamOpcode = 0,
  kParamFd = 1,
  kParamLen = 2,       // byte count, mode, iovec count or statx mask, per op
  kParamOffset = 3,    // file position (-1: current position), or length for ftruncate
  kParamSlot = 4,      // low 32 bits of user_data
  kParamTag = 5,       // high 32 bits of user_data (generation and CQE kind)
  kParamSqeFlags = 6,  // IOSQE_* flags
  kParamOpFlags = 7,   // open flags, fsync flags, statx flags, cancel flags...
  kParamBufOffset = 8, // byte offset into the first buffer argument
  kParamFileIndex = 9, // direct descriptor index + 1 (0: none)
  kParamX1 = 10,       // op specific: timeout ms, cancel target slot, mode
  kParamX2 = 11,       // op specific: cancel target tag
  kParamGroup = 12,    // on the first entry of a linked group: its size; 0 on the rest
  kParamCount = 16,
};

// Int32Array the addon fills with completions: four int32 per CQE.
enum CqeField : int {
  kCqeSlot = 0,
  kCqeTag = 1,
  kCqeRes = 2,
  kCqeFlags = 3,
  kCqeStride = 4,
};

// Float64Array of counters the addon keeps current for stats().
enum Counter : int {
  kCounterSubmitCalls = 0,   // io_uring_enter calls that submitted SQEs
  kCounterSqesSubmitted = 1, // SQEs handed to the kernel
  kCounterCqesReaped = 2,    // CQEs copied out to JS
  kCounterPending = 3,       // SQEs prepared whose CQE has not been reaped
  kCounterStaged = 4,        // SQEs prepared but not yet submitted
  kCounterHarvests = 5,      // completion batches delivered to JS
  kCounterEnterCalls = 6,    // every io_uring_enter the addon made
  kCounterSubmitRetries = 7, // transient submit failures retried later
  kCounterJsStaged = 8,      // entries in the staging area (written by both sides)
  kCounterRefed = 9,         // 1 while the poll handle keeps the loop alive
  kCounterCount = 12,
};

}  // namespace uring_loop
