#include "file-lock.h"

#include <sys/file.h>

#include <cerrno>

namespace uring_loop {

namespace {

// tryLockExclusive(fd): flock(fd, LOCK_EX | LOCK_NB): 0, or the negative errno
// (-EWOULDBLOCK when another open file description holds the lock). No unlock:
// the lock lives exactly as long as the fd's open file description.
Napi::Value TryLockExclusive(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) return Napi::Number::New(env, -EINVAL);
  const int fd = info[0].As<Napi::Number>().Int32Value();
  int ret;
  do {
    ret = flock(fd, LOCK_EX | LOCK_NB);
  } while (ret < 0 && errno == EINTR);
  return Napi::Number::New(env, ret < 0 ? -errno : 0);
}

}  // namespace

Napi::Object FileLockExports(Napi::Env env) {
  Napi::Object exports = Napi::Object::New(env);
  exports.Set("tryLockExclusive", Napi::Function::New(env, TryLockExclusive, "tryLockExclusive"));
  return exports;
}

}  // namespace uring_loop
