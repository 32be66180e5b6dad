#include "ring.h"

#include <sys/eventfd.h>
#include <unistd.h>
#include <cstdlib>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>

#include "net-prep.h"
#include "protocol.h"
#include "sqe.h"

namespace uring_loop {

namespace {

// Completion rounds per poll callback before yielding back to libuv, so a
// stream of ops that complete inline cannot starve timers and other handles.
constexpr int kMaxRounds = 16;
// Longest a teardown may wait for the kernel to return cancelled requests.
constexpr auto kTeardownWait = std::chrono::milliseconds(1000);
// user_data of the cancel-everything request issued at teardown.
constexpr uint64_t kTeardownUserData = ~0ULL;
constexpr uint8_t kAllowedSqeFlags = IOSQE_FIXED_FILE | IOSQE_IO_DRAIN | IOSQE_IO_LINK |
                                     IOSQE_IO_HARDLINK | IOSQE_ASYNC | IOSQE_CQE_SKIP_SUCCESS;

size_t ElementSize(napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array:
    case napi_uint8_array:
    case napi_uint8_clamped_array:
      return 1;
    case napi_int16_array:
    case napi_uint16_array:
      return 2;
    case napi_int32_array:
    case napi_uint32_array:
    case napi_float32_array:
      return 4;
    default:
      return 8;
  }
}

// Reads the memory behind a TypedArray, DataView or ArrayBuffer. A detached
// buffer yields a null pointer and length 0.
bool GetView(napi_env env, napi_value value, View* out) {
  bool is = false;
  if (napi_is_typedarray(env, value, &is) == napi_ok && is) {
    napi_typedarray_type type;
    size_t length;
    void* data;
    if (napi_get_typedarray_info(env, value, &type, &length, &data, nullptr, nullptr) != napi_ok)
      return false;
    out->data = static_cast<uint8_t*>(data);
    out->length = data ? length * ElementSize(type) : 0;
    return true;
  }
  if (napi_is_dataview(env, value, &is) == napi_ok && is) {
    size_t length;
    void* data;
    if (napi_get_dataview_info(env, value, &length, &data, nullptr, nullptr) != napi_ok)
      return false;
    out->data = static_cast<uint8_t*>(data);
    out->length = data ? length : 0;
    return true;
  }
  if (napi_is_arraybuffer(env, value, &is) == napi_ok && is) {
    size_t length;
    void* data;
    if (napi_get_arraybuffer_info(env, value, &data, &length) != napi_ok) return false;
    out->data = static_cast<uint8_t*>(data);
    out->length = data ? length : 0;
    return true;
  }
  return false;
}

// A path argument is a NUL-terminated byte buffer prepared by the scheduler.
const char* GetPath(napi_env env, napi_value value) {
  View view;
  if (!value || !GetView(env, value, &view) || view.length == 0 || !view.data) return nullptr;
  if (view.data[view.length - 1] != 0) return nullptr;
  return reinterpret_cast<const char*>(view.data);
}

uint64_t FilePosition(double value) {
  return value < 0 ? static_cast<uint64_t>(-1) : static_cast<uint64_t>(value);
}

std::string ErrnoName(int err) {
  switch (err) {
    case EPERM: return "EPERM";
    case ENOSYS: return "ENOSYS";
    case ENOMEM: return "ENOMEM";
    case EINVAL: return "EINVAL";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case EFAULT: return "EFAULT";
    case EACCES: return "EACCES";
    default: return "E" + std::to_string(err);
  }
}

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

Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall) {
  std::string message = ErrnoName(err) + ": " + std::strerror(err) + ", " + syscall;
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("errno", Napi::Number::New(env, -err));
  error.Set("code", Napi::String::New(env, ErrnoName(err)));
  error.Set("syscall", Napi::String::New(env, syscall));
  return error;
}

}  // namespace

// ---------------------------------------------------------------------------
// RingCore

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
    cq_capacity_ = *ring_.cq.kring_entries;
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

