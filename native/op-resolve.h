// How the object slots of a staged entry become checked pointers: one resolver
// per kind of memory, shared by the rows of op-table.cc. Each reads the entry's
// parameters from out->p and returns 0 or a negative errno.
#pragma once

#include "op-table.h"

namespace uring_loop {

// No memory: the op takes only numbers.
int ResolveNothing(napi_env env, napi_value a, napi_value b, ResolvedEntry* out);
// Bytes [buf offset, buf offset + len) of the view in a (read, write, send, recv).
int ResolveRange(napi_env env, napi_value a, napi_value b, ResolvedEntry* out);
// An iovec array in a, len entries, pointed at the views listed in the array b.
int ResolveIovecs(napi_env env, napi_value a, napi_value b, ResolvedEntry* out);
// A path in a.
int ResolvePath(napi_env env, napi_value a, napi_value b, ResolvedEntry* out);
// Two paths: the old one (or a symlink's target) in a, the new one in b.
int ResolvePaths(napi_env env, napi_value a, napi_value b, ResolvedEntry* out);
// A struct statx output buffer in a and an optional path in b ("" without one).
int ResolveStatx(napi_env env, napi_value a, napi_value b, ResolvedEntry* out);
// A __kernel_timespec buffer in a, which the fill writes.
int ResolveTimespec(napi_env env, napi_value a, napi_value b, ResolvedEntry* out);
// A socket address in a, prepared by the addon's sockaddr helpers.
int ResolveAddress(napi_env env, napi_value a, napi_value b, ResolvedEntry* out);
// An address, and the socket options (x1: reuse bits) set before the bind runs.
int ResolveBind(napi_env env, napi_value a, napi_value b, ResolvedEntry* out);
// A receive into a range of a, or into a provided buffer of group x1 - 1.
int ResolveRecv(napi_env env, napi_value a, napi_value b, ResolvedEntry* out);
// A msghdr followed by len iovecs in a, pointed at the views listed in b.
int ResolveMessage(napi_env env, napi_value a, napi_value b, ResolvedEntry* out);

}  // namespace uring_loop
