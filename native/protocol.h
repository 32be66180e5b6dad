// Layout of the memory shared between the scheduler (loop/protocol.ts) and the addon.
// Both sides must agree on every index here; loop/protocol.ts mirrors this file.
#pragma once

namespace uring_loop {

// The staging area: a circular buffer of `capacity` entries, kParamCount
// doubles each, plus a JS array with two object slots per entry (buffers,
// paths, iovec arrays). Entry n (counting from 0 since the ring was created)
// lives at n % capacity, its objects at slots (n % capacity) * 2 and + 1; a
// linked group may wrap around the end. The scheduler writes entries
// [taken, staged) and never more than `capacity` ahead of taken; the addon
// turns them into SQEs at each flush and only ever advances taken: it never
// moves or clears what the scheduler wrote. Doubles hold every integer up to
// 2^53 exactly, which covers file positions, lengths and both counts.
enum Param : int {
  kParamOpcode = 0,
  kParamFd = 1,
  kParamLen = 2,        // byte count, mode, iovec count or statx mask, per op
  kParamOffset = 3,     // file position (-1: current position), or length for ftruncate
  kParamSlot = 4,       // low 32 bits of user_data
  kParamTag = 5,        // high 32 bits of user_data (generation and CQE kind)
  kParamSqeFlags = 6,   // IOSQE_* flags
  kParamOpFlags = 7,    // open, fsync, statx, cancel flags; RWF_* of writes...
  kParamBufOffset = 8,  // byte offset into the first buffer argument
  kParamFileIndex = 9,  // direct descriptor index + 1 (0: none)
  kParamX1 = 10,        // op specific: timeout ms, cancel target slot, mode
  kParamX2 = 11,        // op specific: cancel target tag
  kParamGroup = 12,     // on the first entry of a linked group: its size; 0 on the rest
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

// Float64Array of counters. Each one has a single writer: the addon, except
// kCounterEntriesStaged, which only the scheduler writes.
enum Counter : int {
  kCounterSubmitCalls = 0,    // io_uring_enter calls that submitted SQEs
  kCounterSqesSubmitted = 1,  // SQEs handed to the kernel
  kCounterCqesReaped = 2,     // CQEs copied out to JS
  kCounterHarvests = 3,       // completion batches delivered to JS
  kCounterEnterCalls = 4,     // every io_uring_enter the addon made
  kCounterSubmitRetries = 5,  // transient submit failures retried later
  kCounterRefed = 6,          // 1 while the poll handle keeps the loop alive
  kCounterEntriesStaged = 7,  // entries the scheduler ever staged (monotonic; written by JS)
  kCounterEntriesTaken = 8,   // entries the addon ever took (monotonic; written by the addon)
  kCounterCount = 9,
};

}  // namespace uring_loop
