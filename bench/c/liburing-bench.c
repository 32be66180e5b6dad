// The physical reference for `npm run bench`: the same workloads as the Node
// systems, done with liburing directly from one thread. Prints one JSON line:
//   {"ops":N,"bytes":N,"elapsedNs":N,"cpuUs":N,"p50Us":x,"p99Us":x,"opsPerEnter":x}
//
// usage: uring_loop_bench WORKLOAD --file PATH [--file2 PATH] --dir DIR --seconds S --warmup S
//                         [--total BYTES]
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
  const char *file2;
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
// writev with RWF_DSYNC (durable on completion, as DurableLog does it), or as a
// linked writev -> fdatasync where the kernel refuses the flag; its producers
// are acknowledged when it completes and immediately append their next record.
static int dsync_writes = 1;

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
    unsigned done = 0, expected;
    int refused;
    do {
      struct io_uring_sqe *sqe = sqe_or_die(r);
      io_uring_prep_writev(sqe, fd, iov, batch, position);
      sqe->user_data = 1;
      if (dsync_writes) {
        sqe->rw_flags = RWF_DSYNC;
        expected = 1;
      } else {
        sqe->flags |= IOSQE_IO_LINK;
        sqe = sqe_or_die(r);
        io_uring_prep_fsync(sqe, fd, IORING_FSYNC_DATASYNC);
        sqe->user_data = 2;
        expected = 2;
      }
      done = 0;
      refused = 0;
      while (done < expected) {
        enter(r);
        struct io_uring_cqe *cqe;
        unsigned head, seen = 0;
        io_uring_for_each_cqe(&r->ring, head, cqe) {
          seen++;
          done++;
          if (dsync_writes && (cqe->res == -EINVAL || cqe->res == -EOPNOTSUPP)) {
            refused = 1;
          } else if (cqe->res < 0) {
            die("writev/fdatasync", cqe->res);
          }
        }
        io_uring_cq_advance(&r->ring, seen);
      }
      if (refused) dsync_writes = 0;
    } while (refused);
    position += (uint64_t)batch * sizeof(frames[0]);
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
// Whole-file workloads on a set of 2000 small files (bench/lib/file-set.js
// makes the set and has the same formulas). Each call is one linked chain on
// direct descriptors: chain w of the 64 in flight opens into fixed slot w, so
// the ops after the open can name the file before it exists.

#define SET_FILES 2000
#define READFILE_MAX (64u << 10)  // readfile reads "up to" this much
#define WRITEFILE_BYTES 4096
#define COPY_BYTES (1u << 20)
#define COPY_CHUNK (256u << 10)
#define COPY_PROBE 16

enum { OP_OPEN = 1, OP_READ, OP_WRITE, OP_CLOSE, OP_STATX, OP_OPEN2, OP_CLOSE2 };
#define UD(kind, w) (((uint64_t)(kind) << 32) | (w))

static unsigned set_file_size(unsigned i) { return 3584 + (i * 397) % 1025; }

static void put_u32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

// A file of the set as prepared: its index, then a pattern of the index and the offset.
static uint8_t *set_original(unsigned i) {
  const unsigned size = set_file_size(i);
  uint8_t *buf = malloc(size);
  if (!buf) die("malloc", ENOMEM);
  for (unsigned j = 0; j < size; j++) buf[j] = (uint8_t)(i * 31 + j * 7);
  put_u32(buf, i);
  return buf;
}

// What writefile writes to file i: its index, the pass (set before each
// write), then a pattern of the index.
static uint8_t *set_written(unsigned i) {
  uint8_t *buf = malloc(WRITEFILE_BYTES);
  if (!buf) die("malloc", ENOMEM);
  for (unsigned j = 8; j < WRITEFILE_BYTES; j++) buf[j] = (uint8_t)((i * 13 + j * 5) ^ 0xa5);
  put_u32(buf, i);
  put_u32(buf + 4, 0);
  return buf;
}

