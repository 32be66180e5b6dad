// Advisory whole-file locks (flock(2)) for files the library owns, such as a
// durable log's directory. LOCK_NB only: taking a lock never blocks the loop.
#pragma once

#include <napi.h>

namespace uring_loop {

// The `fileLock` object exported by the addon: tryLockExclusive(fd), returning
// 0 or a negative errno. Closing the fd releases the lock.
Napi::Object FileLockExports(Napi::Env env);

}  // namespace uring_loop
