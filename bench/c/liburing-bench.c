// The physical reference for `npm run bench`: the same workloads as the Node
// systems, done with liburing directly from one thread. Prints one JSON line:
//   {"ops":N,"bytes":N,"elapsedNs":N,"cpuUs":N,"p50Us":x,"p99Us":x,"opsPerEnter":x}
//
// usage: uring_loop_bench WORKLOAD --file PATH --dir DIR --seconds S --warmup S [--total BYTES]
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "uring-compat.h"

#define DEPTH 64
#define BLOCK 4096
#define READ_FILE_BYTES (64u << 20)
#define WRITE_FILE_BYTES (16u << 20)
#define RECORD 256
#define PRODUCERS 64
#define SEQ_CHUNK (1u << 20)

struct options {
  const char *workload;
  const char *file;
  const char *dir;
  double seconds;
  double warmup;
  uint64_t total;
};

static uint64_t now_ns(void);
static uint64_t cpu_us(void);

struct run {
  struct io_uring ring;
  uint64_t ops;
  uint64_t bytes;
  uint64_t enters;
  uint64_t sqes;
  double *lat;  // latency samples, microseconds
  size_t nlat;
  size_t cap_lat;
  int measuring;
  uint64_t warm_end;  // ns: measuring starts here
  uint64_t end;       // ns: the run stops here
  uint64_t t0, c0;    // wall clock and CPU time when measuring started
  uint64_t t1, c1;    // ... and when it stopped
};

// Called once per loop turn: switches from warm-up to measuring, and says
// whether the run goes on.
static int running(struct run *r) {
  const uint64_t t = now_ns();
  if (!r->measuring && t >= r->warm_end) {
    r->measuring = 1;
    r->enters = r->sqes = 0;
    r->t0 = t;
    r->c0 = cpu_us();
  }
  return t < r->end;
}

static void die(const char *what, int err) {
  fprintf(stderr, "uring_loop_bench: %s: %s\n", what, strerror(err < 0 ? -err : err));
  exit(1);
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t cpu_us(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
         (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

// The same offset sequence as bench/lib/offsets.js (xorshift32, seed 0x9e3779b9).
static uint32_t rng_state = 0x9e3779b9u;
static uint64_t next_offset(uint32_t blocks) {
  uint32_t x = rng_state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  rng_state = x;
  return (uint64_t)(x % blocks) * BLOCK;
}

static void ring_init(struct run *r) {
  const unsigned tries[] = {
      IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SUBMIT_ALL,
      IORING_SETUP_SUBMIT_ALL, 0};
  int ret = -EINVAL;
  for (unsigned i = 0; i < sizeof(tries) / sizeof(tries[0]) && ret == -EINVAL; i++) {
    struct io_uring_params p;
    memset(&p, 0, sizeof(p));
    p.flags = tries[i];
    ret = io_uring_queue_init_params(256, &r->ring, &p);
  }
  if (ret < 0) die("io_uring_queue_init", ret);
}

static struct io_uring_sqe *sqe_or_die(struct run *r) {
  struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);
  if (!sqe) die("io_uring_get_sqe", EBUSY);
  return sqe;
}

// Submits what is staged and waits for at least one completion.
static void enter(struct run *r) {
  int ret;
  do {
    ret = io_uring_submit_and_wait(&r->ring, 1);
  } while (ret == -EINTR);
  if (ret < 0) die("io_uring_submit_and_wait", ret);
  r->enters++;
  r->sqes += (uint64_t)ret;
}

static void sample(struct run *r, uint64_t start_ns) {
  if (!r->measuring) return;
  if (r->nlat == r->cap_lat) {
    r->cap_lat = r->cap_lat ? r->cap_lat * 2 : 1 << 16;
    r->lat = realloc(r->lat, r->cap_lat * sizeof(double));
    if (!r->lat) die("realloc", ENOMEM);
  }
  r->lat[r->nlat++] = (double)(now_ns() - start_ns) / 1000.0;
}

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double percentile(struct run *r, double q) {
  if (r->nlat == 0) return 0;
  size_t i = (size_t)(q * (double)(r->nlat - 1) + 0.5);
  return r->lat[i];
}

// ---------------------------------------------------------------------------
// Workloads. Each runs one continuous loop through warm-up and measuring, so
// the ring never drains between the two; only the measuring part counts.

struct slot {
  uint64_t start;
  uint64_t offset;
  char *buf;
};

static void nop_qd64(struct run *r) {
  // Latency is sampled on one op in 16: a clock read per op would cost more
  // than the op itself.
  uint64_t starts[DEPTH];
  unsigned n = 0;
  for (unsigned i = 0; i < DEPTH; i++) {
    struct io_uring_sqe *sqe = sqe_or_die(r);
    io_uring_prep_nop(sqe);
    sqe->user_data = i;
    starts[i] = 0;
  }
  while (running(r)) {
    enter(r);
    struct io_uring_cqe *cqe;
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&r->ring, head, cqe) {
      const unsigned i = (unsigned)cqe->user_data;
      if (starts[i]) sample(r, starts[i]);
      if (r->measuring) r->ops++;
      struct io_uring_sqe *sqe = sqe_or_die(r);
      io_uring_prep_nop(sqe);
      sqe->user_data = i;
      starts[i] = (++n & 15) == 0 ? now_ns() : 0;
      seen++;
    }
    io_uring_cq_advance(&r->ring, seen);
  }
}

static void read_qd(struct run *r, int fd, unsigned depth) {
  static struct slot slots[DEPTH];
  const uint32_t blocks = READ_FILE_BYTES / BLOCK;
  for (unsigned i = 0; i < depth; i++) {
    if (!slots[i].buf && posix_memalign((void **)&slots[i].buf, BLOCK, BLOCK)) die("alloc", ENOMEM);
    struct io_uring_sqe *sqe = sqe_or_die(r);
    io_uring_prep_read(sqe, fd, slots[i].buf, BLOCK, next_offset(blocks));
    sqe->user_data = i;
    slots[i].start = now_ns();
  }
  unsigned n = 0;
  while (running(r)) {
    enter(r);
    struct io_uring_cqe *cqe;
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&r->ring, head, cqe) {
      const unsigned i = (unsigned)cqe->user_data;
      if (cqe->res != BLOCK) die("read", cqe->res < 0 ? cqe->res : EIO);
      if (depth == 1 || (++n & 15) == 0) sample(r, slots[i].start);
      if (r->measuring) {
        r->ops++;
        r->bytes += BLOCK;
      }
      struct io_uring_sqe *sqe = sqe_or_die(r);
      io_uring_prep_read(sqe, fd, slots[i].buf, BLOCK, next_offset(blocks));
      sqe->user_data = i;
      slots[i].start = now_ns();
      seen++;
    }
    io_uring_cq_advance(&r->ring, seen);
  }
}

