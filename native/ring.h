// One io_uring instance bound to the libuv loop of the Node environment that
// created it. The JS object (Ring) is a thin handle; RingCore owns the kernel
// ring, the eventfd and the libuv handles, and outlives the JS object until
// every handle has been closed.
#pragma once

#include <liburing.h>
#include <napi.h>
#include <uv.h>

#include <cstdint>

#include "setup.h"

namespace uring_loop {

class Ring;

class RingCore {
 public:
  RingCore(napi_env env, uv_loop_t* loop);
  RingCore(const RingCore&) = delete;
  RingCore& operator=(const RingCore&) = delete;

  // Returns 0 or a negative errno (setup, eventfd or libuv failure).
  int Open(const SetupOptions& options, unsigned direct_files);
  void Attach(Ring* owner, napi_value callback, napi_value params, napi_value cqes,
              napi_value counters);

  // Hot path: fills one SQE from the shared parameter block. Returns 0, or
  // -EBUSY when the SQ is full, or -EINVAL when the arguments do not fit.
  int Prep(napi_env env, napi_value a, napi_value b);
  // Submits every staged SQE. Returns the count submitted or a negative errno.
  int Flush();
  // Makes room for `n` SQEs in one submission, flushing if needed.
  bool Reserve(unsigned n);
  // Starts an orderly close; the object deletes itself once libuv is done.
  void BeginClose();

  bool closing() const { return closing_; }
  io_uring* ring() { return &ring_; }
  unsigned setup_flags() const { return setup_flags_; }
  unsigned direct_files() const { return direct_files_; }
  unsigned cq_capacity() const { return cq_capacity_; }

  Ring* owner = nullptr;

 private:
  static void OnPoll(uv_poll_t* handle, int status, int events);
  static void OnPrepare(uv_prepare_t* handle);
  static void OnRetry(uv_timer_t* handle);
  static void OnClosed(uv_handle_t* handle);
  static void OnEnvCleanup(napi_async_cleanup_hook_handle handle, void* arg);

  void Harvest();
  unsigned CopyCompletions();
  void DeliverToJs(unsigned count);
  void EnterForEvents();
  void UpdateRef();
  void DrainForTeardown();
  void ScheduleRetry();
  void Finish();

  napi_env env_;
  uv_loop_t* loop_;
  io_uring ring_{};
  bool ring_ready_ = false;
  bool closing_ = false;
  bool defer_taskrun_ = false;
  bool refed_ = false;
  int event_fd_ = -1;
  int open_handles_ = 0;
  unsigned setup_flags_ = 0;
  unsigned direct_files_ = 0;
  unsigned cq_capacity_ = 0;
  uint64_t pending_ = 0;  // SQEs prepared whose CQE has not been reaped
  unsigned staged_ = 0;   // SQEs prepared and not yet submitted
  unsigned retry_delay_ms_ = 0;
  // Test-only submit failures (URING_LOOP_FAULT_SUBMIT): every fault_every_-th flush fails.
  int fault_errno_ = 0;
  unsigned fault_every_ = 0;
  unsigned flushes_ = 0;

  uv_poll_t poll_{};
  uv_prepare_t prepare_{};
  uv_timer_t retry_{};

  // JS side: the completion callback and the three shared typed arrays.
  napi_ref callback_ = nullptr;
  napi_ref params_ref_ = nullptr;
  napi_ref cqes_ref_ = nullptr;
  napi_ref counters_ref_ = nullptr;
  napi_async_context async_context_ = nullptr;
  const double* params_ = nullptr;
  int32_t* cqes_ = nullptr;
  size_t cqe_capacity_ = 0;  // completions that fit in cqes_
  double* counters_ = nullptr;
  napi_async_cleanup_hook_handle cleanup_hook_ = nullptr;
};

class Ring : public Napi::ObjectWrap<Ring> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit Ring(const Napi::CallbackInfo& info);
  ~Ring() override;

  RingCore* core = nullptr;

 private:
  Napi::Value Prep(const Napi::CallbackInfo& info);
  Napi::Value Submit(const Napi::CallbackInfo& info);
  Napi::Value Reserve(const Napi::CallbackInfo& info);
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  RingCore* Live(Napi::Env env);
};

}  // namespace uring_loop
