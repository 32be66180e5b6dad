// Small N-API helpers shared by the addon's files: the bytes behind a JS view,
// a path argument, and the negative-errno return convention.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>

namespace uring_loop {

// The memory behind a TypedArray, DataView or ArrayBuffer.
struct View {
  uint8_t* data = nullptr;
  size_t length = 0;
};

// Reads the memory behind a TypedArray, DataView or ArrayBuffer; false for any
// other value. A detached buffer yields a null pointer and length 0.
bool GetView(napi_env env, napi_value value, View* out);

// A path argument: a NUL-terminated byte buffer prepared by the scheduler, or
// nullptr when `value` is not one.
const char* GetPath(napi_env env, napi_value value);

// Every function of the addon reports failure the way a CQE does: a negative
// errno as a plain number, which loop/ maps to a Node-style error.
inline Napi::Value NegativeErrno(Napi::Env env, int err) { return Napi::Number::New(env, -err); }

}  // namespace uring_loop