static char **set_paths(const char *dir) {
  if (!dir) die("--dir is required", EINVAL);
  char **paths = calloc(SET_FILES, sizeof(char *));
  if (!paths) die("calloc", ENOMEM);
  for (unsigned i = 0; i < SET_FILES; i++) {
    if (asprintf(&paths[i], "%s/f%04u", dir, i) < 0) die("asprintf", ENOMEM);
  }
  return paths;
}

static void register_slots(struct run *r, unsigned n) {
  const int ret = io_uring_register_files_sparse(&r->ring, n);
  if (ret < 0) die("io_uring_register_files_sparse", ret);
}

// One chain's completions: counts the ops and the latency of a finished call.
static void call_done(struct run *r, uint64_t start, unsigned n, uint64_t bytes) {
  if ((n & 15) == 0) sample(r, start);
  if (r->measuring) {
    r->ops++;
    r->bytes += bytes;
  }
}

// readFile: openat into slot w -> read up to READFILE_MAX -> close. The read
// is hard-linked, so its short result (the normal case: the file is smaller)
// does not cancel the close.
static void queue_readfile(struct run *r, char **paths, unsigned w, unsigned i, char *buf) {
  struct io_uring_sqe *sqe = sqe_or_die(r);
  io_uring_prep_openat_direct(sqe, AT_FDCWD, paths[i], O_RDONLY, 0, w);
  sqe->flags |= IOSQE_IO_LINK;
  sqe->user_data = UD(OP_OPEN, w);
  sqe = sqe_or_die(r);
  io_uring_prep_read(sqe, (int)w, buf, READFILE_MAX, 0);
  sqe->flags |= IOSQE_FIXED_FILE | IOSQE_IO_HARDLINK;
  sqe->user_data = UD(OP_READ, w);
  sqe = sqe_or_die(r);
  io_uring_prep_close_direct(sqe, w);
  sqe->user_data = UD(OP_CLOSE, w);
}

static void readfile_qd64(struct run *r, const char *dir) {
  char **paths = set_paths(dir);
  uint8_t *expected[SET_FILES];
  for (unsigned i = 0; i < SET_FILES; i++) expected[i] = set_original(i);
  register_slots(r, DEPTH);
  static char *bufs[DEPTH];
  unsigned file[DEPTH];
  int got[DEPTH];
  uint64_t starts[DEPTH];
  unsigned seq = 0, n = 0;
  for (unsigned w = 0; w < DEPTH; w++) {
    if (posix_memalign((void **)&bufs[w], BLOCK, READFILE_MAX)) die("alloc", ENOMEM);
    file[w] = seq++ % SET_FILES;
    starts[w] = now_ns();
    queue_readfile(r, paths, w, file[w], bufs[w]);
  }
  while (running(r)) {
    enter(r);
    struct io_uring_cqe *cqe;
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&r->ring, head, cqe) {
      seen++;
      const unsigned w = (unsigned)cqe->user_data, kind = (unsigned)(cqe->user_data >> 32);
      if (cqe->res < 0)
        die(kind == OP_OPEN ? "openat" : kind == OP_READ ? "read" : "close", cqe->res);
      if (kind == OP_READ) got[w] = cqe->res;
      if (kind != OP_CLOSE) continue;
      const unsigned i = file[w], size = set_file_size(i);
      if ((unsigned)got[w] != size) {
        fprintf(stderr, "uring_loop_bench: %s: read %d bytes, not its %u\n", paths[i], got[w],
                size);
        exit(1);
      }
      if (memcmp(bufs[w], expected[i], size) != 0) {
        fprintf(stderr, "uring_loop_bench: %s: read other bytes than its content\n", paths[i]);
        exit(1);
      }
      call_done(r, starts[w], ++n, size);
      file[w] = seq++ % SET_FILES;
      starts[w] = now_ns();
      queue_readfile(r, paths, w, file[w], bufs[w]);
    }
    io_uring_cq_advance(&r->ring, seen);
  }
}

