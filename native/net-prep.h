// Socket ops on the ring: argument checks and SQE filling, called from
// RingCore::Prep for the opcodes IsNetOpcode() accepts. Parameters come from
// the shared block (protocol.h); loop/ops/*.ts documents which op uses which.
#pragma once

#include <liburing.h>
#include <napi.h>

#include <cstddef>
#include <cstdint>

namespace uring_loop {

// Memory resolved before an SQE is taken, so a refusal never leaves a
// half-filled entry in the ring.
struct NetArgs {
  uint8_t* data = nullptr;  // buffer, sockaddr, or msghdr followed by its iovecs
  size_t length = 0;
};

bool IsNetOpcode(int opcode);
// 0 or a negative errno (-EINVAL for arguments that do not fit; bind's socket
// options may fail with their own errno).
int ResolveNet(napi_env env, int opcode, const double* params, napi_value a, napi_value b,
               NetArgs* out);
void FillNet(io_uring_sqe* sqe, int opcode, const double* params, const NetArgs& args);

}  // namespace uring_loop
