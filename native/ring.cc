#include "ring.h"

#include <cerrno>

#include "napi-util.h"
#include "op-table.h"
#include "protocol.h"
#include "ring-core.h"
#include "setup.h"

namespace uring_loop {

namespace {

// Marks the objects open() made, so a helper given any other object refuses it.
constexpr napi_type_tag kRingTag = {0x8f3c2a51d7e94b06ULL, 0x2b71e0c94a6d35f8ULL};

}  // namespace

Napi::Function Ring::Define(Napi::Env env) {
  Napi::Function ctor = DefineClass(env, "NativeRing",
                                    {
                                        StaticMethod<&Ring::Open>("open"),
                                        InstanceMethod<&Ring::Flush>("flush"),
                                        InstanceMethod<&Ring::Ref>("ref"),
                                        InstanceMethod<&Ring::Info>("info"),
                                        InstanceMethod<&Ring::Close>("close"),
                                    });
  // open() makes its objects through the class of its own environment.
  env.SetInstanceData(new Napi::FunctionReference(Napi::Persistent(ctor)));
  return ctor;
}

Ring::Ring(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Ring>(info) {}

Ring::~Ring() {
  if (core) {
    core->owner = nullptr;
    core->BeginClose();
    core = nullptr;
  }
}

// NativeRing.open(options, onComplete, params: Float64Array, objs: Array, cqes: Int32Array,
//                 counters: Float64Array)
Napi::Value Ring::Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 6 || !info[0].IsObject() || !info[1].IsFunction() ||
      !info[2].IsTypedArray() || !info[3].IsArray() || !info[4].IsTypedArray() ||
      !info[5].IsTypedArray()) {
    return NegativeErrno(env, EINVAL);
  }
  const auto params = info[2].As<Napi::TypedArray>();
  const auto objs = info[3].As<Napi::Array>();
  const auto cqes = info[4].As<Napi::TypedArray>();
  const auto counters = info[5].As<Napi::TypedArray>();
  if (params.TypedArrayType() != napi_float64_array || params.ElementLength() < kParamCount ||
      params.ElementLength() % kParamCount != 0 ||
      objs.Length() < 2 * (params.ElementLength() / kParamCount) ||
      cqes.TypedArrayType() != napi_int32_array || cqes.ElementLength() < kCqeStride ||
      counters.TypedArrayType() != napi_float64_array || counters.ElementLength() < kCounterCount) {
    return NegativeErrno(env, EINVAL);
  }
  Napi::Object options = info[0].As<Napi::Object>();
  auto number = [&](const char* key, double fallback) {
    Napi::Value value = options.Get(key);
    return value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : fallback;
  };
  SetupOptions setup;
  setup.entries = static_cast<unsigned>(number("entries", 256));
  setup.cq_entries = static_cast<unsigned>(number("cqEntries", 0));
  setup.sqpoll = options.Get("sqpoll").ToBoolean();
  setup.sqpoll_idle_ms = static_cast<unsigned>(number("sqpollIdleMs", 1000));
  setup.defer_taskrun = options.Get("deferTaskrun").ToBoolean();
  const unsigned direct_files = static_cast<unsigned>(number("directFiles", 0));

  uv_loop_t* loop = nullptr;
  auto* ctor = env.GetInstanceData<Napi::FunctionReference>();
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || !loop || !ctor) {
    return NegativeErrno(env, EINVAL);
  }
  // The handle first: once the core is open, nothing can fail before it is attached.
  Napi::Object object = ctor->New({});
  Ring* ring = Ring::Unwrap(object);
  if (napi_type_tag_object(env, object, &kRingTag) != napi_ok) return NegativeErrno(env, EINVAL);
  auto* created = new RingCore(env, loop);
  const int ret = created->Open(setup, direct_files);
  if (ret < 0) {
    delete created;
    return Napi::Number::New(env, ret);
  }
  created->Attach(ring, info[1], params, objs, cqes, counters);
  ring->core = created;
  return object;
}

RingCore* Ring::Live() const { return core && !core->closing() ? core : nullptr; }

Napi::Value Ring::Flush(const Napi::CallbackInfo& info) {
  RingCore* ring = Live();
  if (!ring) return NegativeErrno(info.Env(), EBADF);
  return Napi::Number::New(info.Env(), ring->Flush());
}

// Called when the scheduler stages work while the loop is not held alive.
Napi::Value Ring::Ref(const Napi::CallbackInfo& info) {
  if (RingCore* ring = Live()) ring->UpdateRef();
  return info.Env().Undefined();
}

io_uring* Ring::LiveRaw(const Napi::Value& value) {
  napi_env env = value.Env();
  bool tagged = false;
  void* wrapped = nullptr;
  if (!value.IsObject() || napi_check_object_type_tag(env, value, &kRingTag, &tagged) != napi_ok ||
      !tagged || napi_unwrap(env, value, &wrapped) != napi_ok || !wrapped)
    return nullptr;
  RingCore* ring = static_cast<Ring*>(wrapped)->Live();
  return ring ? ring->ring() : nullptr;
}

Napi::Value Ring::Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RingCore* ring = Live();
  if (!ring) return NegativeErrno(env, EBADF);
  io_uring* raw = ring->ring();
  Napi::Object out = Napi::Object::New(env);
  out.Set("setupFlags", ring->setup_flags());
  out.Set("features", raw->features);
  out.Set("sqEntries", *raw->sq.kring_entries);
  out.Set("cqEntries", *raw->cq.kring_entries);
  out.Set("directFiles", ring->direct_files());
  // Opcodes the kernel runs and this addon can fill: supports() must not promise an op that
  // staging would refuse.
  Napi::Array opcodes = Napi::Array::New(env);
  if (io_uring_probe* probe = io_uring_get_probe_ring(raw)) {
    uint32_t n = 0;
    for (int op = 0; op <= probe->last_op; op++) {
      if (io_uring_opcode_supported(probe, op) && FindOp(op)) opcodes.Set(n++, op);
    }
    io_uring_free_probe(probe);
  }
  out.Set("opcodes", opcodes);
  return out;
}

Napi::Value Ring::Close(const Napi::CallbackInfo& info) {
  if (core) core->BeginClose();
  return info.Env().Undefined();
}

}  // namespace uring_loop