// Ends the measured part, then waits for the `cqes` completions still due: the
// parent checks the files the chains in flight write (the Node systems'
// workers finish their calls in flight too).
static void drain(struct run *r, unsigned cqes) {
  r->t1 = now_ns();
  r->c1 = cpu_us();
  while (cqes > 0) {
    enter(r);
    struct io_uring_cqe *cqe;
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&r->ring, head, cqe) {
      seen++;
      if (cqe->res < 0) die("a call in flight at the end", cqe->res);
    }
    io_uring_cq_advance(&r->ring, seen);
    cqes -= seen;
  }
}

// writeFile: openat O_WRONLY|O_CREAT|O_TRUNC into slot w -> write 4 KiB -> close.
static void queue_writefile(struct run *r, char **paths, unsigned w, unsigned i, uint8_t *buf) {
  struct io_uring_sqe *sqe = sqe_or_die(r);
  io_uring_prep_openat_direct(sqe, AT_FDCWD, paths[i], O_WRONLY | O_CREAT | O_TRUNC, 0666, w);
  sqe->flags |= IOSQE_IO_LINK;
  sqe->user_data = UD(OP_OPEN, w);
  sqe = sqe_or_die(r);
  io_uring_prep_write(sqe, (int)w, buf, WRITEFILE_BYTES, 0);
  sqe->flags |= IOSQE_FIXED_FILE | IOSQE_IO_HARDLINK;
  sqe->user_data = UD(OP_WRITE, w);
  sqe = sqe_or_die(r);
  io_uring_prep_close_direct(sqe, w);
  sqe->user_data = UD(OP_CLOSE, w);
}

// Chain w writes files w, w + 64, w + 128, ... in turn, each write carrying
// the pass over them, as the Node systems do; the parent checks the files.
static void writefile_qd64(struct run *r, const char *dir) {
  char **paths = set_paths(dir);
  uint8_t *content[SET_FILES];
  for (unsigned i = 0; i < SET_FILES; i++) content[i] = set_written(i);
  register_slots(r, DEPTH);
  unsigned k[DEPTH], file[DEPTH], n = 0, due = 0;
  uint64_t starts[DEPTH];
  for (unsigned w = 0; w < DEPTH; w++) {
    k[w] = 0;
    const unsigned count = (SET_FILES - w + DEPTH - 1) / DEPTH;
    file[w] = w + DEPTH * (k[w] % count);
    put_u32(content[file[w]] + 4, k[w] / count);
    k[w]++;
    starts[w] = now_ns();
    queue_writefile(r, paths, w, file[w], content[file[w]]);
    due += 3;
  }
  while (running(r)) {
    enter(r);
    struct io_uring_cqe *cqe;
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&r->ring, head, cqe) {
      seen++;
      const unsigned w = (unsigned)cqe->user_data, kind = (unsigned)(cqe->user_data >> 32);
      if (cqe->res < 0)
        die(kind == OP_OPEN ? "openat" : kind == OP_WRITE ? "write" : "close", cqe->res);
      if (kind == OP_WRITE && cqe->res != WRITEFILE_BYTES) die("short write", EIO);
      if (kind != OP_CLOSE) continue;
      call_done(r, starts[w], ++n, WRITEFILE_BYTES);
      const unsigned count = (SET_FILES - w + DEPTH - 1) / DEPTH;
      file[w] = w + DEPTH * (k[w] % count);
      put_u32(content[file[w]] + 4, k[w] / count);
      k[w]++;
      starts[w] = now_ns();
      queue_writefile(r, paths, w, file[w], content[file[w]]);
      due += 3;
    }
    io_uring_cq_advance(&r->ring, seen);
    due -= seen;
  }
  drain(r, due);
}

