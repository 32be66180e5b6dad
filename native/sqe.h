// One function per operation: each fills one SQE and nothing else.
// Memory passed here (buffers, paths, iovecs, timespecs, statx output) must stay
// alive until the CQE of the request arrives; the scheduler retains it.
#pragma once

#include <fcntl.h>
#include <liburing.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cstdint>

namespace uring_loop {

// Opcodes newer than the liburing 2.3 header; numbers from the kernel ABI.
constexpr uint8_t kOpFtruncate = 55;  // Linux 6.9
constexpr uint8_t kOpBind = 56;       // Linux 6.11
constexpr uint8_t kOpListen = 57;     // Linux 6.11

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

// Sockets. Address and message memory must stay alive until the CQE, like buffers.
void PrepSocket(io_uring_sqe* sqe, int domain, int type, int protocol);
void PrepBind(io_uring_sqe* sqe, int fd, const sockaddr* addr, socklen_t len);
void PrepListen(io_uring_sqe* sqe, int fd, int backlog);
// multishot: one CQE per connection (IORING_CQE_F_MORE) until cancelled or failed.
void PrepAccept(io_uring_sqe* sqe, int fd, int flags, bool multishot);
void PrepConnect(io_uring_sqe* sqe, int fd, const sockaddr* addr, socklen_t len);
void PrepSend(io_uring_sqe* sqe, int fd, const void* buf, size_t len, int flags);
void PrepRecv(io_uring_sqe* sqe, int fd, void* buf, size_t len, int flags);
// Receives into a buffer the kernel picks from provided-buffer group `group`;
// the CQE names it (IORING_CQE_F_BUFFER, id in the flags' upper 16 bits).
void PrepRecvProvided(io_uring_sqe* sqe, int fd, unsigned group, int flags, bool multishot);
void PrepSendmsg(io_uring_sqe* sqe, int fd, const msghdr* msg, unsigned flags);
void PrepRecvmsg(io_uring_sqe* sqe, int fd, msghdr* msg, unsigned flags);
void PrepShutdown(io_uring_sqe* sqe, int fd, int how);

}  // namespace uring_loop
