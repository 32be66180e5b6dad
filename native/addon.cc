// Module entry: exports the NativeRing class and the plain helpers (syscalls, record CRCs).
// Policy lives in loop/.
#include <napi.h>

#include "file-lock.h"
#include "iowq.h"
#include "net-sync.h"
#include "record-crc.h"
#include "ring.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeRing", uring_loop::Ring::Define(env));
  exports.Set("net", uring_loop::NetExports(env));
  exports.Set("fileLock", uring_loop::FileLockExports(env));
  exports.Set("iowq", uring_loop::IowqExports(env));
  exports.Set("records", uring_loop::RecordCrcExports(env));
  return exports;
}

}  // namespace

NODE_API_MODULE(uring_loop, Init)
