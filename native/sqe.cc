#include "sqe.h"

namespace uring_loop {

void PrepNop(io_uring_sqe* sqe) { io_uring_prep_nop(sqe); }

void PrepRead(io_uring_sqe* sqe, int fd, void* buf, unsigned len, uint64_t pos) {
  io_uring_prep_read(sqe, fd, buf, len, pos);
}

void PrepWrite(io_uring_sqe* sqe, int fd, const void* buf, unsigned len, uint64_t pos) {
  io_uring_prep_write(sqe, fd, buf, len, pos);
}

void PrepReadv(io_uring_sqe* sqe, int fd, const iovec* iov, unsigned count, uint64_t pos) {
  io_uring_prep_readv(sqe, fd, iov, count, pos);
}

void PrepWritev(io_uring_sqe* sqe, int fd, const iovec* iov, unsigned count, uint64_t pos) {
  io_uring_prep_writev(sqe, fd, iov, count, pos);
}

void PrepFsync(io_uring_sqe* sqe, int fd, unsigned fsync_flags) {
  io_uring_prep_fsync(sqe, fd, fsync_flags);
}

void PrepFallocate(io_uring_sqe* sqe, int fd, int mode, uint64_t offset, uint64_t length) {
  // Kernel layout: len = mode, off = offset, addr = length.
  io_uring_prep_rw(IORING_OP_FALLOCATE, sqe, fd, nullptr, static_cast<unsigned>(mode), offset);
  sqe->addr = length;
}

void PrepFtruncate(io_uring_sqe* sqe, int fd, uint64_t length) {
  // Not in liburing 2.3: the kernel reads the new length from off; every
  // other field must be zero.
  io_uring_prep_rw(kOpFtruncate, sqe, fd, nullptr, 0, length);
}

void PrepOpenat(io_uring_sqe* sqe, const char* path, int flags, unsigned mode, unsigned file_slot) {
  if (file_slot) {
    io_uring_prep_openat_direct(sqe, AT_FDCWD, path, flags, mode, file_slot - 1);
  } else {
    io_uring_prep_openat(sqe, AT_FDCWD, path, flags, mode);
  }
}

void PrepClose(io_uring_sqe* sqe, int fd, unsigned file_slot) {
  if (file_slot) {
    io_uring_prep_close_direct(sqe, file_slot - 1);
  } else {
    io_uring_prep_close(sqe, fd);
  }
}

void PrepStatx(io_uring_sqe* sqe, int dirfd, const char* path, int flags, unsigned mask,
               struct statx* out) {
  io_uring_prep_statx(sqe, dirfd, path, flags, mask, out);
}

void PrepRenameat(io_uring_sqe* sqe, const char* from, const char* to, unsigned flags) {
  io_uring_prep_renameat(sqe, AT_FDCWD, from, AT_FDCWD, to, flags);
}

void PrepUnlinkat(io_uring_sqe* sqe, const char* path, int flags) {
  io_uring_prep_unlinkat(sqe, AT_FDCWD, path, flags);
}

void PrepMkdirat(io_uring_sqe* sqe, const char* path, unsigned mode) {
  io_uring_prep_mkdirat(sqe, AT_FDCWD, path, mode);
}

void PrepTimeout(io_uring_sqe* sqe, __kernel_timespec* ts, unsigned flags) {
  io_uring_prep_timeout(sqe, ts, 0, flags);
}

void PrepLinkTimeout(io_uring_sqe* sqe, __kernel_timespec* ts) {
  io_uring_prep_link_timeout(sqe, ts, 0);
}

void PrepCancel(io_uring_sqe* sqe, uint64_t target, unsigned flags) {
  io_uring_prep_cancel64(sqe, target, static_cast<int>(flags));
}

void PrepSocket(io_uring_sqe* sqe, int domain, int type, int protocol) {
  io_uring_prep_socket(sqe, domain, type, protocol, 0);
}

void PrepBind(io_uring_sqe* sqe, int fd, const sockaddr* addr, socklen_t len) {
  // Not in liburing 2.3: the kernel reads the address from addr and its length
  // from addr2 (which shares its place with off).
  io_uring_prep_rw(kOpBind, sqe, fd, addr, 0, len);
}

void PrepListen(io_uring_sqe* sqe, int fd, int backlog) {
  // Not in liburing 2.3: the backlog travels in len.
  io_uring_prep_rw(kOpListen, sqe, fd, nullptr, static_cast<unsigned>(backlog), 0);
}

void PrepAccept(io_uring_sqe* sqe, int fd, int flags, bool multishot) {
  // The peer address is read later with getpeername(), so none is passed: a
  // multishot accept would overwrite one shared address buffer anyway.
  if (multishot) {
    io_uring_prep_multishot_accept(sqe, fd, nullptr, nullptr, flags);
  } else {
    io_uring_prep_accept(sqe, fd, nullptr, nullptr, flags);
  }
}

void PrepConnect(io_uring_sqe* sqe, int fd, const sockaddr* addr, socklen_t len) {
  io_uring_prep_connect(sqe, fd, addr, len);
}

void PrepSend(io_uring_sqe* sqe, int fd, const void* buf, size_t len, int flags) {
  io_uring_prep_send(sqe, fd, buf, len, flags);
}

void PrepRecv(io_uring_sqe* sqe, int fd, void* buf, size_t len, int flags) {
  io_uring_prep_recv(sqe, fd, buf, len, flags);
}

void PrepRecvProvided(io_uring_sqe* sqe, int fd, unsigned group, int flags, bool multishot) {
  // len 0: each receive may fill a whole provided buffer.
  if (multishot) {
    io_uring_prep_recv_multishot(sqe, fd, nullptr, 0, flags);
  } else {
    io_uring_prep_recv(sqe, fd, nullptr, 0, flags);
  }
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = static_cast<uint16_t>(group);
}

void PrepSendmsg(io_uring_sqe* sqe, int fd, const msghdr* msg, unsigned flags) {
  io_uring_prep_sendmsg(sqe, fd, msg, flags);
}

void PrepRecvmsg(io_uring_sqe* sqe, int fd, msghdr* msg, unsigned flags) {
  io_uring_prep_recvmsg(sqe, fd, msg, flags);
}

void PrepShutdown(io_uring_sqe* sqe, int fd, int how) { io_uring_prep_shutdown(sqe, fd, how); }

}  // namespace uring_loop
