// Socket helpers that run as plain system calls on the JS thread: none of them
// can block (address conversion, socket options, bind/listen fallbacks,
// getsockname/getpeername), plus provided-buffer ring registration.
#pragma once

#include <napi.h>

namespace uring_loop {

// SO_REUSEADDR / SO_REUSEPORT bits as the scheduler passes them.
constexpr unsigned kReuseAddr = 1;
constexpr unsigned kReusePort = 2;

// Sets the reuse options named by `bits` on `fd`; 0 or a negative errno.
int ApplyReuse(int fd, unsigned bits);

// The `net` object exported by the addon.
Napi::Object NetExports(Napi::Env env);

}  // namespace uring_loop
