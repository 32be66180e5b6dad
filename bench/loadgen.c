// TCP request/response load generator: N connections, each sending a message
// and waiting for it to come back whole before sending the next, for a fixed
// time. One thread on io_uring (multishot receive into provided buffers, one
// io_uring_enter per batch), so the client stays cheap next to any server.
// Prints one JSON line: {"roundTrips", "seconds", "p50Us", "p99Us", ...}.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "uring-compat.h"

// Latency histogram: one bucket per microsecond up to 1 s, then one overflow bucket.
#define MAX_US 1000000
#define KIND_RECV 1ull
#define KIND_SEND 2ull
#define GROUP 0

struct conn {
  int fd;
  size_t got;        // bytes of the current reply received
  uint64_t sent_ns;  // when the current request went out
  int done;
};

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char* what, int err) {
  fprintf(stderr, "loadgen: %s: %s\n", what, strerror(err));
  exit(1);
}

static void usage(void) {
  fprintf(stderr,
          "usage: loadgen --port N [--host 127.0.0.1] [--connections 64] [--seconds 5]\n"
          "               [--size 64] [--warmup 0.5]\n");
  exit(2);
}

static int connect_to(const char* host, int port) {
  struct sockaddr_storage ss;
  socklen_t len;
  memset(&ss, 0, sizeof(ss));
  struct sockaddr_in* sin = (struct sockaddr_in*)&ss;
  struct sockaddr_in6* sin6 = (struct sockaddr_in6*)&ss;
  int family;
  if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
    family = AF_INET;
    sin->sin_family = AF_INET;
    sin->sin_port = htons((uint16_t)port);
    len = sizeof(*sin);
  } else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
    family = AF_INET6;
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons((uint16_t)port);
    len = sizeof(*sin6);
  } else {
    fprintf(stderr, "loadgen: --host must be an IP address\n");
    exit(2);
  }
  int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket", errno);
  if (connect(fd, (struct sockaddr*)&ss, len) != 0) die("connect", errno);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

static uint32_t percentile(const uint32_t* hist, uint64_t total, double q) {
  uint64_t want = (uint64_t)(q * (double)total);
  if (want >= total) want = total - 1;
  uint64_t seen = 0;
  for (uint32_t us = 0; us <= MAX_US; us++) {
    seen += hist[us];
    if (seen > want) return us;
  }
  return MAX_US;
}

static struct io_uring_sqe* get_sqe(struct io_uring* ring) {
  struct io_uring_sqe* sqe = io_uring_get_sqe(ring);
  if (!sqe) {
    io_uring_submit(ring);
    sqe = io_uring_get_sqe(ring);
    if (!sqe) die("io_uring_get_sqe", EBUSY);
  }
  return sqe;
}