// Which object slots an opcode reads: 0 none, 1 the first, 2 both.
static int ObjectsUsed(int opcode) {
  switch (opcode) {
    case IORING_OP_READ:
    case IORING_OP_WRITE:
    case IORING_OP_OPENAT:
    case IORING_OP_UNLINKAT:
    case IORING_OP_MKDIRAT:
    case IORING_OP_TIMEOUT:
    case IORING_OP_LINK_TIMEOUT:
      return 1;
    case IORING_OP_READV:
    case IORING_OP_WRITEV:
    case IORING_OP_RENAMEAT:
    case IORING_OP_STATX:
      return 2;
    default:
      return IsNetOpcode(opcode) ? 2 : 0;
  }
}

int RingCore::Resolve(napi_env env, const double* p, napi_value a, napi_value b, Entry* out) {
  const int opcode = static_cast<int>(p[kParamOpcode]);
  const double len = p[kParamLen];
  out->p = p;
  out->path = nullptr;
  out->path2 = nullptr;
  switch (opcode) {
    case IORING_OP_READ:
    case IORING_OP_WRITE: {
      if (!GetView(env, a, &out->first)) return -EINVAL;
      const double start = p[kParamBufOffset];
      if (start < 0 || len < 0 || start + len > static_cast<double>(out->first.length))
        return -EINVAL;
      if (len > 0 && !out->first.data) return -EINVAL;
      return 0;
    }
    case IORING_OP_READV:
    case IORING_OP_WRITEV: {
      if (!GetView(env, a, &out->first) || !out->first.data) return -EINVAL;
      if (len < 1 || len * sizeof(iovec) > out->first.length) return -EINVAL;
      iovec* iov = reinterpret_cast<iovec*>(out->first.data);
      const uint32_t count = static_cast<uint32_t>(len);
      for (uint32_t i = 0; i < count; i++) {
        napi_value element;
        View part;
        if (napi_get_element(env, b, i, &element) != napi_ok || !GetView(env, element, &part))
          return -EINVAL;
        iov[i].iov_base = part.data;
        iov[i].iov_len = part.length;
      }
      return 0;
    }
    case IORING_OP_OPENAT:
    case IORING_OP_UNLINKAT:
    case IORING_OP_MKDIRAT:
      return (out->path = GetPath(env, a)) ? 0 : -EINVAL;
    case IORING_OP_RENAMEAT:
      return (out->path = GetPath(env, a)) && (out->path2 = GetPath(env, b)) ? 0 : -EINVAL;
    case IORING_OP_STATX: {
      if (!GetView(env, a, &out->first) || !out->first.data ||
          out->first.length < sizeof(struct statx))
        return -EINVAL;
      out->path = "";
      napi_valuetype type;
      if (b && napi_typeof(env, b, &type) == napi_ok && type != napi_undefined) {
        if (!(out->path = GetPath(env, b))) return -EINVAL;
      }
      return 0;
    }
    case IORING_OP_TIMEOUT:
    case IORING_OP_LINK_TIMEOUT:
      if (!GetView(env, a, &out->first) || !out->first.data ||
          out->first.length < sizeof(__kernel_timespec))
        return -EINVAL;
      return 0;
    case IORING_OP_NOP:
    case IORING_OP_FSYNC:
    case IORING_OP_FALLOCATE:
    case IORING_OP_CLOSE:
    case IORING_OP_ASYNC_CANCEL:
    case kOpFtruncate:
      return 0;
    default:
      if (!IsNetOpcode(opcode)) return -EINVAL;
      return ResolveNet(env, opcode, p, a, b, &out->net);
  }
}

