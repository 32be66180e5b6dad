#include "iowq.h"

#include <liburing.h>
#include <sched.h>

#include <cerrno>
#include <limits>

#include "napi-util.h"
#include "ring.h"

namespace uring_loop {

namespace {

Napi::Value SetAffinity(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  io_uring* ring = info.Length() < 1 ? nullptr : Ring::LiveRaw(info[0]);
  if (!ring) return NegativeErrno(env, EBADF);
  if (info.Length() < 2 || !info[1].IsArray()) return NegativeErrno(env, EINVAL);
  const auto cpus = info[1].As<Napi::Array>();
  if (cpus.Length() == 0) return Napi::Number::New(env, io_uring_unregister_iowq_aff(ring));
  // The kernel takes CPUs that are not online, and workers restricted to them
  // would run anywhere: only CPUs this thread may run on are accepted.
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) return NegativeErrno(env, errno);
  cpu_set_t set;
  CPU_ZERO(&set);
  for (uint32_t i = 0; i < cpus.Length(); i++) {
    const Napi::Value cpu = cpus.Get(i);
    if (!cpu.IsNumber()) return NegativeErrno(env, EINVAL);
    const int64_t id = cpu.As<Napi::Number>().Int64Value();
    if (id < 0 || id >= CPU_SETSIZE || !CPU_ISSET(static_cast<int>(id), &allowed))
      return NegativeErrno(env, EINVAL);
    CPU_SET(static_cast<int>(id), &set);
  }
  return Napi::Number::New(env, io_uring_register_iowq_aff(ring, sizeof(set), &set));
}

Napi::Value SetMaxWorkers(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  io_uring* ring = info.Length() < 1 ? nullptr : Ring::LiveRaw(info[0]);
  if (!ring) return NegativeErrno(env, EBADF);
  if (info.Length() < 3 || !info[1].IsNumber() || !info[2].IsNumber())
    return NegativeErrno(env, EINVAL);
  unsigned values[2];
  for (int i = 0; i < 2; i++) {
    const int64_t v = info[1 + i].As<Napi::Number>().Int64Value();
    if (v < 0 || v > std::numeric_limits<int>::max()) return NegativeErrno(env, EINVAL);
    values[i] = static_cast<unsigned>(v);
  }
  // The kernel writes the previous limits back into `values`.
  const int ret = io_uring_register_iowq_max_workers(ring, values);
  if (ret < 0) return Napi::Number::New(env, ret);
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, Napi::Number::New(env, values[0]));
  out.Set(1u, Napi::Number::New(env, values[1]));
  return out;
}

}  // namespace

Napi::Object IowqExports(Napi::Env env) {
  Napi::Object exports = Napi::Object::New(env);
  exports.Set("setAffinity", Napi::Function::New(env, SetAffinity, "setAffinity"));
  exports.Set("setMaxWorkers", Napi::Function::New(env, SetMaxWorkers, "setMaxWorkers"));
  return exports;
}

}  // namespace uring_loop
