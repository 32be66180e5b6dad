// Module entry: exports the NativeRing class. Policy lives in loop/.
#include <napi.h>

#include "net-sync.h"
#include "ring.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeRing", uring_loop::Ring::Define(env));
  exports.Set("net", uring_loop::NetExports(env));
  return exports;
}

}  // namespace

NODE_API_MODULE(uring_loop, Init)
