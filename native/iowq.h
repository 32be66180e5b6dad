// io-wq: the kernel's pool of worker threads for work that cannot complete
// inline (buffered writes on ext4, fsync, fallocate, path ops...). Its CPU
// affinity and worker limits belong to the thread that submits, so every ring
// of that thread shares them.
#pragma once

#include <napi.h>

namespace uring_loop {

// The `iowq` object exported by the addon:
//   setAffinity(nativeRing, cpus: number[]): IORING_REGISTER_IOWQ_AFF with the
//     listed CPUs (each one this thread may run on, else -EINVAL), or back to
//     every CPU for an empty list; 0 or a negative errno.
//   setMaxWorkers(nativeRing, bounded, unbounded): IORING_REGISTER_IOWQ_MAX_WORKERS
//     (0 leaves a limit as it is); [previous bounded, previous unbounded] or a
//     negative errno.
Napi::Object IowqExports(Napi::Env env);

}  // namespace uring_loop