// stat: statx with what libuv asks for stat(2) (basic stats and birth time).
static void stat_qd64(struct run *r, const char *dir) {
  char **paths = set_paths(dir);
  static struct statx stx[DEPTH];
  unsigned file[DEPTH], seq = 0, n = 0;
  uint64_t starts[DEPTH];
  for (unsigned w = 0; w < DEPTH; w++) {
    file[w] = seq++ % SET_FILES;
    starts[w] = now_ns();
    struct io_uring_sqe *sqe = sqe_or_die(r);
    io_uring_prep_statx(sqe, AT_FDCWD, paths[file[w]], 0, STATX_BASIC_STATS | STATX_BTIME, &stx[w]);
    sqe->user_data = w;
  }
  while (running(r)) {
    enter(r);
    struct io_uring_cqe *cqe;
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&r->ring, head, cqe) {
      seen++;
      const unsigned w = (unsigned)cqe->user_data;
      if (cqe->res < 0) die("statx", cqe->res);
      if (!S_ISREG(stx[w].stx_mode) || stx[w].stx_size != set_file_size(file[w])) {
        fprintf(stderr, "uring_loop_bench: %s: statx gave size %llu\n", paths[file[w]],
                (unsigned long long)stx[w].stx_size);
        exit(1);
      }
      call_done(r, starts[w], ++n, 0);
      file[w] = seq++ % SET_FILES;
      starts[w] = now_ns();
      struct io_uring_sqe *sqe = sqe_or_die(r);
      io_uring_prep_statx(sqe, AT_FDCWD, paths[file[w]], 0, STATX_BASIC_STATS | STATX_BTIME,
                          &stx[w]);
      sqe->user_data = w;
    }
    io_uring_cq_advance(&r->ring, seen);
  }
}

static uint8_t *read_whole(const char *path, size_t size) {
  uint8_t *buf = malloc(size);
  if (!buf) die("malloc", ENOMEM);
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) die(path, errno);
  if (pread(fd, buf, size, 0) != (ssize_t)size) die(path, EIO);
  close(fd);
  return buf;
}

// Reads 16 bytes back at the start, at a moving offset and at the end of the
// destination (and that it ends there), as the Node systems' harness does.
static void probe_copy(const char *dest, const uint8_t *want, unsigned n) {
  const uint64_t at[3] = {0, (uint64_t)((n * 65537u) % (COPY_BYTES / COPY_PROBE)) * COPY_PROBE,
                          COPY_BYTES - COPY_PROBE};
  uint8_t buf[2 * COPY_PROBE];
  const int fd = open(dest, O_RDONLY | O_CLOEXEC);
  if (fd < 0) die(dest, errno);
  for (unsigned p = 0; p < 3; p++) {
    const ssize_t got = pread(fd, buf, sizeof(buf), (off_t)at[p]);
    const uint64_t left = COPY_BYTES - at[p];
    const ssize_t wanted = (ssize_t)(left < sizeof(buf) ? left : sizeof(buf));
    if (got != wanted || memcmp(buf, want + at[p], (size_t)got) != 0) {
      fprintf(stderr, "uring_loop_bench: %s differs from its source at %llu\n", dest,
              (unsigned long long)at[p]);
      exit(1);
    }
  }
  close(fd);
}

