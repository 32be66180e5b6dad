// TCP echo server on liburing, the physical reference of the tcp-echo
// benchmark: the same work as bench/servers/*.js (accept, receive, send the
// bytes back) with nothing between the program and the kernel. One thread,
// multishot accept, multishot receive into one provided-buffer ring shared by
// every connection; each chunk is sent back from the buffer it arrived in,
// and the buffer returns to the ring once that send completed.
// Listens on 127.0.0.1 (an ephemeral port unless --port), prints
// {"port", "pid"}, and exits when its stdin ends, printing {"ring": null}.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "uring-compat.h"

#define GROUP 0
#define BUFFERS 4096
#define BUFFER_SIZE 4096

// user_data: kind in the top byte, buffer id in the next 16 bits, fd below.
#define KIND_ACCEPT 1ull
#define KIND_RECV 2ull
#define KIND_SEND 3ull
#define KIND_STDIN 4ull

static uint64_t tag(uint64_t kind, unsigned bid, int fd) {
  return kind << 56 | (uint64_t)bid << 32 | (uint32_t)fd;
}

static void die(const char* what, int err) {
  fprintf(stderr, "echo-server: %s: %s\n", what, strerror(err));
  exit(1);
}

static struct io_uring_sqe* sqe_of(struct io_uring* ring) {
  struct io_uring_sqe* sqe = io_uring_get_sqe(ring);
  if (!sqe) {
    // The SQ is full: hand what is queued to the kernel and take a fresh entry.
    io_uring_submit(ring);
    sqe = io_uring_get_sqe(ring);
    if (!sqe) die("io_uring_get_sqe", EBUSY);
  }
  return sqe;
}

static void arm_accept(struct io_uring* ring, int listener) {
  struct io_uring_sqe* sqe = sqe_of(ring);
  io_uring_prep_multishot_accept(sqe, listener, NULL, NULL, SOCK_CLOEXEC);
  sqe->user_data = tag(KIND_ACCEPT, 0, listener);
}

static void arm_recv(struct io_uring* ring, int fd) {
  struct io_uring_sqe* sqe = sqe_of(ring);
  io_uring_prep_recv_multishot(sqe, fd, NULL, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = GROUP;
  sqe->user_data = tag(KIND_RECV, 0, fd);
}

static void arm_stdin(struct io_uring* ring) {
  struct io_uring_sqe* sqe = sqe_of(ring);
  io_uring_prep_poll_add(sqe, STDIN_FILENO, POLLIN | POLLHUP);
  sqe->user_data = tag(KIND_STDIN, 0, STDIN_FILENO);
}

int main(int argc, char** argv) {
  int port = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--port")) {
      port = atoi(argv[i + 1]);
    } else {
      fprintf(stderr, "usage: uring_loop_echo [--port N]\n");
      return 2;
    }
  }

  struct io_uring ring;
  struct io_uring_params params;
  memset(&params, 0, sizeof(params));
  // A single thread reaps everything it submits: defer task work to its waits.
  params.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
  int ret = io_uring_queue_init_params(4096, &ring, &params);
  if (ret == -EINVAL) {
    memset(&params, 0, sizeof(params));
    ret = io_uring_queue_init_params(4096, &ring, &params);
  }
  if (ret < 0) die("io_uring_queue_init", -ret);

  char* buffers = NULL;
  struct io_uring_buf_ring* br = NULL;
  if (posix_memalign((void**)&buffers, 4096, (size_t)BUFFERS * BUFFER_SIZE) != 0 ||
      posix_memalign((void**)&br, 4096, BUFFERS * sizeof(struct io_uring_buf)) != 0)
    die("posix_memalign", ENOMEM);
  io_uring_buf_ring_init(br);
  struct io_uring_buf_reg reg = {
      .ring_addr = (uintptr_t)br, .ring_entries = BUFFERS, .bgid = GROUP};
  ret = io_uring_register_buf_ring(&ring, &reg, 0);
  if (ret < 0) die("io_uring_register_buf_ring", -ret);
  const int mask = io_uring_buf_ring_mask(BUFFERS);
  for (unsigned b = 0; b < BUFFERS; b++)
    io_uring_buf_ring_add(br, buffers + (size_t)b * BUFFER_SIZE, BUFFER_SIZE, (unsigned short)b,
                          mask, (int)b);
  io_uring_buf_ring_advance(br, BUFFERS);

  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener < 0) die("socket", errno);
  const int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listener, (struct sockaddr*)&addr, sizeof(addr)) != 0) die("bind", errno);
  if (listen(listener, 511) != 0) die("listen", errno);
  socklen_t len = sizeof(addr);
  if (getsockname(listener, (struct sockaddr*)&addr, &len) != 0) die("getsockname", errno);
  printf("{\"port\":%d,\"pid\":%d}\n", ntohs(addr.sin_port), (int)getpid());
  fflush(stdout);

  arm_accept(&ring, listener);
  arm_stdin(&ring);
  int running = 1;
  while (running) {
    struct io_uring_cqe* cqe;
    ret = io_uring_submit_and_wait(&ring, 1);
    if (ret < 0 && ret != -EINTR) die("io_uring_submit_and_wait", -ret);
    unsigned head, seen = 0;
    int returned = 0;
    io_uring_for_each_cqe(&ring, head, cqe) {
      seen++;
      const uint64_t kind = cqe->user_data >> 56;
      const unsigned bid = (unsigned)(cqe->user_data >> 32) & 0xffffu;
      const int fd = (int)(uint32_t)cqe->user_data;
      if (kind == KIND_ACCEPT) {
        if (cqe->res >= 0) {
          setsockopt(cqe->res, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
          arm_recv(&ring, cqe->res);
        }
        if (!(cqe->flags & IORING_CQE_F_MORE)) arm_accept(&ring, listener);
      } else if (kind == KIND_RECV) {
        if (cqe->flags & IORING_CQE_F_BUFFER) {
          const unsigned got = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
          char* data = buffers + (size_t)got * BUFFER_SIZE;
          if (cqe->res > 0) {
            struct io_uring_sqe* sqe = sqe_of(&ring);
            io_uring_prep_send(sqe, fd, data, (size_t)cqe->res, MSG_NOSIGNAL | MSG_WAITALL);
            sqe->user_data = tag(KIND_SEND, got, fd);
          } else {
            io_uring_buf_ring_add(br, data, BUFFER_SIZE, (unsigned short)got, mask, returned++);
          }
        }
        if (!(cqe->flags & IORING_CQE_F_MORE)) {
          // End of stream or an error closes; ENOBUFS (all buffers out) receives again.
          if (cqe->res == -ENOBUFS) arm_recv(&ring, fd);
          else close(fd);
        }
      } else if (kind == KIND_SEND) {
        io_uring_buf_ring_add(br, buffers + (size_t)bid * BUFFER_SIZE, BUFFER_SIZE,
                              (unsigned short)bid, mask, returned++);
      } else if (kind == KIND_STDIN) {
        char byte;
        if (read(STDIN_FILENO, &byte, 1) <= 0) running = 0;
        else arm_stdin(&ring);
      }
    }
    io_uring_cq_advance(&ring, seen);
    if (returned) io_uring_buf_ring_advance(br, returned);
  }
  printf("{\"ring\":null}\n");
  fflush(stdout);
  io_uring_queue_exit(&ring);
  close(listener);
  return 0;
}
