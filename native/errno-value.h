// Synchronous helpers of the addon return a negative errno as a plain number,
// the same convention as a CQE's res, and the JS side maps it to an error.
#pragma once

#include <napi.h>

namespace uring_loop {

inline Napi::Value NegativeErrno(Napi::Env env, int err) { return Napi::Number::New(env, -err); }

}  // namespace uring_loop