// One op of write4k-fdatasync: write 4 KiB at `offset`, then fdatasync, linked.
// The write's user_data has bit 32 set; the fdatasync's is the slot index.
static void queue_write_sync(struct run *r, int fd, struct slot *slot, unsigned i,
                             uint64_t offset) {
  struct io_uring_sqe *sqe = sqe_or_die(r);
  io_uring_prep_write(sqe, fd, slot->buf, BLOCK, offset);
  sqe->flags |= IOSQE_IO_LINK;
  sqe->user_data = i | (1ull << 32);
  sqe = sqe_or_die(r);
  io_uring_prep_fsync(sqe, fd, IORING_FSYNC_DATASYNC);
  sqe->user_data = i;
  slot->start = now_ns();
}

// Each op: write 4 KiB at its own offset, then fdatasync, as one linked chain.
static void write_fdatasync_qd64(struct run *r, int fd) {
  static struct slot slots[DEPTH];
  const uint32_t blocks = WRITE_FILE_BYTES / BLOCK;
  uint64_t next = 0;
  for (unsigned i = 0; i < DEPTH; i++) {
    if (posix_memalign((void **)&slots[i].buf, BLOCK, BLOCK)) die("alloc", ENOMEM);
    memset(slots[i].buf, 'a' + (int)(i % 26), BLOCK);
  }
  for (unsigned i = 0; i < DEPTH; i++) {
    queue_write_sync(r, fd, &slots[i], i, (next++ % blocks) * BLOCK);
  }
  while (running(r)) {
    enter(r);
    struct io_uring_cqe *cqe;
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&r->ring, head, cqe) {
      seen++;
      if (cqe->res < 0) die("write/fdatasync", cqe->res);
      if (cqe->user_data >> 32) continue;  // the write half of a chain
      const unsigned i = (unsigned)cqe->user_data;
      sample(r, slots[i].start);
      if (r->measuring) {
        r->ops++;
        r->bytes += BLOCK;
      }
      queue_write_sync(r, fd, &slots[i], i, (next++ % blocks) * BLOCK);
    }
    io_uring_cq_advance(&r->ring, seen);
  }
}

// CRC32C (Castagnoli), bitwise table; the record framing matches the Node peers'.
static uint32_t crc_table[256];
static void crc_init(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
    crc_table[i] = c;
  }
}
static uint32_t crc32c(const uint8_t *p, size_t n) {
  uint32_t c = ~0u;
  while (n--) c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
  return ~c;
}

