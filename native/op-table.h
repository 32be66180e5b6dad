// The native side of the op table: one row per opcode says which object slots
// of a staged entry its op reads, how they resolve to checked pointers, and how
// the SQE is filled. loop/ops/ describes the same ops for the scheduler; adding
// an op adds its row here.
#pragma once

#include <liburing.h>
#include <napi.h>

#include <cstdint>

#include "napi-util.h"

namespace uring_loop {

struct ResolvedEntry;

// a, b: the entry's object slots (nullptr past OpRow::objects). Returns 0 or a
// negative errno (-EINVAL when the memory does not fit the parameters).
using ResolveFn = int (*)(napi_env env, napi_value a, napi_value b, ResolvedEntry* out);
// Fills everything op-specific; the caller adds IOSQE_* flags and user_data.
using FillFn = void (*)(io_uring_sqe* sqe, const ResolvedEntry& e);

// A staged entry whose memory has been checked and resolved to raw pointers.
// Everything is resolved before an SQE is taken, so a refusal never leaves a
// half-filled SQE in the ring.
struct ResolvedEntry {
  const double* p = nullptr;  // the entry's parameters (protocol.h)
  FillFn fill = nullptr;      // its op's fill
  View mem;                   // buffer, iovecs, statx, timespec, sockaddr or msghdr
  const char* path = nullptr;
  const char* path2 = nullptr;
};

struct OpRow {
  uint8_t opcode;
  uint8_t objects;  // object slots the op reads: 0, 1 (a) or 2 (a and b)
  ResolveFn resolve;
  FillFn fill;
};

// The row of a staged opcode, or nullptr for one the addon does not run.
const OpRow* FindOp(double opcode);

}  // namespace uring_loop
