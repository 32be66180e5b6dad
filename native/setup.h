// Ring creation: probes the setup flags the running kernel accepts.
#pragma once

#include <liburing.h>

// Flags introduced after liburing 2.3 was released may be missing from its header.
#ifndef IORING_SETUP_SUBMIT_ALL
#define IORING_SETUP_SUBMIT_ALL (1U << 7)
#endif
#ifndef IORING_SETUP_COOP_TASKRUN
#define IORING_SETUP_COOP_TASKRUN (1U << 8)
#endif
#ifndef IORING_SETUP_TASKRUN_FLAG
#define IORING_SETUP_TASKRUN_FLAG (1U << 9)
#endif
#ifndef IORING_SETUP_SINGLE_ISSUER
#define IORING_SETUP_SINGLE_ISSUER (1U << 12)
#endif
#ifndef IORING_SETUP_DEFER_TASKRUN
#define IORING_SETUP_DEFER_TASKRUN (1U << 13)
#endif

namespace uring_loop {

struct SetupOptions {
  unsigned entries = 256;
  unsigned cq_entries = 0;  // 0: kernel default (2 x entries)
  bool sqpoll = false;
  unsigned sqpoll_idle_ms = 1000;
  // IORING_SETUP_DEFER_TASKRUN instead of COOP_TASKRUN (see SetupRing).
  bool defer_taskrun = false;
};

// Initialises `ring`, trying the fastest flag set first and retrying without
// flags the kernel rejects. Returns 0 or a negative errno from the last try.
int SetupRing(io_uring* ring, const SetupOptions& options, unsigned* flags_used);

}  // namespace uring_loop