void RingCore::Fill(io_uring_sqe* sqe, const Entry& e) {
  const double* p = e.p;
  const int opcode = static_cast<int>(p[kParamOpcode]);
  const int fd = static_cast<int>(p[kParamFd]);
  const double len = p[kParamLen];
  const unsigned op_flags = static_cast<unsigned>(p[kParamOpFlags]);
  switch (opcode) {
    case IORING_OP_NOP:
      PrepNop(sqe);
      break;
    case IORING_OP_READ:
      PrepRead(sqe, fd, e.first.data + static_cast<size_t>(p[kParamBufOffset]),
               static_cast<unsigned>(len), FilePosition(p[kParamOffset]));
      break;
    case IORING_OP_WRITE:
      PrepWrite(sqe, fd, e.first.data + static_cast<size_t>(p[kParamBufOffset]),
                static_cast<unsigned>(len), FilePosition(p[kParamOffset]));
      break;
    case IORING_OP_READV:
      PrepReadv(sqe, fd, reinterpret_cast<iovec*>(e.first.data), static_cast<unsigned>(len),
                FilePosition(p[kParamOffset]));
      break;
    case IORING_OP_WRITEV:
      PrepWritev(sqe, fd, reinterpret_cast<iovec*>(e.first.data), static_cast<unsigned>(len),
                 FilePosition(p[kParamOffset]));
      break;
    case IORING_OP_FSYNC:
      PrepFsync(sqe, fd, op_flags);
      break;
    case IORING_OP_FALLOCATE:
      PrepFallocate(sqe, fd, static_cast<int>(len), static_cast<uint64_t>(p[kParamOffset]),
                    static_cast<uint64_t>(p[kParamX1]));
      break;
    case kOpFtruncate:
      PrepFtruncate(sqe, fd, static_cast<uint64_t>(p[kParamOffset]));
      break;
    case IORING_OP_OPENAT:
      PrepOpenat(sqe, e.path, static_cast<int>(op_flags), static_cast<unsigned>(len),
                 static_cast<unsigned>(p[kParamFileIndex]));
      break;
    case IORING_OP_CLOSE:
      PrepClose(sqe, fd, static_cast<unsigned>(p[kParamFileIndex]));
      break;
    case IORING_OP_STATX:
      PrepStatx(sqe, fd, e.path, static_cast<int>(op_flags), static_cast<unsigned>(len),
                reinterpret_cast<struct statx*>(e.first.data));
      break;
    case IORING_OP_RENAMEAT:
      PrepRenameat(sqe, e.path, e.path2, op_flags);
      break;
    case IORING_OP_UNLINKAT:
      PrepUnlinkat(sqe, e.path, static_cast<int>(op_flags));
      break;
    case IORING_OP_MKDIRAT:
      PrepMkdirat(sqe, e.path, static_cast<unsigned>(len));
      break;
    case IORING_OP_TIMEOUT:
    case IORING_OP_LINK_TIMEOUT: {
      auto* ts = reinterpret_cast<__kernel_timespec*>(e.first.data);
      const double ms = std::max(0.0, p[kParamX1]);
      ts->tv_sec = static_cast<int64_t>(ms / 1000);
      ts->tv_nsec = static_cast<long long>((ms - static_cast<double>(ts->tv_sec) * 1000) * 1e6);
      if (opcode == IORING_OP_TIMEOUT) {
        PrepTimeout(sqe, ts, op_flags);
      } else {
        PrepLinkTimeout(sqe, ts);
      }
      break;
    }
    case IORING_OP_ASYNC_CANCEL: {
      const uint64_t target = (static_cast<uint64_t>(static_cast<uint32_t>(p[kParamX2])) << 32) |
                              static_cast<uint32_t>(p[kParamX1]);
      PrepCancel(sqe, target, op_flags);
      break;
    }
    default:
      FillNet(sqe, opcode, p, e.net);
      break;
  }
  sqe->flags |= static_cast<uint8_t>(p[kParamSqeFlags]) & kAllowedSqeFlags;
  sqe->user_data = UserData(p);
}

uint64_t RingCore::UserData(const double* p) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(p[kParamTag])) << 32) |
         static_cast<uint32_t>(p[kParamSlot]);
}

