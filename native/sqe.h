// One function per operation: each fills one SQE and nothing else.
// Memory passed here (buffers, paths, iovecs, timespecs, statx output) must stay
// alive until the CQE of the request arrives; the scheduler retains it.
#pragma once

#include <fcntl.h>
#include <liburing.h>
#include <sys/uio.h>

#include <cstdint>

namespace uring_loop {

// Opcodes newer than the liburing 2.3 header; numbers from the kernel ABI.
constexpr uint8_t kOpFtruncate = 55;  // Linux 6.9

void PrepNop(io_uring_sqe* sqe);
void PrepRead(io_uring_sqe* sqe, int fd, void* buf, unsigned len, uint64_t pos);
void PrepWrite(io_uring_sqe* sqe, int fd, const void* buf, unsigned len, uint64_t pos);
void PrepReadv(io_uring_sqe* sqe, int fd, const iovec* iov, unsigned count, uint64_t pos);
void PrepWritev(io_uring_sqe* sqe, int fd, const iovec* iov, unsigned count, uint64_t pos);
void PrepFsync(io_uring_sqe* sqe, int fd, unsigned fsync_flags);
void PrepFallocate(io_uring_sqe* sqe, int fd, int mode, uint64_t offset, uint64_t length);
void PrepFtruncate(io_uring_sqe* sqe, int fd, uint64_t length);
// file_slot: 0 for a regular fd, else direct descriptor index + 1.
void PrepOpenat(io_uring_sqe* sqe, const char* path, int flags, unsigned mode, unsigned file_slot);
void PrepClose(io_uring_sqe* sqe, int fd, unsigned file_slot);
void PrepStatx(io_uring_sqe* sqe, int dirfd, const char* path, int flags, unsigned mask,
               struct statx* out);
void PrepRenameat(io_uring_sqe* sqe, const char* from, const char* to, unsigned flags);
void PrepUnlinkat(io_uring_sqe* sqe, const char* path, int flags);
void PrepMkdirat(io_uring_sqe* sqe, const char* path, unsigned mode);
// ts must hold a __kernel_timespec; the kernel reads it when it takes the SQE.
void PrepTimeout(io_uring_sqe* sqe, __kernel_timespec* ts, unsigned flags);
void PrepLinkTimeout(io_uring_sqe* sqe, __kernel_timespec* ts);
void PrepCancel(io_uring_sqe* sqe, uint64_t target, unsigned flags);

}  // namespace uring_loop