// 64 producers; each appends a 256-byte record and waits until it is durable.
// Group commit: whatever is pending when no commit is in flight goes out as ONE
// linked writev -> fdatasync; its producers are acknowledged when it completes
// and immediately append their next record.
static void append_durable(struct run *r, int fd) {
  crc_init();
  static uint8_t frames[PRODUCERS][8 + RECORD];
  static struct iovec iov[PRODUCERS];
  uint64_t starts[PRODUCERS];
  uint64_t position = 0;
  unsigned pending = PRODUCERS;  // every producer starts with one record queued
  for (unsigned i = 0; i < PRODUCERS; i++) starts[i] = now_ns();
  while (running(r)) {
    const unsigned batch = pending;
    for (unsigned i = 0; i < batch; i++) {
      uint8_t *f = frames[i];
      memset(f + 8, 'a' + (int)(i % 26), RECORD);
      const uint32_t len = RECORD, crc = crc32c(f + 8, RECORD);
      memcpy(f, &len, 4);
      memcpy(f + 4, &crc, 4);
      iov[i].iov_base = f;
      iov[i].iov_len = sizeof(frames[i]);
    }
    struct io_uring_sqe *sqe = sqe_or_die(r);
    io_uring_prep_writev(sqe, fd, iov, batch, position);
    sqe->flags |= IOSQE_IO_LINK;
    sqe->user_data = 1;
    sqe = sqe_or_die(r);
    io_uring_prep_fsync(sqe, fd, IORING_FSYNC_DATASYNC);
    sqe->user_data = 2;
    position += (uint64_t)batch * sizeof(frames[0]);
    unsigned done = 0;
    while (done < 2) {
      enter(r);
      struct io_uring_cqe *cqe;
      unsigned head, seen = 0;
      io_uring_for_each_cqe(&r->ring, head, cqe) {
        seen++;
        done++;
        if (cqe->res < 0) die("writev/fdatasync", cqe->res);
      }
      io_uring_cq_advance(&r->ring, seen);
    }
    for (unsigned i = 0; i < batch; i++) {
      sample(r, starts[i]);
      starts[i] = now_ns();
    }
    if (r->measuring) {
      r->ops += batch;
      r->bytes += (uint64_t)batch * RECORD;
    }
    pending = batch;
  }
}

// Reserves `bytes` with fallocate(2), writes zeros over them and syncs: the
// state DurableLog gives a new segment and the Node peers give their file.
static void prezero(int fd, uint64_t bytes) {
  static char zeros[SEQ_CHUNK];
  if (fallocate(fd, 0, 0, (off_t)bytes) != 0) die("fallocate", errno);
  for (uint64_t at = 0; at < bytes; at += SEQ_CHUNK) {
    if (pwrite(fd, zeros, SEQ_CHUNK, (off_t)at) != (ssize_t)SEQ_CHUNK) die("pwrite", errno);
  }
  if (fdatasync(fd) != 0) die("fdatasync", errno);
}

// 1 MiB sequential writes to a fresh file, one at a time, `total` bytes in all.
static void seqwrite(struct run *r, const char *dir, uint64_t total) {
  char path[4096];
  snprintf(path, sizeof(path), "%s/seqwrite-c-%d.bin", dir, getpid());
  const int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) die("open", errno);
  char *buf;
  if (posix_memalign((void **)&buf, BLOCK, SEQ_CHUNK)) die("alloc", ENOMEM);
  memset(buf, 'x', SEQ_CHUNK);
  for (uint64_t pos = 0; pos < total; pos += SEQ_CHUNK) {
    const uint64_t start = now_ns();
    struct io_uring_sqe *sqe = sqe_or_die(r);
    io_uring_prep_write(sqe, fd, buf, SEQ_CHUNK, pos);
    enter(r);
    struct io_uring_cqe *cqe;
    if (io_uring_peek_cqe(&r->ring, &cqe) != 0) die("peek", EIO);
    if (cqe->res != (int)SEQ_CHUNK) die("write", cqe->res < 0 ? cqe->res : EIO);
    io_uring_cqe_seen(&r->ring, cqe);
    sample(r, start);
    if (r->measuring) {
      r->ops++;
      r->bytes += SEQ_CHUNK;
    }
  }
  if (r->measuring) {  // closing and unlinking are not part of the measured writes
    r->t1 = now_ns();
    r->c1 = cpu_us();
  }
  close(fd);
  unlink(path);
  free(buf);
}

// ---------------------------------------------------------------------------

