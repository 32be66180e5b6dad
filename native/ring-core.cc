#include "ring-core.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>

#include "napi-util.h"
#include "protocol.h"
#include "ring.h"

namespace uring_loop {

namespace {

// Completion rounds per poll callback before yielding back to libuv, so a
// stream of ops that complete inline cannot starve timers and other handles.
constexpr int kMaxRounds = 16;
// Longest a teardown may wait for the kernel to return cancelled requests.
constexpr auto kTeardownWait = std::chrono::milliseconds(1000);
// user_data of the cancel-everything request issued at teardown.
constexpr uint64_t kTeardownUserData = ~0ULL;

// Test-only fault injection, read once per ring: URING_LOOP_FAULT_SUBMIT=EAGAIN:3 makes every
// third submit fail as if the kernel had refused it with EAGAIN (also ENOMEM, EBUSY, EINTR).
void ParseSubmitFault(const char* spec, int* err, unsigned* every) {
  static const struct {
    const char* name;
    int value;
  } kTransient[] = {{"EAGAIN", EAGAIN}, {"ENOMEM", ENOMEM}, {"EBUSY", EBUSY}, {"EINTR", EINTR}};
  const char* colon = spec ? std::strchr(spec, ':') : nullptr;
  if (!colon) return;
  const std::string name(spec, colon);
  const long n = std::strtol(colon + 1, nullptr, 10);
  for (const auto& t : kTransient) {
    if (name == t.name && n > 0) {
      *err = t.value;
      *every = static_cast<unsigned>(n);
    }
  }
}

}  // namespace

RingCore::RingCore(napi_env env, uv_loop_t* loop) : env_(env), loop_(loop) {}

int RingCore::Open(const SetupOptions& options, unsigned direct_files) {
  int ret = SetupRing(&ring_, options, &setup_flags_);
  if (ret < 0) return ret;
  ParseSubmitFault(getenv("URING_LOOP_FAULT_SUBMIT"), &fault_errno_, &fault_every_);
  ring_ready_ = true;
  defer_taskrun_ = (setup_flags_ & IORING_SETUP_DEFER_TASKRUN) != 0;
  // The kernel marks pending task work in the SQ flags.
  taskrun_flag_ = (setup_flags_ & IORING_SETUP_TASKRUN_FLAG) != 0;
  cqe_skip_ = (ring_.features & IORING_FEAT_CQE_SKIP) != 0;

  event_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (event_fd_ < 0) ret = -errno;
  if (ret == 0) ret = io_uring_register_eventfd(&ring_, event_fd_);
  if (ret == 0) {
    // Saves an fd lookup per io_uring_enter; harmless where unsupported.
    io_uring_register_ring_fd(&ring_);
    if (direct_files > 0 && io_uring_register_files_sparse(&ring_, direct_files) == 0) {
      direct_files_ = direct_files;
    }
    sq_entries_ = *ring_.sq.kring_entries;
    ret = uv_poll_init(loop_, &poll_, event_fd_);
  }
  if (ret < 0) {
    if (event_fd_ >= 0) close(event_fd_);
    event_fd_ = -1;
    io_uring_queue_exit(&ring_);
    ring_ready_ = false;
    return ret;
  }
  poll_.data = this;
  uv_poll_start(&poll_, UV_READABLE, OnPoll);
  uv_unref(reinterpret_cast<uv_handle_t*>(&poll_));
  uv_prepare_init(loop_, &prepare_);
  prepare_.data = this;
  uv_prepare_start(&prepare_, OnPrepare);
  uv_unref(reinterpret_cast<uv_handle_t*>(&prepare_));
  uv_timer_init(loop_, &retry_);
  retry_.data = this;
  uv_unref(reinterpret_cast<uv_handle_t*>(&retry_));
  open_handles_ = 3;
  napi_add_async_cleanup_hook(env_, OnEnvCleanup, this, &cleanup_hook_);
  return 0;
}

void RingCore::Attach(Ring* owner_object, napi_value callback, napi_value params, napi_value objs,
                      napi_value cqes, napi_value counters) {
  owner = owner_object;
  napi_create_reference(env_, callback, 1, &callback_);
  napi_create_reference(env_, params, 1, &params_ref_);
  napi_create_reference(env_, objs, 1, &objs_ref_);
  napi_create_reference(env_, cqes, 1, &cqes_ref_);
  napi_create_reference(env_, counters, 1, &counters_ref_);
  View view;
  GetView(env_, params, &view);
  params_ = reinterpret_cast<double*>(view.data);
  stage_capacity_ = view.length / (sizeof(double) * kParamCount);
  GetView(env_, cqes, &view);
  cqes_ = reinterpret_cast<int32_t*>(view.data);
  cqe_capacity_ = view.length / (sizeof(int32_t) * kCqeStride);
  GetView(env_, counters, &view);
  counters_ = reinterpret_cast<double*>(view.data);

  napi_value resource, name;
  napi_create_object(env_, &resource);
  napi_create_string_utf8(env_, "uring-loop:completion", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env_, resource, name, &async_context_);
}

void RingCore::Kick() {
  const uint64_t one = 1;
  ssize_t ignored = write(event_fd_, &one, sizeof(one));
  (void)ignored;
}

int RingCore::Flush() {
  if (closing_) return 0;
  PrepStaged();
  const int ret = Submit();
  UpdateRef();
  return ret;
}

int RingCore::Submit() {
  if (staged_ == 0 || closing_) return 0;
  const int ret = fault_every_ != 0 && ++flushes_ % fault_every_ == 0 ? -fault_errno_
                  : defer_taskrun_ ? io_uring_submit_and_get_events(&ring_)
                                   : io_uring_submit(&ring_);
  counters_[kCounterEnterCalls]++;
  if (ret < 0) {
    // EAGAIN, ENOMEM, EBUSY and EINTR are transient: the SQEs stay in the
    // ring and go in with the next submission. Nothing is failed or dropped.
    counters_[kCounterSubmitRetries]++;
    ScheduleRetry();
    return ret;
  }
  counters_[kCounterSubmitCalls]++;
  counters_[kCounterSqesSubmitted] += ret;
  staged_ -= std::min<unsigned>(staged_, static_cast<unsigned>(ret));
  if (staged_ > 0) ScheduleRetry();
  return ret;
}

void RingCore::EnterForEvents() {
  if (staged_ > 0 || Waiting() > 0) {
    PrepStaged(false);
    Submit();
  } else if (taskrun_flag_ && (IO_URING_READ_ONCE(*ring_.sq.kflags) & IORING_SQ_TASKRUN)) {
    // Completions waiting as task work (sockets, deferred io-wq results) are
    // posted now and reaped in this round.
    io_uring_get_events(&ring_);
    counters_[kCounterEnterCalls]++;
  }
}

unsigned RingCore::CopyCompletions() {
  unsigned total = 0;
  // Entries the addon refused complete first, as the kernel would have
  // completed them: one CQE each, with the error.
  size_t taken = 0;
  for (; taken < refused_.size() && total < cqe_capacity_; taken++, total++) {
    int32_t* out = cqes_ + total * kCqeStride;
    out[kCqeSlot] = static_cast<int32_t>(refused_[taken].first & 0xffffffffu);
    out[kCqeTag] = static_cast<int32_t>(refused_[taken].first >> 32);
    out[kCqeRes] = refused_[taken].second;
    out[kCqeFlags] = 0;
  }
  refused_.erase(refused_.begin(), refused_.begin() + static_cast<std::ptrdiff_t>(taken));
  // CQEs that end their request (a multishot one sets F_MORE until its last).
  unsigned finals = static_cast<unsigned>(taken);
  io_uring_cqe* batch[64];
  while (total < cqe_capacity_) {
    const unsigned want = std::min<unsigned>(64, static_cast<unsigned>(cqe_capacity_ - total));
    const unsigned got = io_uring_peek_batch_cqe(&ring_, batch, want);
    if (got == 0) break;
    for (unsigned i = 0; i < got; i++) {
      int32_t* out = cqes_ + (total + i) * kCqeStride;
      out[kCqeSlot] = static_cast<int32_t>(batch[i]->user_data & 0xffffffffu);
      out[kCqeTag] = static_cast<int32_t>(batch[i]->user_data >> 32);
      out[kCqeRes] = batch[i]->res;
      out[kCqeFlags] = static_cast<int32_t>(batch[i]->flags);
      if (!(batch[i]->flags & IORING_CQE_F_MORE)) finals++;
    }
    io_uring_cq_advance(&ring_, got);
    total += got;
  }
  pending_ -= std::min<uint64_t>(pending_, finals);
  counters_[kCounterCqesReaped] += total;
  return total;
}

void RingCore::DeliverToJs(unsigned count, napi_value callback, napi_value receiver) {
  napi_value argv[1], result;
  napi_create_uint32(env_, count, &argv[0]);
  counters_[kCounterHarvests]++;
  // make_callback drains the microtask queue on return, so ops queued by the
  // continuations of these completions are staged before we flush below.
  const napi_status status =
      napi_make_callback(env_, async_context_, receiver, callback, 1, argv, &result);
  if (status == napi_pending_exception) {
    napi_value exception;
    napi_get_and_clear_last_exception(env_, &exception);
    napi_fatal_exception(env_, exception);
  }
}

void RingCore::Harvest() {
  uint64_t value;
  // Reset the eventfd first: anything posted after this read signals again.
  while (read(event_fd_, &value, sizeof(value)) < 0 && errno == EINTR) {
  }
  // One handle scope for the whole harvest: opening one costs an allocation.
  napi_handle_scope scope;
  if (napi_open_handle_scope(env_, &scope) != napi_ok) return;
  // While we reap, our own submits would signal the eventfd for completions
  // we are about to copy anyway; the check at the end covers what arrives.
  io_uring_cq_eventfd_toggle(&ring_, false);
  napi_value callback = nullptr, receiver = nullptr;
  napi_get_reference_value(env_, callback_, &callback);
  napi_get_global(env_, &receiver);
  for (int round = 0; round < kMaxRounds && !closing_; round++) {
    EnterForEvents();
    const unsigned count = CopyCompletions();
    if (count == 0) break;
    DeliverToJs(count, callback, receiver);
  }
  if (!closing_) {
    PrepStaged(false);
    Submit();
  }
  napi_close_handle_scope(env_, scope);
  if (closing_) return;
  io_uring_cq_eventfd_toggle(&ring_, true);
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  // Completions left by the round limit, or that arrived while the eventfd
  // was off: come back after libuv has run its other handles.
  const bool task_work =
      defer_taskrun_ && (IO_URING_READ_ONCE(*ring_.sq.kflags) & IORING_SQ_TASKRUN);
  if (io_uring_cq_ready(&ring_) > 0 || !refused_.empty() || task_work) Kick();
  UpdateRef();
}

void RingCore::UpdateRef() {
  const bool want = pending_ > 0 || Waiting() > 0;
  if (want == refed_ || closing_) return;
  refed_ = want;
  counters_[kCounterRefed] = want ? 1 : 0;
  if (want) {
    uv_ref(reinterpret_cast<uv_handle_t*>(&poll_));
  } else {
    uv_unref(reinterpret_cast<uv_handle_t*>(&poll_));
  }
}

void RingCore::ScheduleRetry() {
  if (uv_is_active(reinterpret_cast<uv_handle_t*>(&retry_))) return;
  retry_delay_ms_ = retry_delay_ms_ == 0 ? 1 : std::min(retry_delay_ms_ * 2, 100u);
  uv_timer_start(&retry_, OnRetry, retry_delay_ms_, 0);
}

void RingCore::OnRetry(uv_timer_t* handle) {
  auto* self = static_cast<RingCore*>(handle->data);
  if (self->closing_) return;
  if (self->Flush() >= 0 && self->staged_ == 0 && self->Waiting() == 0) self->retry_delay_ms_ = 0;
}

void RingCore::OnPoll(uv_poll_t* handle, int status, int /*events*/) {
  auto* self = static_cast<RingCore*>(handle->data);
  if (self->closing_ || status < 0) return;
  self->Harvest();
}

void RingCore::OnPrepare(uv_prepare_t* handle) {
  // The last flush point before libuv may block: no staged op is stranded.
  auto* self = static_cast<RingCore*>(handle->data);
  if (!self->closing_ && (self->staged_ > 0 || self->Waiting() > 0)) self->Flush();
}

void RingCore::DrainForTeardown() {
  // Refused entries never reached the kernel: nothing to wait for.
  pending_ -= std::min<uint64_t>(pending_, refused_.size());
  refused_.clear();
  if (pending_ == 0) return;
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  if (!sqe) {
    io_uring_submit(&ring_);
    sqe = io_uring_get_sqe(&ring_);
  }
  if (sqe) {
    io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
    sqe->user_data = kTeardownUserData;
    pending_++;
  }
  io_uring_submit(&ring_);
  // Bounded wait: the kernel returns cancelled requests promptly; a request
  // that cannot be cancelled is torn down by io_uring_queue_exit.
  const auto deadline = std::chrono::steady_clock::now() + kTeardownWait;
  while (pending_ > 0 && std::chrono::steady_clock::now() < deadline) {
    __kernel_timespec ts{0, 20 * 1000 * 1000};
    io_uring_cqe* cqe = nullptr;
    const int ret = io_uring_wait_cqe_timeout(&ring_, &cqe, &ts);
    if (ret == 0 && cqe) {
      if (!(cqe->flags & IORING_CQE_F_MORE)) pending_--;
      io_uring_cqe_seen(&ring_, cqe);
    } else if (ret != -ETIME && ret != -EINTR && ret != -EAGAIN) {
      break;
    }
  }
}

void RingCore::BeginClose() {
  if (closing_) return;
  closing_ = true;
  if (ring_ready_) {
    DrainForTeardown();
    io_uring_queue_exit(&ring_);
    ring_ready_ = false;
  }
  if (event_fd_ >= 0) {
    uv_poll_stop(&poll_);
    close(event_fd_);
    event_fd_ = -1;
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&poll_), OnClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&prepare_), OnClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&retry_), OnClosed);
}

void RingCore::OnClosed(uv_handle_t* handle) {
  auto* self = static_cast<RingCore*>(handle->data);
  if (--self->open_handles_ == 0) self->Finish();
}

void RingCore::OnEnvCleanup(napi_async_cleanup_hook_handle /*handle*/, void* arg) {
  // Worker exit or environment teardown: close without calling into JS; the
  // hook is released from Finish once libuv has closed our handles.
  static_cast<RingCore*>(arg)->BeginClose();
}

void RingCore::Finish() {
  if (owner) owner->core = nullptr;
  for (napi_ref* ref : {&callback_, &params_ref_, &objs_ref_, &cqes_ref_, &counters_ref_}) {
    if (*ref) napi_delete_reference(env_, *ref);
    *ref = nullptr;
  }
  if (async_context_) napi_async_destroy(env_, async_context_);
  async_context_ = nullptr;
  napi_async_cleanup_hook_handle hook = cleanup_hook_;
  cleanup_hook_ = nullptr;
  delete this;
  // Last: removing the hook lets a terminating environment finish.
  if (hook) napi_remove_async_cleanup_hook(hook);
}

}  // namespace uring_loop
