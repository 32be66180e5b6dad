// TCP request/response load generator: N connections, each sending a message
// and waiting for it to come back whole before sending the next, for a fixed
// time. One thread with epoll, so the client costs one core at most.
// Prints one JSON line: {"roundTrips", "seconds", "p50Us", "p99Us", ...}.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

// Latency histogram: one bucket per microsecond up to 1 s, then one overflow bucket.
#define MAX_US 1000000

struct conn {
  int fd;
  size_t got;        // bytes of the current reply received
  char* reply;       // where the current reply is gathered
  uint64_t sent_ns;  // when the current request went out
};

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char* what) {
  fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
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
  if (fd < 0) die("socket");
  if (connect(fd, (struct sockaddr*)&ss, len) != 0) die("connect");
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

static void send_all(int fd, const char* buf, size_t len) {
  while (len > 0) {
    ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("send");
    }
    buf += n;
    len -= (size_t)n;
  }
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

int main(int argc, char** argv) {
  const char* host = "127.0.0.1";
  int port = 0, connections = 64;
  double seconds = 5, warmup = 0.5;
  size_t size = 64;
  static const struct option options[] = {
      {"host", required_argument, 0, 'h'},    {"port", required_argument, 0, 'p'},
      {"connections", required_argument, 0, 'c'}, {"seconds", required_argument, 0, 'd'},
      {"size", required_argument, 0, 's'},    {"warmup", required_argument, 0, 'w'},
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
  if (port <= 0 || port > 65535 || connections < 1 || seconds <= 0 || size < 1 ||
      size > 1 << 20 || warmup < 0)
    usage();

  char* request = malloc(size);
  char* replies = malloc(size * (size_t)connections);
  uint32_t* hist = calloc(MAX_US + 1, sizeof(uint32_t));
  struct conn* conns = calloc((size_t)connections, sizeof(struct conn));
  if (!request || !replies || !hist || !conns) die("malloc");
  for (size_t i = 0; i < size; i++) request[i] = (char)('a' + i % 26);

  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) die("epoll_create1");
  for (int i = 0; i < connections; i++) {
    conns[i].fd = connect_to(host, port);
    conns[i].reply = replies + size * (size_t)i;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &conns[i]};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev) != 0) die("epoll_ctl");
  }

  const uint64_t start = now_ns();
  const uint64_t measure_from = start + (uint64_t)(warmup * 1e9);
  const uint64_t stop = measure_from + (uint64_t)(seconds * 1e9);
  for (int i = 0; i < connections; i++) {
    conns[i].sent_ns = now_ns();
    send_all(conns[i].fd, request, size);
  }

  uint64_t round_trips = 0;
  int active = connections;
  struct epoll_event events[256];
  while (active > 0) {
    int n = epoll_wait(ep, events, 256, 1000);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait");
    }
    if (n == 0) {
      fprintf(stderr, "loadgen: no reply for a second\n");
      return 1;
    }
    uint64_t t = now_ns();
    for (int e = 0; e < n; e++) {
      struct conn* c = events[e].data.ptr;
      ssize_t got = recv(c->fd, c->reply + c->got, size - c->got, MSG_DONTWAIT);
      if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (got < 0) die("recv");
      if (got == 0) {
        fprintf(stderr, "loadgen: the server closed a connection\n");
        return 1;
      }
      c->got += (size_t)got;
      if (c->got < size) continue;
      if (memcmp(c->reply, request, size) != 0) {
        fprintf(stderr, "loadgen: a reply differs from its request\n");
        return 1;
      }
      c->got = 0;
      if (c->sent_ns >= measure_from && t <= stop) {
        uint64_t us = (t - c->sent_ns) / 1000;
        hist[us > MAX_US ? MAX_US : us]++;
        round_trips++;
      }
      if (t >= stop) {
        epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        active--;
        continue;
      }
      c->sent_ns = t;
      send_all(c->fd, request, size);
    }
  }
  double measured = (double)(stop - measure_from) / 1e9;
  printf("{\"roundTrips\":%llu,\"seconds\":%.3f,\"p50Us\":%u,\"p99Us\":%u,\"connections\":%d,"
         "\"size\":%zu}\n",
         (unsigned long long)round_trips, measured,
         round_trips ? percentile(hist, round_trips, 0.5) : 0,
         round_trips ? percentile(hist, round_trips, 0.99) : 0, connections, size);
  return 0;
}