static void parse(int argc, char **argv, struct options *o) {
  if (argc < 2) {
    fprintf(stderr,
            "usage: uring_loop_bench WORKLOAD --file PATH --dir DIR --seconds S --warmup S "
            "[--total BYTES]\n");
    exit(2);
  }
  o->workload = argv[1];
  o->seconds = 1;
  o->warmup = 0.2;
  o->total = 256u << 20;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--file")) o->file = argv[i + 1];
    else if (!strcmp(argv[i], "--dir")) o->dir = argv[i + 1];
    else if (!strcmp(argv[i], "--seconds")) o->seconds = atof(argv[i + 1]);
    else if (!strcmp(argv[i], "--warmup")) o->warmup = atof(argv[i + 1]);
    else if (!strcmp(argv[i], "--total")) o->total = strtoull(argv[i + 1], NULL, 10);
    else {
      fprintf(stderr, "uring_loop_bench: unknown option %s\n", argv[i]);
      exit(2);
    }
  }
}

static int open_or_die(const char *path, int flags) {
  if (!path) die("--file is required", EINVAL);
  const int fd = open(path, flags | O_CLOEXEC);
  if (fd < 0) die(path, errno);
  return fd;
}

int main(int argc, char **argv) {
  struct options o;
  memset(&o, 0, sizeof(o));
  parse(argc, argv, &o);
  struct run r;
  memset(&r, 0, sizeof(r));
  ring_init(&r);

  uint64_t t1 = 0, c1 = 0;
  const char *w = o.workload;
  const uint64_t start = now_ns();
  r.warm_end = start + (uint64_t)(o.warmup * 1e9);
  r.end = r.warm_end + (uint64_t)(o.seconds * 1e9);
  if (!strcmp(w, "nop-qd64")) {
    nop_qd64(&r);
  } else if (!strcmp(w, "read4k-qd64") || !strcmp(w, "read4k-qd1")) {
    const int fd = open_or_die(o.file, O_RDONLY);
    read_qd(&r, fd, !strcmp(w, "read4k-qd1") ? 1 : DEPTH);
    t1 = now_ns();
    c1 = cpu_us();
    close(fd);
  } else if (!strcmp(w, "write4k-fdatasync-qd64")) {
    const int fd = open_or_die(o.file, O_WRONLY);
    write_fdatasync_qd64(&r, fd);
    t1 = now_ns();
    c1 = cpu_us();
    close(fd);
  } else if (!strcmp(w, "append256-durable-64p")) {
    char path[4096];
    snprintf(path, sizeof(path), "%s/append-c-%d.log", o.dir ? o.dir : ".", getpid());
    const int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0) die(path, errno);
    // The best case for a log: blocks written (zeros) and synced before the
    // run, so each fdatasync flushes data without a journal commit for new
    // blocks or a growing size. As big as the Node systems' segment (256 MiB),
    // or enough for 100 MB/s of records in a longer run.
    const uint64_t segment = 256u << 20, needed = (uint64_t)((o.warmup + o.seconds) * 100e6);
    prezero(fd, needed > segment ? needed : segment);
    // Warm-up and measuring start once the file is ready, as in the Node runs.
    r.warm_end = now_ns() + (uint64_t)(o.warmup * 1e9);
    r.end = r.warm_end + (uint64_t)(o.seconds * 1e9);
    append_durable(&r, fd);
    t1 = now_ns();
    c1 = cpu_us();
    close(fd);
    unlink(path);
  } else if (!strcmp(w, "seqwrite-1m")) {
    if (!o.dir) die("--dir is required", EINVAL);
    // Warm-up of the same size as the timed pass: page-cache memory fresh from
    // use, not pages a VM balloon handed back to the host (bench/workloads/seqwrite-1m.js).
    seqwrite(&r, o.dir, o.total);
    r.measuring = 1;
    r.enters = r.sqes = 0;
    r.t0 = now_ns();
    r.c0 = cpu_us();
    seqwrite(&r, o.dir, o.total);
  } else {
    fprintf(stderr, "uring_loop_bench: unknown workload %s\n", w);
    return 2;
  }
  if (r.t1) {
    t1 = r.t1;
    c1 = r.c1;
  } else if (!t1) {
    t1 = now_ns();
    c1 = cpu_us();
  }
  qsort(r.lat, r.nlat, sizeof(double), cmp_double);
  printf(
      "{\"ops\":%llu,\"bytes\":%llu,\"elapsedNs\":%llu,\"cpuUs\":%llu,\"p50Us\":%.2f,"
      "\"p99Us\":%.2f,\"opsPerEnter\":%.2f}\n",
      (unsigned long long)r.ops, (unsigned long long)r.bytes, (unsigned long long)(t1 - r.t0),
      (unsigned long long)(c1 - r.c0), percentile(&r, 0.5), percentile(&r, 0.99),
      r.enters ? (double)r.sqes / (double)r.enters : 0.0);
  io_uring_queue_exit(&r.ring);
  free(r.lat);
  return 0;
}
