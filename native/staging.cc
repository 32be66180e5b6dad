// Staging: turning the entries JS wrote into the staging area (protocol.h)
// into SQEs through the op table.
#include <algorithm>
#include <cerrno>

#include "op-table.h"
#include "protocol.h"
#include "ring-core.h"

namespace uring_loop {

namespace {

constexpr uint8_t kAllowedSqeFlags = IOSQE_FIXED_FILE | IOSQE_IO_DRAIN | IOSQE_IO_LINK |
                                     IOSQE_IO_HARDLINK | IOSQE_ASYNC | IOSQE_CQE_SKIP_SUCCESS;

// Looks up the entry's op and resolves its memory; 0 or a negative errno.
int Resolve(napi_env env, napi_value objs, uint32_t first_slot, const double* p,
            ResolvedEntry* out) {
  const OpRow* op = FindOp(p[kParamOpcode]);
  if (!op) return -EINVAL;
  *out = ResolvedEntry{};
  out->p = p;
  out->fill = op->fill;
  napi_value args[2] = {nullptr, nullptr};
  for (uint32_t k = 0; k < op->objects; k++) napi_get_element(env, objs, first_slot + k, &args[k]);
  return op->resolve(env, args[0], args[1], out);
}

}  // namespace

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
      const uint32_t slots = static_cast<uint32_t>((first + i) % stage_capacity_) * 2;
      err = Resolve(env_, objs, slots, EntryAt(first + i), &entries_[i]);
      bad = i;
    }
    for (unsigned i = 0; i < group; i++) {
      const double* p = EntryAt(first + i);
      if (err != 0) {
        refused_.push_back({UserData(p), i == bad ? err : -ECANCELED});
        pending_++;
        continue;
      }
      // The SQ has room for the whole group (checked above).
      io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
      entries_[i].fill(sqe, entries_[i]);
      sqe->flags |= static_cast<uint8_t>(p[kParamSqeFlags]) & kAllowedSqeFlags;
      sqe->user_data = UserData(p);
      // IOSQE_CQE_SKIP_SUCCESS only inside a link, never on its last SQE: a linked
      // group then ends in exactly one CQE (its last op's, or the first failure's).
      const bool quiet = (sqe->flags & IOSQE_CQE_SKIP_SUCCESS) != 0;
      if (quiet && (i + 1 == group || !(sqe->flags & IOSQE_IO_LINK) || !cqe_skip_)) {
        sqe->flags &= static_cast<uint8_t>(~IOSQE_CQE_SKIP_SUCCESS);
      }
      staged_++;
      if (!(sqe->flags & IOSQE_CQE_SKIP_SUCCESS)) pending_++;
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

}  // namespace uring_loop