static void arm_recv(struct io_uring* ring, struct conn* conns, int i) {
  struct io_uring_sqe* sqe = get_sqe(ring);
  io_uring_prep_recv_multishot(sqe, conns[i].fd, NULL, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = GROUP;
  io_uring_sqe_set_data64(sqe, (KIND_RECV << 32) | (uint64_t)i);
}

static void send_request(struct io_uring* ring, struct conn* c, int i, const char* request,
                         size_t size) {
  struct io_uring_sqe* sqe = get_sqe(ring);
  // The whole message or an error; a successful send posts no CQE.
  io_uring_prep_send(sqe, c->fd, request, size, MSG_WAITALL | MSG_NOSIGNAL);
  sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
  io_uring_sqe_set_data64(sqe, (KIND_SEND << 32) | (uint64_t)i);
  c->sent_ns = now_ns();
}

int main(int argc, char** argv) {
  const char* host = "127.0.0.1";
  int port = 0, connections = 64;
  double seconds = 5, warmup = 0.5;
  size_t size = 64;
  static const struct option options[] = {
      {"host", required_argument, 0, 'h'},
      {"port", required_argument, 0, 'p'},
      {"connections", required_argument, 0, 'c'},
      {"seconds", required_argument, 0, 'd'},
      {"size", required_argument, 0, 's'},
      {"warmup", required_argument, 0, 'w'},
      {0, 0, 0, 0},
  };
  int opt;
  while ((opt = getopt_long(argc, argv, "h:p:c:d:s:w:", options, NULL)) != -1) {
    switch (opt) {
      case 'h': host = optarg; break;
      case 'p': port = atoi(optarg); break;
      case 'c': connections = atoi(optarg); break;
      case 'd': seconds = atof(optarg); break;
      case 's': size = (size_t)atol(optarg); break;
      case 'w': warmup = atof(optarg); break;
      default: usage();
    }
  }
  if (port <= 0 || port > 65535 || connections < 1 || connections > 16384 || seconds <= 0 ||
      size < 1 || size > 1 << 20 || warmup < 0)
    usage();

  // Two provided buffers per connection: a reply never exceeds one request.
  unsigned nbufs = 1;
  while (nbufs < 2u * (unsigned)connections) nbufs <<= 1;
  char* request = malloc(size);
  char* buffers = malloc(size * nbufs);
  uint32_t* hist = calloc(MAX_US + 1, sizeof(uint32_t));
  struct conn* conns = calloc((size_t)connections, sizeof(struct conn));
  if (!request || !buffers || !hist || !conns) die("malloc", ENOMEM);
  for (size_t i = 0; i < size; i++) request[i] = (char)('a' + i % 26);

  struct io_uring ring;
  struct io_uring_params params;
  memset(&params, 0, sizeof(params));
  params.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
  int ret = io_uring_queue_init_params(4096, &ring, &params);
  if (ret < 0) {
    memset(&params, 0, sizeof(params));
    ret = io_uring_queue_init_params(4096, &ring, &params);
  }
  if (ret < 0) die("io_uring_queue_init", -ret);

  struct io_uring_buf_ring* br = NULL;
  if (posix_memalign((void**)&br, 4096, nbufs * sizeof(struct io_uring_buf)) != 0)
    die("posix_memalign", ENOMEM);
  io_uring_buf_ring_init(br);
  struct io_uring_buf_reg reg = {.ring_addr = (uintptr_t)br, .ring_entries = nbufs, .bgid = GROUP};
  ret = io_uring_register_buf_ring(&ring, &reg, 0);
  if (ret < 0) die("io_uring_register_buf_ring", -ret);
  const int mask = io_uring_buf_ring_mask(nbufs);
  for (unsigned b = 0; b < nbufs; b++)
    io_uring_buf_ring_add(br, buffers + b * size, (unsigned)size, (unsigned short)b, mask, (int)b);
  io_uring_buf_ring_advance(br, (int)nbufs);

  for (int i = 0; i < connections; i++) {
    conns[i].fd = connect_to(host, port);
    arm_recv(&ring, conns, i);
  }

  const uint64_t start = now_ns();
  const uint64_t measure_from = start + (uint64_t)(warmup * 1e9);
  const uint64_t stop = measure_from + (uint64_t)(seconds * 1e9);
  for (int i = 0; i < connections; i++) send_request(&ring, &conns[i], i, request, size);

  uint64_t round_trips = 0;
  int active = connections;
  while (active > 0) {
    struct __kernel_timespec ts = {.tv_sec = 1, .tv_nsec = 0};
    struct io_uring_cqe* cqe;
    ret = io_uring_submit_and_wait_timeout(&ring, &cqe, 1, &ts, NULL);
    if (ret == -ETIME) {
      fprintf(stderr, "loadgen: no reply for a second\n");
      return 1;
    }
    if (ret < 0 && ret != -EINTR) die("io_uring_submit_and_wait_timeout", -ret);
    uint64_t t = now_ns();
    unsigned head, seen = 0;
    int returned = 0;
    io_uring_for_each_cqe(&ring, head, cqe) {
      seen++;
      const uint64_t kind = cqe->user_data >> 32;
      const int i = (int)(cqe->user_data & 0xffffffffu);
      struct conn* c = &conns[i];
      if (kind == KIND_SEND) die("send", -cqe->res);  // only failures post a CQE
      if (cqe->flags & IORING_CQE_F_BUFFER) {
        const unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
        const char* data = buffers + bid * size;
        if (cqe->res > 0 && !c->done) {
          const size_t n = (size_t)cqe->res;
          if (c->got + n > size || memcmp(data, request + c->got, n) != 0) {
            fprintf(stderr, "loadgen: a reply differs from its request\n");
            return 1;
          }
          c->got += n;
        }
        io_uring_buf_ring_add(br, (void*)data, (unsigned)size, (unsigned short)bid, mask,
                              returned++);
      }
      if (!(cqe->flags & IORING_CQE_F_MORE) && !c->done) {
        if (cqe->res == 0) {
          fprintf(stderr, "loadgen: the server closed a connection\n");
          return 1;
        }
        if (cqe->res < 0 && cqe->res != -ENOBUFS) die("recv", -cqe->res);
        arm_recv(&ring, conns, i);
      }
      if (c->done || c->got < size) continue;
      c->got = 0;
      if (c->sent_ns >= measure_from && t <= stop) {
        uint64_t us = (t - c->sent_ns) / 1000;
        hist[us > MAX_US ? MAX_US : us]++;
        round_trips++;
      }
      if (t >= stop) {
        c->done = 1;
        active--;
        continue;
      }
      send_request(&ring, c, i, request, size);
    }
    io_uring_cq_advance(&ring, seen);
    if (returned) io_uring_buf_ring_advance(br, returned);
  }
  for (int i = 0; i < connections; i++) close(conns[i].fd);
  io_uring_queue_exit(&ring);

  double measured = (double)(stop - measure_from) / 1e9;
  printf(
      "{\"roundTrips\":%llu,\"seconds\":%.3f,\"p50Us\":%u,\"p99Us\":%u,\"connections\":%d,"
      "\"size\":%zu}\n",
      (unsigned long long)round_trips, measured,
      round_trips ? percentile(hist, round_trips, 0.5) : 0,
      round_trips ? percentile(hist, round_trips, 0.99) : 0, connections, size);
  return 0;
}