const double* RingCore::EntryAt(uint64_t n) const {
  return params_ + static_cast<size_t>(n % stage_capacity_) * kParamCount;
}

uint64_t RingCore::Waiting() const {
  // Written by JS: never trusted beyond the area's capacity (NaN reads as 0).
  const double ahead = counters_[kCounterEntriesStaged] - static_cast<double>(taken_);
  return ahead > 0 ? static_cast<uint64_t>(std::min(ahead, static_cast<double>(stage_capacity_)))
                   : 0;
}

unsigned RingCore::PrepStaged(bool own_scope) {
  const uint64_t count = closing_ ? 0 : Waiting();
  if (count == 0) return 0;
  napi_handle_scope scope = nullptr;
  if (own_scope && napi_open_handle_scope(env_, &scope) != napi_ok) return 0;
  napi_value objs = nullptr;
  napi_get_reference_value(env_, objs_ref_, &objs);
  uint64_t done = 0;
  while (done < count) {
    const uint64_t first = taken_ + done;
    const unsigned group = std::max(1u, static_cast<unsigned>(EntryAt(first)[kParamGroup]));
    if (group > count - done || group > sq_entries_) {
      // Not a well-formed group: refuse what is left rather than guess.
      for (uint64_t n = first; n < taken_ + count; n++) {
        refused_.push_back({UserData(EntryAt(n)), -EINVAL});
        pending_++;
      }
      done = count;
      break;
    }
    // A linked group never straddles two submissions.
    if (io_uring_sq_space_left(&ring_) < group &&
        (Submit() < 0 || io_uring_sq_space_left(&ring_) < group))
      break;
    // Resolve every entry of the group before taking any SQE, so a refusal
    // never leaves a link pointing at an unrelated SQE.
    int err = 0;
    unsigned bad = 0;
    entries_.resize(group);
    for (unsigned i = 0; i < group && err == 0; i++) {
      const double* p = EntryAt(first + i);
      const uint32_t slots = static_cast<uint32_t>((first + i) % stage_capacity_) * 2;
      napi_value args[2] = {nullptr, nullptr};
      const int used = ObjectsUsed(static_cast<int>(p[kParamOpcode]));
      for (int k = 0; k < used; k++) napi_get_element(env_, objs, slots + k, &args[k]);
      err = Resolve(env_, p, args[0], args[1], &entries_[i]);
      bad = i;
    }
    for (unsigned i = 0; i < group; i++) {
      if (err != 0) {
        refused_.push_back({UserData(EntryAt(first + i)), i == bad ? err : -ECANCELED});
      } else {
        io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
        Fill(sqe, entries_[i]);
        // IOSQE_CQE_SKIP_SUCCESS only inside a link, never on its last SQE: a linked
        // group then ends in exactly one CQE (its last op's, or the first failure's).
        const bool quiet = (sqe->flags & IOSQE_CQE_SKIP_SUCCESS) != 0;
        if (quiet && (i + 1 == group || !(sqe->flags & IOSQE_IO_LINK) || !cqe_skip_)) {
          sqe->flags &= static_cast<uint8_t>(~IOSQE_CQE_SKIP_SUCCESS);
        }
        staged_++;
        if (sqe->flags & IOSQE_CQE_SKIP_SUCCESS) continue;
      }
      pending_++;
    }
    done += group;
  }
  // The SQ stayed full (a transient submit failure): the rest waits in place.
  if (done < count) ScheduleRetry();
  if (scope) napi_close_handle_scope(env_, scope);
  taken_ += done;
  counters_[kCounterEntriesTaken] = static_cast<double>(taken_);
  if (!refused_.empty()) Kick();
  return static_cast<unsigned>(done);
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
  if (self->Flush() >= 0 && self->staged_ == 0 && self->Waiting() == 0)
    self->retry_delay_ms_ = 0;
}

void RingCore::OnPoll(uv_poll_t* handle, int status, int /*events*/) {
  auto* self = static_cast<RingCore*>(handle->data);
  if (self->closing_ || status < 0) return;
  self->Harvest();
}

