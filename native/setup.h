// Ring creation: probes the setup flags the running kernel accepts.
#pragma once

#include "uring-compat.h"

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
