// What the liburing 2.3 headers some distributions ship lack: newer setup
// flags (the running kernel is probed for them at run time) and the prep
// helpers of newer opcodes, defined here only where liburing is older than the
// release that added them, filling the SQE fields the kernel ABI documents.
// Plain C, so the benchmark's C programs share it with the addon.
#pragma once

#include <liburing.h>
#include <sys/socket.h>

// io_uring_version.h, and these macros, came with liburing 2.4.
#if defined(IO_URING_VERSION_MAJOR) && defined(IO_URING_VERSION_MINOR)
#define URING_LOOP_LIBURING_AT_LEAST(major, minor) \
  (IO_URING_VERSION_MAJOR > (major) ||             \
   (IO_URING_VERSION_MAJOR == (major) && IO_URING_VERSION_MINOR >= (minor)))
#else
#define URING_LOOP_LIBURING_AT_LEAST(major, minor) 0
#endif

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

#if !URING_LOOP_LIBURING_AT_LEAST(2, 6)
// Linux 6.9. The kernel reads the new length from off; every other field is zero.
#define IORING_OP_FTRUNCATE 55
static inline void io_uring_prep_ftruncate(struct io_uring_sqe* sqe, int fd, loff_t len) {
  io_uring_prep_rw(IORING_OP_FTRUNCATE, sqe, fd, 0, 0, (__u64)len);
}
#endif

#if !URING_LOOP_LIBURING_AT_LEAST(2, 7)
// Linux 6.11. bind: the address in addr, its length in addr2 (which shares its
// place with off). listen: the backlog in len.
#define IORING_OP_BIND 56
#define IORING_OP_LISTEN 57
static inline void io_uring_prep_bind(struct io_uring_sqe* sqe, int fd, struct sockaddr* addr,
                                      socklen_t addrlen) {
  io_uring_prep_rw(IORING_OP_BIND, sqe, fd, addr, 0, addrlen);
}
static inline void io_uring_prep_listen(struct io_uring_sqe* sqe, int fd, int backlog) {
  io_uring_prep_rw(IORING_OP_LISTEN, sqe, fd, 0, (unsigned)backlog, 0);
}
#endif