void RingCore::OnPrepare(uv_prepare_t* handle) {
  // The last flush point before libuv may block: no staged op is stranded.
  auto* self = static_cast<RingCore*>(handle->data);
  if (!self->closing_ && (self->staged_ > 0 || self->Waiting() > 0))
    self->Flush();
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
    PrepCancel(sqe, 0, IORING_ASYNC_CANCEL_ANY);
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

// ---------------------------------------------------------------------------
// Ring: the JS-facing handle.

Napi::Function Ring::Define(Napi::Env env) {
  return DefineClass(env, "NativeRing",
                     {
                         InstanceMethod<&Ring::Flush>("flush"),
                         InstanceMethod<&Ring::Ref>("ref"),
                         InstanceMethod<&Ring::Info>("info"),
                         InstanceMethod<&Ring::Close>("close"),
                     });
}

// new NativeRing(options, onComplete, params: Float64Array, objs: Array, cqes: Int32Array,
//                counters: Float64Array)
Ring::Ring(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Ring>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 6 || !info[0].IsObject() || !info[1].IsFunction() ||
      !info[2].IsTypedArray() || !info[3].IsArray() || !info[4].IsTypedArray() ||
      !info[5].IsTypedArray()) {
    throw Napi::TypeError::New(env, "NativeRing(options, onComplete, params, objs, cqes, counters)");
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
    throw Napi::TypeError::New(env, "NativeRing: shared arrays have the wrong type or size");
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
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || !loop) {
    throw Napi::Error::New(env, "NativeRing: no libuv loop for this environment");
  }
  auto* created = new RingCore(env, loop);
  const int ret = created->Open(setup, direct_files);
  if (ret < 0) {
    delete created;
    throw ErrnoError(env, -ret, "io_uring_setup");
  }
  created->Attach(this, info[1], params, objs, cqes, counters);
  core = created;
}

Ring::~Ring() {
  if (core) {
    core->owner = nullptr;
    core->BeginClose();
    core = nullptr;
  }
}

RingCore* Ring::Live(Napi::Env env) {
  if (!core || core->closing()) throw Napi::Error::New(env, "NativeRing: the ring is closed");
  return core;
}

Napi::Value Ring::Flush(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), Live(info.Env())->Flush());
}

// Called when the scheduler stages work while the loop is not held alive.
Napi::Value Ring::Ref(const Napi::CallbackInfo& info) {
  Live(info.Env())->UpdateRef();
  return info.Env().Undefined();
}

io_uring* Ring::LiveRaw(const Napi::Value& value) {
  if (!value.IsObject()) return nullptr;
  Ring* owner = Ring::Unwrap(value.As<Napi::Object>());
  if (!owner || !owner->core || owner->core->closing()) return nullptr;
  return owner->core->ring();
}

Napi::Value Ring::Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RingCore* ring = Live(env);
  io_uring* raw = ring->ring();
  Napi::Object out = Napi::Object::New(env);
  out.Set("setupFlags", ring->setup_flags());
  out.Set("features", raw->features);
  out.Set("sqEntries", *raw->sq.kring_entries);
  out.Set("cqEntries", *raw->cq.kring_entries);
  out.Set("directFiles", ring->direct_files());
  Napi::Array opcodes = Napi::Array::New(env);
  if (io_uring_probe* probe = io_uring_get_probe_ring(raw)) {
    uint32_t n = 0;
    for (int op = 0; op <= probe->last_op; op++) {
      if (io_uring_opcode_supported(probe, op)) opcodes.Set(n++, op);
    }
    io_uring_free_probe(probe);
  }
  out.Set("opcodes", opcodes);
  return out;
}

Napi::Value Ring::Close(const Napi::CallbackInfo& info) {
  if (core) {
    RingCore* closing = core;
    closing->BeginClose();
  }
  return info.Env().Undefined();
}

}  // namespace uring_loop
