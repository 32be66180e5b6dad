// One io_uring instance bound to the libuv loop of the Node environment that
// created it. RingCore owns the kernel ring, the eventfd and the libuv
// handles, and outlives its JS handle (ring.h) until every handle is closed.
#pragma once

#include <liburing.h>
#include <napi.h>
#include <uv.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "op-table.h"
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
  void Attach(Ring* owner, napi_value callback, napi_value params, napi_value objs, napi_value cqes,
              napi_value counters);

  // Turns every entry of the staging area into SQEs and submits them.
  // Returns the count submitted or a negative errno (retried later).
  int Flush();
  // Holds the loop alive exactly while the staging area or the ring has work.
  void UpdateRef();
  // Starts an orderly close; the object deletes itself once libuv is done.
  void BeginClose();

  bool closing() const { return closing_; }
  io_uring* ring() { return &ring_; }
  unsigned setup_flags() const { return setup_flags_; }
  unsigned direct_files() const { return direct_files_; }

  Ring* owner = nullptr;

 private:
  static void OnPoll(uv_poll_t* handle, int status, int events);
  static void OnPrepare(uv_prepare_t* handle);
  static void OnRetry(uv_timer_t* handle);
  static void OnClosed(uv_handle_t* handle);
  static void OnEnvCleanup(napi_async_cleanup_hook_handle handle, void* arg);

  // Staging (staging.cc). Staging area -> SQEs, whole linked groups at a time;
  // returns entries taken. Pass false when the caller has a handle scope open.
  unsigned PrepStaged(bool own_scope = true);
  // Staged entry n (see protocol.h), and how many are staged and not yet taken.
  const double* EntryAt(uint64_t n) const;
  uint64_t Waiting() const;
  static uint64_t UserData(const double* p);

  // Submits the SQEs already in the ring.
  int Submit();
  // Makes the poll callback run soon (refused entries, round limit).
  void Kick();
  void Harvest();
  unsigned CopyCompletions();
  void DeliverToJs(unsigned count, napi_value callback, napi_value receiver);
  void EnterForEvents();
  void DrainForTeardown();
  void ScheduleRetry();
  void Finish();

  napi_env env_;
  uv_loop_t* loop_;
  io_uring ring_{};
  bool ring_ready_ = false;
  bool closing_ = false;
  bool defer_taskrun_ = false;
  bool taskrun_flag_ = false;
  /** IORING_FEAT_CQE_SKIP: IOSQE_CQE_SKIP_SUCCESS is honoured. */
  bool cqe_skip_ = false;
  bool refed_ = false;
  int event_fd_ = -1;
  int open_handles_ = 0;
  unsigned setup_flags_ = 0;
  unsigned direct_files_ = 0;
  unsigned sq_entries_ = 0;
  size_t stage_capacity_ = 0;  // entries that fit in the staging area
  uint64_t taken_ = 0;         // staged entries turned into SQEs (or refused)
  uint64_t pending_ = 0;       // SQEs prepared whose CQE has not been reaped
  unsigned staged_ = 0;        // SQEs prepared and not yet submitted
  unsigned retry_delay_ms_ = 0;
  // Entries refused at flush: (user_data, -errno), delivered as completions.
  std::vector<std::pair<uint64_t, int32_t>> refused_;
  std::vector<ResolvedEntry> entries_;  // scratch for one linked group
  // Test-only submit failures (URING_LOOP_FAULT_SUBMIT): every fault_every_-th flush fails.
  int fault_errno_ = 0;
  unsigned fault_every_ = 0;
  unsigned flushes_ = 0;

  uv_poll_t poll_{};
  uv_prepare_t prepare_{};
  uv_timer_t retry_{};

  // JS side: the completion callback, the staging area and its object slots,
  // the completion array and the counters.
  napi_ref callback_ = nullptr;
  napi_ref params_ref_ = nullptr;
  napi_ref objs_ref_ = nullptr;
  napi_ref cqes_ref_ = nullptr;
  napi_ref counters_ref_ = nullptr;
  napi_async_context async_context_ = nullptr;
  double* params_ = nullptr;
  int32_t* cqes_ = nullptr;
  size_t cqe_capacity_ = 0;  // completions that fit in cqes_
  double* counters_ = nullptr;
  napi_async_cleanup_hook_handle cleanup_hook_ = nullptr;
};

}  // namespace uring_loop
