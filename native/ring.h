// NativeRing, the JS handle of a RingCore (ring-core.h). Like every function
// of the addon it reports failure as a negative errno, so it is made by a
// factory rather than a constructor that would have to throw:
//   NativeRing.open(options, onComplete, params, objs, cqes, counters)
//     -> NativeRing, or a negative errno
//   ring.flush() -> SQEs submitted, or a negative errno (-EBADF once closed)
//   ring.ref()   -> undefined: holds the loop alive while work is staged
//   ring.info()  -> { setupFlags, features, sqEntries, cqEntries, directFiles,
//                     opcodes }, or -EBADF once closed
//   ring.close() -> undefined
#pragma once

#include <liburing.h>
#include <napi.h>

namespace uring_loop {

class RingCore;

class Ring : public Napi::ObjectWrap<Ring> {
 public:
  static Napi::Function Define(Napi::Env env);
  // `new NativeRing()` makes a handle with no ring (every call fails with
  // -EBADF); only open() attaches one.
  explicit Ring(const Napi::CallbackInfo& info);
  ~Ring() override;

  RingCore* core = nullptr;

  // The io_uring behind a NativeRing object passed to a helper (net, io-wq), or
  // nullptr when the value is not one or its ring is closed or closing.
  static io_uring* LiveRaw(const Napi::Value& value);

 private:
  static Napi::Value Open(const Napi::CallbackInfo& info);
  Napi::Value Flush(const Napi::CallbackInfo& info);
  Napi::Value Ref(const Napi::CallbackInfo& info);
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  // The core while it is open, else nullptr.
  RingCore* Live() const;
};

}  // namespace uring_loop