// copyFile: open the source into slot 0 -> create the destination into slot 1
// -> read/write 256 KiB chunks through one buffer -> close both, one chain,
// one call at a time. Before each copy the previous destination is unlinked,
// as the Node systems' harness does (bench/workloads/copyfile-1m.js).
static void copyfile_1m(struct run *r, const char *src0, const char *src1, const char *dir) {
  if (!src0 || !src1 || !dir) die("--file, --file2 and --dir are required", EINVAL);
  const char *src[2] = {src0, src1};
  uint8_t *want[2] = {read_whole(src0, COPY_BYTES), read_whole(src1, COPY_BYTES)};
  char *dest;
  if (asprintf(&dest, "%s/copy-dest.bin", dir) < 0) die("asprintf", ENOMEM);
  char *buf;
  if (posix_memalign((void **)&buf, BLOCK, COPY_CHUNK)) die("alloc", ENOMEM);
  register_slots(r, 2);
  const unsigned sqes = 2 + 2 * (COPY_BYTES / COPY_CHUNK) + 2;
  for (unsigned n = 0; running(r); n++) {
    if (n > 0 && unlink(dest) != 0) die("unlink", errno);
    const uint64_t start = now_ns();
    struct io_uring_sqe *sqe = sqe_or_die(r);
    io_uring_prep_openat_direct(sqe, AT_FDCWD, src[n % 2], O_RDONLY, 0, 0);
    sqe->flags |= IOSQE_IO_LINK;
    sqe->user_data = UD(OP_OPEN, 0);
    sqe = sqe_or_die(r);
    io_uring_prep_openat_direct(sqe, AT_FDCWD, dest, O_WRONLY | O_CREAT | O_TRUNC, 0644, 1);
    sqe->flags |= IOSQE_IO_LINK;
    sqe->user_data = UD(OP_OPEN2, 1);
    for (unsigned off = 0; off < COPY_BYTES; off += COPY_CHUNK) {
      sqe = sqe_or_die(r);
      io_uring_prep_read(sqe, 0, buf, COPY_CHUNK, off);
      sqe->flags |= IOSQE_FIXED_FILE | IOSQE_IO_LINK;
      sqe->user_data = UD(OP_READ, off / COPY_CHUNK);
      sqe = sqe_or_die(r);
      io_uring_prep_write(sqe, 1, buf, COPY_CHUNK, off);
      // The last write is hard-linked: the closes run whatever its result.
      sqe->flags |=
          IOSQE_FIXED_FILE | (off + COPY_CHUNK < COPY_BYTES ? IOSQE_IO_LINK : IOSQE_IO_HARDLINK);
      sqe->user_data = UD(OP_WRITE, off / COPY_CHUNK);
    }
    sqe = sqe_or_die(r);
    io_uring_prep_close_direct(sqe, 1);
    sqe->flags |= IOSQE_IO_HARDLINK;
    sqe->user_data = UD(OP_CLOSE2, 1);
    sqe = sqe_or_die(r);
    io_uring_prep_close_direct(sqe, 0);
    sqe->user_data = UD(OP_CLOSE, 0);
    for (unsigned done = 0; done < sqes;) {
      enter(r);
      struct io_uring_cqe *cqe;
      unsigned head, seen = 0;
      io_uring_for_each_cqe(&r->ring, head, cqe) {
        seen++;
        const unsigned kind = (unsigned)(cqe->user_data >> 32);
        if (cqe->res < 0)
          die(kind == OP_READ ? "read" : kind == OP_WRITE ? "write" : "open/close", cqe->res);
        if ((kind == OP_READ || kind == OP_WRITE) && cqe->res != (int)COPY_CHUNK) {
          die("short read/write", EIO);
        }
      }
      io_uring_cq_advance(&r->ring, seen);
      done += seen;
    }
    probe_copy(dest, want[n % 2], n);
    sample(r, start);
    if (r->measuring) {
      r->ops++;
      r->bytes += COPY_BYTES;
    }
  }
  free(dest);
  free(buf);
}

// ---------------------------------------------------------------------------

static void parse(int argc, char **argv, struct options *o) {
  if (argc < 2) {
    fprintf(stderr,
            "usage: uring_loop_bench WORKLOAD --file PATH [--file2 PATH] --dir DIR --seconds S "
            "--warmup S [--total BYTES]\n");
    exit(2);
  }
  o->workload = argv[1];
  o->seconds = 1;
  o->warmup = 0.2;
  o->total = 256u << 20;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--file")) o->file = argv[i + 1];
    else if (!strcmp(argv[i], "--file2")) o->file2 = argv[i + 1];
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
  } else if (!strcmp(w, "readfile-4k-qd64")) {
    readfile_qd64(&r, o.dir);
  } else if (!strcmp(w, "writefile-4k-qd64")) {
    writefile_qd64(&r, o.dir);
  } else if (!strcmp(w, "stat-qd64")) {
    stat_qd64(&r, o.dir);
  } else if (!strcmp(w, "copyfile-1m")) {
    copyfile_1m(&r, o.file, o.file2, o.dir);
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
