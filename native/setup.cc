#include "setup.h"

#include <cerrno>
#include <cstring>

namespace uring_loop {

namespace {

int TryInit(io_uring* ring, const SetupOptions& options, unsigned flags) {
  io_uring_params params;
  std::memset(&params, 0, sizeof(params));
  params.flags = flags | IORING_SETUP_CLAMP;
  if (options.cq_entries) {
    params.flags |= IORING_SETUP_CQSIZE;
    params.cq_entries = options.cq_entries;
  }
  if (options.sqpoll) {
    params.flags |= IORING_SETUP_SQPOLL;
    params.sq_thread_idle = options.sqpoll_idle_ms;
  }
  return io_uring_queue_init_params(options.entries, ring, &params);
}

}  // namespace

int SetupRing(io_uring* ring, const SetupOptions& options, unsigned* flags_used) {
  // COOP_TASKRUN (the default): task work never interrupts JS with an IPI; it
  // runs when this thread next enters the kernel, and a thread asleep in
  // epoll_wait is woken for it. io-wq completions are posted by the worker
  // itself, so a linked chain of blocking ops (writev -> fdatasync) runs from
  // start to end in one io-wq worker.
  // DEFER_TASKRUN (opt-in) batches task work until this thread asks for
  // events; every io-wq completion, and so every link of such a chain, then
  // goes through this thread: two more thread wake-ups per write -> fdatasync.
  // TASKRUN_FLAG lets the harvest see pending task work in the SQ flags.
  // SQPOLL cannot be combined with DEFER_TASKRUN.
  const unsigned taskrun =
      options.defer_taskrun ? IORING_SETUP_DEFER_TASKRUN : IORING_SETUP_COOP_TASKRUN;
  const unsigned candidates[] = {
      options.sqpoll ? IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_SUBMIT_ALL
                     : IORING_SETUP_SINGLE_ISSUER | taskrun | IORING_SETUP_TASKRUN_FLAG |
                           IORING_SETUP_SUBMIT_ALL,
      IORING_SETUP_SUBMIT_ALL,
      0,
  };
  int ret = -EINVAL;
  for (unsigned flags : candidates) {
    ret = TryInit(ring, options, flags);
    if (ret == 0) {
      *flags_used = ring->flags;
      return 0;
    }
    // Only an unknown flag is worth another try; EPERM, ENOSYS, ENOMEM are final.
    if (ret != -EINVAL) return ret;
  }
  return ret;
}

}  // namespace uring_loop
