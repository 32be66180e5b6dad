// powercutfs: a FUSE file system for power-loss tests. It passes every operation through to a
// backing directory and remembers what no completed fsync has covered yet, so that a simulated
// power cut can throw it away:
//
// - file data and size: every write, truncate and size-extending fallocate keeps an undo record
//   (the bytes and size it replaced) and its own bytes until an fsync or fdatasync of that file;
//   a write with O_DSYNC (an O_DSYNC open, or pwritev2's RWF_DSYNC: FUSE passes either in the
//   write's flags) is durable when it completes, its bytes and the size it needs, as if an
//   fdatasync of that range followed: it survives every cut, earlier unsynced changes do not;
// - directory entries: the first change to a directory (create, mkdir, symlink, link, unlink,
//   rmdir, rename) after its last fsync snapshots its entries (name -> inode); an fsync of the
//   directory makes the current entries the durable ones. fsync of a file does not make its
//   directory entry durable: a new file whose directory was never synced is gone after a cut.
//   Removed inodes are kept (hard-linked into a hidden store) because the durable tree may still
//   name them.
//
// A cut (a command on stdin: "cut drop|torn|prefix SEED") rewrites the backing directory to the
// durable state and fails every later operation with EIO until the file system is unmounted:
// - drop:   every unsynced change is lost;
// - torn:   a random subset (probability drawn per cut) of the unsynced changes survives, writes
//           torn into 512-byte sectors;
// - prefix: the unsynced changes survive up to a random point in the order they were made, the
//           last write torn at a sector boundary.
// The file data of the result is what the durable state plus the surviving changes give, applied
// in their original order. "stats" reports counters. Options: --no-fallocate makes fallocate fail
// with EOPNOTSUPP, as on file systems that lack it.
//
// Every write reaches this daemon: files are opened direct_io, attribute and entry caching is off
// and the writeback cache is not enabled. It runs single-threaded (-s); the control thread takes
// the same lock as every operation.
//
//   powercutfs [--no-fallocate] BACKING MOUNTPOINT [fuse options]
#define FUSE_USE_VERSION 31
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/falloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <unistd.h>

#define STORE ".powercut"
#define GRAVE STORE "/grave"
#define SECTOR 512

enum op_kind { OP_WRITE, OP_TRUNCATE, OP_EXTEND };

struct op {
  uint64_t seq;
  enum op_kind kind;
  off_t off;       // write: offset; truncate/extend: new size
  size_t len;      // write: length
  off_t old_size;  // size before the op
  char* data;      // write: the bytes written
  char* undo;      // bytes the op overwrote or cut off
  size_t undo_len;
  off_t undo_off;
  int durable;  // a write with O_DSYNC: replayed in full by every cut
};

struct file_rec {
  struct file_rec* next;
  ino_t ino;
  int fd;  // O_RDWR, opened at the first unsynced change
  struct op* ops;
  size_t n, cap;
};

struct dir_ent {
  char* name;
  ino_t ino;
};

struct dir_rec {
  struct dir_rec* next;
  ino_t ino;
  struct dir_ent* ents;  // the durable entries
  size_t n;
};

static int root_fd = -1;
static int no_fallocate;
static int dead;
static uint64_t next_seq = 1;
static struct file_rec* files;
static struct dir_rec* dirs;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
  uint64_t writes, dsync_writes, fsyncs, fdatasyncs, fsyncdirs, fallocates, fallocates_refused,
      cuts;
} count;

// ---------------------------------------------------------------------------------------------
// helpers

/** Path relative to the backing directory ("." for the root). */
static const char* rel(const char* path) { return path[1] ? path + 1 : "."; }

static int hidden(const char* path) {
  size_t n = strlen("/" STORE);
  return strncmp(path, "/" STORE, n) == 0 && (path[n] == 0 || path[n] == '/');
}

static void parent_of(const char* path, char* out) {
  const char* slash = strrchr(path, '/');
  size_t n = slash == path ? 1 : (size_t)(slash - path);
  memcpy(out, path, n);
  out[n] = 0;
}

static void* xmalloc(size_t n) {
  void* p = malloc(n ? n : 1);
  if (!p) {
    fprintf(stderr, "powercutfs: out of memory\n");
    abort();
  }
  return p;
}

static ssize_t pread_full(int fd, char* buf, size_t len, off_t off) {
  size_t done = 0;
  while (done < len) {
    ssize_t r = pread(fd, buf + done, len - done, off + (off_t)done);
    if (r < 0) return -1;
    if (r == 0) break;
    done += (size_t)r;
  }
  return (ssize_t)done;
}

static int pwrite_full(int fd, const char* buf, size_t len, off_t off) {
  size_t done = 0;
  while (done < len) {
    ssize_t r = pwrite(fd, buf + done, len - done, off + (off_t)done);
    if (r <= 0) return -1;
    done += (size_t)r;
  }
  return 0;
}

static uint64_t rng_state;
static uint64_t rng(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 2685821657736338717ULL;
}
static double rng_unit(void) { return (double)(rng() >> 11) / 9007199254740992.0; }

static void rmtree_at(int dfd, const char* name) {
  int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  if (fd >= 0) {
    DIR* d = fdopendir(fd);
    if (d) {
      struct dirent* e;
      while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (unlinkat(dirfd(d), e->d_name, 0) < 0) rmtree_at(dirfd(d), e->d_name);
      }
      closedir(d);
    } else {
      close(fd);
    }
    unlinkat(dfd, name, AT_REMOVEDIR);
  } else {
    unlinkat(dfd, name, 0);
  }
}

// ---------------------------------------------------------------------------------------------
// unsynced file data

static struct file_rec* file_find(ino_t ino) {
  for (struct file_rec* f = files; f; f = f->next)
    if (f->ino == ino) return f;
  return NULL;
}

/** The record of the file open as `fd`, created at its first unsynced change. */
static struct file_rec* file_track(int fd) {
  struct stat st;
  if (fstat(fd, &st) < 0) return NULL;
  struct file_rec* f = file_find(st.st_ino);
  if (f) return f;
  char proc[64];
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
  int rw = open(proc, O_RDWR | O_CLOEXEC);
  if (rw < 0) return NULL;
  f = xmalloc(sizeof *f);
  memset(f, 0, sizeof *f);
  f->ino = st.st_ino;
  f->fd = rw;
  f->next = files;
  files = f;
  return f;
}

static struct op* file_add(struct file_rec* f) {
  if (f->n == f->cap) {
    f->cap = f->cap ? f->cap * 2 : 16;
    struct op* ops = realloc(f->ops, f->cap * sizeof *ops);
    if (!ops) abort();
    f->ops = ops;
  }
  struct op* o = &f->ops[f->n++];
  memset(o, 0, sizeof *o);
  o->seq = next_seq++;
  return o;
}

static void file_forget(struct file_rec* f) {
  struct file_rec** p = &files;
  while (*p != f) p = &(*p)->next;
  *p = f->next;
  for (size_t i = 0; i < f->n; i++) {
    free(f->ops[i].data);
    free(f->ops[i].undo);
  }
  free(f->ops);
  close(f->fd);
  free(f);
}

static off_t size_of(int fd) {
  struct stat st;
  return fstat(fd, &st) < 0 ? -1 : st.st_size;
}

/** Keeps what [off, off+len) holds now, before a write or a cut replaces it. */
static int save_undo(struct op* o, int fd, off_t off, off_t end) {
  if (end <= off) return 0;
  o->undo_len = (size_t)(end - off);
  o->undo_off = off;
  o->undo = xmalloc(o->undo_len);
  return pread_full(fd, o->undo, o->undo_len, off) == (ssize_t)o->undo_len ? 0 : -1;
}

// ---------------------------------------------------------------------------------------------
// unsynced directory entries

static struct dir_rec* dir_find(ino_t ino) {
  for (struct dir_rec* d = dirs; d; d = d->next)
    if (d->ino == ino) return d;
  return NULL;
}

/** Entries of the directory at `relpath` (name -> inode), without "." "..", or the store. */
static int list_dir(const char* relpath, struct dir_ent** out, size_t* n) {
  int fd = openat(root_fd, relpath, O_RDONLY | O_DIRECTORY);
  if (fd < 0) return -errno;
  DIR* d = fdopendir(fd);
  if (!d) {
    close(fd);
    return -errno;
  }
  size_t cap = 16;
  *n = 0;
  *out = xmalloc(cap * sizeof **out);
  int is_root = !strcmp(relpath, ".");
  struct dirent* e;
  while ((e = readdir(d)) != NULL) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    if (is_root && !strcmp(e->d_name, STORE)) continue;
    struct stat st;
    if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) continue;
    if (*n == cap) {
      cap *= 2;
      struct dir_ent* grown = realloc(*out, cap * sizeof **out);
      if (!grown) abort();
      *out = grown;
    }
    (*out)[*n].name = strdup(e->d_name);
    (*out)[(*n)++].ino = st.st_ino;
  }
  closedir(d);
  return 0;
}

/** Before the first change to the directory `dirpath` since its last fsync: snapshot it. */
static int dir_touch(const char* dirpath) {
  struct stat st;
  if (fstatat(root_fd, rel(dirpath), &st, 0) < 0) return -errno;
  if (dir_find(st.st_ino)) return 0;
  struct dir_rec* d = xmalloc(sizeof *d);
  d->ino = st.st_ino;
  int r = list_dir(rel(dirpath), &d->ents, &d->n);
  if (r < 0) {
    free(d);
    return r;
  }
  d->next = dirs;
  dirs = d;
  return 0;
}

static int touch_parent(const char* path) {
  char parent[PATH_MAX];
  parent_of(path, parent);
  return dir_touch(parent);
}

static void dir_forget(struct dir_rec* d) {
  struct dir_rec** p = &dirs;
  while (*p != d) p = &(*p)->next;
  *p = d->next;
  for (size_t i = 0; i < d->n; i++) free(d->ents[i].name);
  free(d->ents);
  free(d);
}

/** Keeps the inode at `path` reachable from the store: the durable tree may still name it. */
static int keep_inode(const char* path, const struct stat* st) {
  char grave[64];
  snprintf(grave, sizeof grave, GRAVE "/%ju", (uintmax_t)st->st_ino);
  if (S_ISDIR(st->st_mode)) return renameat(root_fd, rel(path), root_fd, grave) < 0 ? -errno : 0;
  if (linkat(root_fd, rel(path), root_fd, grave, 0) < 0 && errno != EEXIST) return -errno;
  return 0;
}

static int dir_is_empty(const char* relpath) {
  struct dir_ent* ents;
  size_t n;
  if (list_dir(relpath, &ents, &n) < 0) return 0;
  for (size_t i = 0; i < n; i++) free(ents[i].name);
  free(ents);
  return n == 0;
}

// ---------------------------------------------------------------------------------------------
// the power cut

struct cut_report {
  uint64_t ops, kept_ops, pieces, kept_pieces;
  unsigned files, dirs, missing;
};

/** Decides, piece by piece, what of `o` survives, and applies it to `fd`. */
static void replay(int fd, struct op* o, int mode, double p, uint64_t cutoff,
                   unsigned cutoff_pieces, struct cut_report* rep) {
  rep->ops++;
  if (o->durable) mode = 'k';  // kept whole
  if (o->kind != OP_WRITE) {
    rep->pieces++;
    int keep = mode == 't' ? rng_unit() < p : mode == 'p' ? o->seq < cutoff : 0;
    if (!keep) return;
    rep->kept_pieces++;
    rep->kept_ops++;
    if (o->kind == OP_TRUNCATE || size_of(fd) < o->off) (void)!ftruncate(fd, o->off);
    return;
  }
  int any = 0;
  unsigned index = 0;
  for (off_t at = o->off; at < o->off + (off_t)o->len; index++) {
    off_t end = (at / SECTOR + 1) * SECTOR;
    if (end > o->off + (off_t)o->len) end = o->off + (off_t)o->len;
    rep->pieces++;
    int keep = mode == 'k'   ? 1
               : mode == 't' ? rng_unit() < p
               : mode == 'p' ? o->seq < cutoff || (o->seq == cutoff && index < cutoff_pieces)
                             : 0;
    if (keep) {
      (void)pwrite_full(fd, o->data + (at - o->off), (size_t)(end - at), at);
      rep->kept_pieces++;
      any = 1;
    }
    at = end;
  }
  if (any) rep->kept_ops++;
}

/** Undoes every unsynced change of every file, then replays the part of them that survives. */
static void cut_data(int mode, struct cut_report* rep) {
  double p = rng_unit();
  uint64_t first = next_seq, cutoff = 0;
  unsigned cutoff_pieces = 0;
  for (struct file_rec* f = files; f; f = f->next)
    if (f->n && f->ops[0].seq < first) first = f->ops[0].seq;
  if (mode == 'p' && next_seq > first) {
    cutoff = first + rng() % (next_seq - first + 1);
    cutoff_pieces = (unsigned)(rng() % 64);
  }
  while (files) {
    struct file_rec* f = files;
    rep->files++;
    for (size_t i = f->n; i-- > 0;) {
      struct op* o = &f->ops[i];
      if (o->kind == OP_TRUNCATE && o->off < o->old_size) (void)!ftruncate(f->fd, o->old_size);
      if (o->undo) (void)pwrite_full(f->fd, o->undo, o->undo_len, o->undo_off);
      (void)!ftruncate(f->fd, o->old_size);
    }
    for (size_t i = 0; i < f->n; i++)
      replay(f->fd, &f->ops[i], mode, p, cutoff, cutoff_pieces, rep);
    file_forget(f);
  }
}

struct inode_at {
  ino_t ino;
  mode_t mode;
  char* path;
  int built;
};
static struct inode_at* index_;
static size_t index_n, index_cap;

static void index_walk(const char* relpath) {
  struct dir_ent* ents;
  size_t n;
  if (list_dir(relpath, &ents, &n) < 0) return;
  for (size_t i = 0; i < n; i++) {
    char child[PATH_MAX];
    snprintf(child, sizeof child, "%s/%s", relpath, ents[i].name);
    struct stat st;
    if (fstatat(root_fd, child, &st, AT_SYMLINK_NOFOLLOW) == 0) {
      if (index_n == index_cap) {
        index_cap = index_cap ? index_cap * 2 : 64;
        index_ = realloc(index_, index_cap * sizeof *index_);
        if (!index_) abort();
      }
      index_[index_n++] = (struct inode_at){st.st_ino, st.st_mode, strdup(child), 0};
      if (S_ISDIR(st.st_mode)) index_walk(child);
    }
    free(ents[i].name);
  }
  free(ents);
}

static struct inode_at* index_find(ino_t ino) {
  for (size_t i = 0; i < index_n; i++)
    if (index_[i].ino == ino) return &index_[i];
  return NULL;
}

/** Builds at `dst` the durable content of directory `ino`, whose live copy is at `src`. */
static void build_dir(ino_t ino, const char* src, const char* dst, struct cut_report* rep) {
  struct dir_rec* rec = dir_find(ino);
  struct dir_ent* ents = NULL;
  size_t n = 0;
  int owned = 0;
  if (rec) {
    ents = rec->ents;
    n = rec->n;
  } else if (src && list_dir(src, &ents, &n) == 0) {
    owned = 1;
  }
  for (size_t i = 0; i < n; i++) {
    char to[PATH_MAX];
    snprintf(to, sizeof to, "%s/%s", dst, ents[i].name);
    struct inode_at* at = index_find(ents[i].ino);
    if (!at) {
      rep->missing++;
      continue;
    }
    if (S_ISDIR(at->mode)) {
      if (at->built) continue;  // a directory appears once, even if two durable entries name it
      at->built = 1;
      if (mkdirat(root_fd, to, at->mode & 07777) < 0) continue;
      rep->dirs++;
      build_dir(at->ino, at->path, to, rep);
    } else if (S_ISLNK(at->mode)) {
      char target[PATH_MAX];
      ssize_t len = readlinkat(root_fd, at->path, target, sizeof target - 1);
      if (len < 0) continue;
      target[len] = 0;
      (void)!symlinkat(target, root_fd, to);
    } else {
      (void)!linkat(root_fd, at->path, root_fd, to, 0);
    }
  }
  if (owned) {
    for (size_t i = 0; i < n; i++) free(ents[i].name);
    free(ents);
  }
}

/** Replaces the backing directory's content with the durable tree. */
static void cut_tree(struct cut_report* rep) {
  index_n = 0;
  index_walk(".");
  index_walk(GRAVE);  // removed, but perhaps still named by the durable tree
  struct stat root;
  fstat(root_fd, &root);
  mkdirat(root_fd, STORE "/next", 0700);
  build_dir(root.st_ino, ".", STORE "/next", rep);
  mkdirat(root_fd, STORE "/old", 0700);
  struct dir_ent* ents;
  size_t n;
  if (list_dir(".", &ents, &n) == 0) {
    for (size_t i = 0; i < n; i++) {
      char to[PATH_MAX];
      snprintf(to, sizeof to, STORE "/old/%s", ents[i].name);
      (void)!renameat(root_fd, ents[i].name, root_fd, to);
      free(ents[i].name);
    }
    free(ents);
  }
  if (list_dir(STORE "/next", &ents, &n) == 0) {
    for (size_t i = 0; i < n; i++) {
      char from[PATH_MAX];
      snprintf(from, sizeof from, STORE "/next/%s", ents[i].name);
      (void)!renameat(root_fd, from, root_fd, ents[i].name);
      free(ents[i].name);
    }
    free(ents);
  }
  rmtree_at(root_fd, STORE);
  for (size_t i = 0; i < index_n; i++) free(index_[i].path);
  index_n = 0;
  while (dirs) dir_forget(dirs);
}

static void command(const char* line) {
  char mode[16];
  unsigned long long seed = 0;
  if (!strncmp(line, "stats", 5)) {
    uint64_t unsynced = 0;
    unsigned nf = 0, nd = 0;
    for (struct file_rec* f = files; f; f = f->next, nf++)
      for (size_t i = 0; i < f->n; i++)
        if (!f->ops[i].durable) unsynced += f->ops[i].len;
    for (struct dir_rec* d = dirs; d; d = d->next) nd++;
    printf("ok writes=%" PRIu64 " dsync_writes=%" PRIu64 " fsyncs=%" PRIu64 " fdatasyncs=%" PRIu64
           " fsyncdirs=%" PRIu64 " fallocates=%" PRIu64 " fallocates_refused=%" PRIu64
           " dirty_files=%u dirty_dirs=%u"
           " unsynced_bytes=%" PRIu64 " cuts=%" PRIu64 "\n",
           count.writes, count.dsync_writes, count.fsyncs, count.fdatasyncs, count.fsyncdirs,
           count.fallocates, count.fallocates_refused, nf, nd, unsynced, count.cuts);
  } else if (sscanf(line, "cut %15s %llu", mode, &seed) >= 1 &&
             (!strcmp(mode, "drop") || !strcmp(mode, "torn") || !strcmp(mode, "prefix"))) {
    if (dead) {
      printf("error already cut\n");
    } else {
      struct cut_report rep = {0};
      rng_state = seed * 0x9E3779B97F4A7C15ULL + 0x2545F4914F6CDD1DULL;
      if (!rng_state) rng_state = 1;
      cut_data(mode[0], &rep);
      cut_tree(&rep);
      dead = 1;
      count.cuts++;
      printf("ok cut mode=%s seed=%llu files=%u ops=%" PRIu64 " kept_ops=%" PRIu64
             " pieces=%" PRIu64 " kept_pieces=%" PRIu64 " dirs=%u missing=%u\n",
             mode, seed, rep.files, rep.ops, rep.kept_ops, rep.pieces, rep.kept_pieces, rep.dirs,
             rep.missing);
    }
  } else {
    printf("error unknown command\n");
  }
  fflush(stdout);
}

static void* control(void* arg) {
  (void)arg;
  char line[256];
  while (fgets(line, sizeof line, stdin)) {
    pthread_mutex_lock(&lock);
    command(line);
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

// ---------------------------------------------------------------------------------------------
// file system operations

#define ENTER(path)                               \
  pthread_mutex_lock(&lock);                      \
  if (dead || ((path) != NULL && hidden(path))) { \
    int gone_ = dead ? -EIO : -ENOENT;            \
    pthread_mutex_unlock(&lock);                  \
    return gone_;                                 \
  }
#define LEAVE(value)             \
  do {                           \
    int v_ = (value);            \
    pthread_mutex_unlock(&lock); \
    return v_;                   \
  } while (0)
#define ERR(call) ((call) < 0 ? -errno : 0)

static void* pc_init(struct fuse_conn_info* conn, struct fuse_config* cfg) {
  cfg->use_ino = 1;
  cfg->entry_timeout = 0;
  cfg->attr_timeout = 0;
  cfg->negative_timeout = 0;
  cfg->direct_io = 1;
  cfg->kernel_cache = 0;
  cfg->hard_remove = 1;
  conn->want &= ~(unsigned)FUSE_CAP_WRITEBACK_CACHE;
  printf("ready\n");
  fflush(stdout);
  return NULL;
}

static int pc_getattr(const char* path, struct stat* st, struct fuse_file_info* fi) {
  ENTER(path);
  int r = fi ? fstat((int)fi->fh, st) : fstatat(root_fd, rel(path), st, AT_SYMLINK_NOFOLLOW);
  LEAVE(r < 0 ? -errno : 0);
}

static int pc_readlink(const char* path, char* buf, size_t size) {
  ENTER(path);
  ssize_t n = readlinkat(root_fd, rel(path), buf, size - 1);
  if (n >= 0) buf[n] = 0;
  LEAVE(n < 0 ? -errno : 0);
}

static int pc_mknod(const char* path, mode_t mode, dev_t rdev) {
  ENTER(path);
  int r = touch_parent(path);
  if (r == 0) r = ERR(mknodat(root_fd, rel(path), mode, rdev));
  LEAVE(r);
}

static int pc_mkdir(const char* path, mode_t mode) {
  ENTER(path);
  int r = touch_parent(path);
  if (r == 0) r = ERR(mkdirat(root_fd, rel(path), mode));
  LEAVE(r);
}

static int pc_unlink(const char* path) {
  ENTER(path);
  struct stat st;
  int r = touch_parent(path);
  if (r == 0) r = ERR(fstatat(root_fd, rel(path), &st, AT_SYMLINK_NOFOLLOW));
  if (r == 0 && S_ISDIR(st.st_mode)) r = -EISDIR;
  if (r == 0) r = keep_inode(path, &st);
  if (r == 0) r = ERR(unlinkat(root_fd, rel(path), 0));
  LEAVE(r);
}

static int pc_rmdir(const char* path) {
  ENTER(path);
  struct stat st;
  int r = touch_parent(path);
  if (r == 0) r = ERR(fstatat(root_fd, rel(path), &st, AT_SYMLINK_NOFOLLOW));
  if (r == 0 && !S_ISDIR(st.st_mode)) r = -ENOTDIR;
  if (r == 0 && !dir_is_empty(rel(path))) r = -ENOTEMPTY;
  if (r == 0) r = keep_inode(path, &st);  // moves it into the store: its inode stays allocated
  LEAVE(r);
}

static int pc_symlink(const char* target, const char* path) {
  ENTER(path);
  int r = touch_parent(path);
  if (r == 0) r = ERR(symlinkat(target, root_fd, rel(path)));
  LEAVE(r);
}

static int pc_rename(const char* from, const char* to, unsigned int flags) {
  ENTER(from);
  if (hidden(to)) LEAVE(-EPERM);
  if (flags & RENAME_EXCHANGE) LEAVE(-EINVAL);
  struct stat src, dst;
  int r = touch_parent(from);
  if (r == 0) r = touch_parent(to);
  if (r == 0) r = ERR(fstatat(root_fd, rel(from), &src, AT_SYMLINK_NOFOLLOW));
  if (r < 0) LEAVE(r);
  int moved_dir = 0;
  if (fstatat(root_fd, rel(to), &dst, AT_SYMLINK_NOFOLLOW) == 0 && dst.st_ino != src.st_ino) {
    if (flags & RENAME_NOREPLACE) LEAVE(-EEXIST);
    if (S_ISDIR(dst.st_mode)) {
      if (!S_ISDIR(src.st_mode)) LEAVE(-EISDIR);
      if (!dir_is_empty(rel(to))) LEAVE(-ENOTEMPTY);
      moved_dir = 1;
    } else if (S_ISDIR(src.st_mode)) {
      LEAVE(-ENOTDIR);
    }
    r = keep_inode(to, &dst);
    if (r < 0) LEAVE(r);
  }
  r = ERR(renameat2(root_fd, rel(from), root_fd, rel(to), flags));
  if (r < 0 && moved_dir) {
    char grave[64];
    snprintf(grave, sizeof grave, GRAVE "/%ju", (uintmax_t)dst.st_ino);
    (void)!renameat(root_fd, grave, root_fd, rel(to));
  }
  LEAVE(r);
}

static int pc_link(const char* from, const char* to) {
  ENTER(from);
  if (hidden(to)) LEAVE(-EPERM);
  int r = touch_parent(to);
  if (r == 0) r = ERR(linkat(root_fd, rel(from), root_fd, rel(to), 0));
  LEAVE(r);
}

static int pc_chmod(const char* path, mode_t mode, struct fuse_file_info* fi) {
  ENTER(path);
  LEAVE(fi ? ERR(fchmod((int)fi->fh, mode)) : ERR(fchmodat(root_fd, rel(path), mode, 0)));
}

static int pc_chown(const char* path, uid_t uid, gid_t gid, struct fuse_file_info* fi) {
  ENTER(path);
  LEAVE(fi ? ERR(fchown((int)fi->fh, uid, gid))
           : ERR(fchownat(root_fd, rel(path), uid, gid, AT_SYMLINK_NOFOLLOW)));
}

static int pc_utimens(const char* path, const struct timespec tv[2], struct fuse_file_info* fi) {
  ENTER(path);
  LEAVE(fi ? ERR(futimens((int)fi->fh, tv))
           : ERR(utimensat(root_fd, rel(path), tv, AT_SYMLINK_NOFOLLOW)));
}

/** Sets the size of `fd` to `size`, remembering what it was. */
static int truncate_fd(int fd, off_t size) {
  struct file_rec* f = file_track(fd);
  if (!f) return -errno;
  off_t old = size_of(f->fd);
  if (old < 0) return -errno;
  struct op* o = file_add(f);
  o->kind = OP_TRUNCATE;
  o->off = size;
  o->old_size = old;
  if (save_undo(o, f->fd, size, old) < 0 || ftruncate(f->fd, size) < 0) {
    int e = -errno;
    f->n--;
    free(o->undo);
    return e;
  }
  return 0;
}

static int pc_truncate(const char* path, off_t size, struct fuse_file_info* fi) {
  ENTER(path);
  if (fi) LEAVE(truncate_fd((int)fi->fh, size));
  int fd = openat(root_fd, rel(path), O_RDWR | O_CLOEXEC);
  if (fd < 0) LEAVE(-errno);
  int r = truncate_fd(fd, size);
  close(fd);
  LEAVE(r);
}

static int open_backing(const char* path, struct fuse_file_info* fi, int create, mode_t mode) {
  // O_TRUNC is done as a tracked truncate; O_APPEND would make the backing file ignore the
  // offsets the kernel sends.
  int flags = (fi->flags & ~(O_TRUNC | O_APPEND | O_CREAT | O_EXCL)) | O_CLOEXEC;
  struct stat st;
  int existed = fstatat(root_fd, rel(path), &st, 0) == 0;
  if (create) {
    if (existed && (fi->flags & O_EXCL)) return -EEXIST;
    int r = touch_parent(path);
    if (r < 0) return r;
    flags |= O_CREAT;
  }
  int fd = openat(root_fd, rel(path), flags, mode);
  if (fd < 0) return -errno;
  if (existed && (fi->flags & O_TRUNC) && size_of(fd) > 0) {
    int r = truncate_fd(fd, 0);
    if (r < 0) {
      close(fd);
      return r;
    }
  }
  fi->fh = (uint64_t)fd;
  fi->direct_io = 1;
  fi->keep_cache = 0;
  return 0;
}

static int pc_open(const char* path, struct fuse_file_info* fi) {
  ENTER(path);
  LEAVE(open_backing(path, fi, 0, 0));
}

static int pc_create(const char* path, mode_t mode, struct fuse_file_info* fi) {
  ENTER(path);
  LEAVE(open_backing(path, fi, 1, mode));
}

static int pc_read(const char* path, char* buf, size_t size, off_t off, struct fuse_file_info* fi) {
  ENTER(NULL);
  (void)path;
  ssize_t n = pread((int)fi->fh, buf, size, off);
  LEAVE(n < 0 ? -errno : (int)n);
}

/** True when every unsynced change of `f` is a durable write: nothing of it can be lost. */
static int all_durable(const struct file_rec* f) {
  for (size_t i = 0; i < f->n; i++)
    if (!f->ops[i].durable) return 0;
  return 1;
}

static int pc_write(const char* path, const char* buf, size_t size, off_t off,
                    struct fuse_file_info* fi) {
  ENTER(NULL);
  (void)path;
  // O_SYNC includes the O_DSYNC bit.
  const int dsync = (fi->flags & O_DSYNC) != 0;
  if (dsync) {
    struct stat st;
    if (fstat((int)fi->fh, &st) < 0) LEAVE(-errno);
    struct file_rec* known = file_find(st.st_ino);
    if (!known || all_durable(known)) {
      // Nothing unsynced for a cut to undo beneath it: the write is simply durable.
      ssize_t n = pwrite((int)fi->fh, buf, size, off);
      if (n <= 0) LEAVE(n < 0 ? -errno : 0);
      if (known) file_forget(known);
      count.writes++;
      count.dsync_writes++;
      LEAVE((int)n);
    }
  }
  struct file_rec* f = file_track((int)fi->fh);
  if (!f) LEAVE(-errno);
  off_t old = size_of(f->fd);
  struct op* o = file_add(f);
  o->kind = OP_WRITE;
  o->off = off;
  o->old_size = old;
  off_t end = off + (off_t)size;
  if (save_undo(o, f->fd, off, end < old ? end : old) < 0) {
    int e = -errno;
    free(o->undo);
    f->n--;
    LEAVE(e);
  }
  ssize_t n = pwrite((int)fi->fh, buf, size, off);
  if (n <= 0) {
    int e = n < 0 ? -errno : 0;
    free(o->undo);
    f->n--;
    LEAVE(e);
  }
  o->len = (size_t)n;
  o->data = xmalloc((size_t)n);
  memcpy(o->data, buf, (size_t)n);
  o->durable = dsync;
  count.writes++;
  if (dsync) count.dsync_writes++;
  LEAVE((int)n);
}

static int pc_statfs(const char* path, struct statvfs* st) {
  ENTER(path);
  LEAVE(ERR(fstatvfs(root_fd, st)));
}

static int pc_flush(const char* path, struct fuse_file_info* fi) {
  (void)path;
  (void)fi;
  return 0;
}

static int pc_release(const char* path, struct fuse_file_info* fi) {
  (void)path;
  close((int)fi->fh);
  return 0;
}

static int pc_fsync(const char* path, int datasync, struct fuse_file_info* fi) {
  ENTER(NULL);
  (void)path;
  struct stat st;
  if (fstat((int)fi->fh, &st) < 0) LEAVE(-errno);
  struct file_rec* f = file_find(st.st_ino);
  if (f) file_forget(f);  // everything written so far is now durable
  if (datasync) count.fdatasyncs++;
  else count.fsyncs++;
  LEAVE(0);
}

static int pc_opendir(const char* path, struct fuse_file_info* fi) {
  ENTER(path);
  int fd = openat(root_fd, rel(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) LEAVE(-errno);
  DIR* d = fdopendir(fd);
  if (!d) {
    close(fd);
    LEAVE(-errno);
  }
  fi->fh = (uint64_t)(uintptr_t)d;
  LEAVE(0);
}

static int pc_readdir(const char* path, void* buf, fuse_fill_dir_t fill, off_t off,
                      struct fuse_file_info* fi, enum fuse_readdir_flags flags) {
  ENTER(NULL);
  (void)off;
  (void)flags;
  DIR* d = (DIR*)(uintptr_t)fi->fh;
  int is_root = !strcmp(path, "/");
  rewinddir(d);
  struct dirent* e;
  while ((e = readdir(d)) != NULL) {
    if (is_root && !strcmp(e->d_name, STORE)) continue;
    struct stat st = {0};
    st.st_ino = e->d_ino;
    st.st_mode = (mode_t)DTTOIF(e->d_type);
    if (fill(buf, e->d_name, &st, 0, 0)) break;
  }
  LEAVE(0);
}

static int pc_releasedir(const char* path, struct fuse_file_info* fi) {
  (void)path;
  closedir((DIR*)(uintptr_t)fi->fh);
  return 0;
}

static int pc_fsyncdir(const char* path, int datasync, struct fuse_file_info* fi) {
  ENTER(NULL);
  (void)path;
  (void)datasync;
  struct stat st;
  if (fstat(dirfd((DIR*)(uintptr_t)fi->fh), &st) < 0) LEAVE(-errno);
  struct dir_rec* d = dir_find(st.st_ino);
  if (d) dir_forget(d);  // the entries it has now are the durable ones
  count.fsyncdirs++;
  LEAVE(0);
}

static int pc_fallocate(const char* path, int mode, off_t off, off_t len,
                        struct fuse_file_info* fi) {
  ENTER(NULL);
  (void)path;
  count.fallocates++;
  if (no_fallocate || (mode & ~FALLOC_FL_KEEP_SIZE)) {
    count.fallocates_refused++;
    LEAVE(-EOPNOTSUPP);
  }
  struct file_rec* f = file_track((int)fi->fh);
  if (!f) LEAVE(-errno);
  off_t old = size_of(f->fd);
  if (fallocate((int)fi->fh, mode, off, len) < 0) LEAVE(-errno);
  if (!(mode & FALLOC_FL_KEEP_SIZE) && off + len > old) {
    struct op* o = file_add(f);
    o->kind = OP_EXTEND;
    o->off = off + len;
    o->old_size = old;
  }
  LEAVE(0);
}

static const struct fuse_operations ops = {
    .init = pc_init,
    .getattr = pc_getattr,
    .readlink = pc_readlink,
    .mknod = pc_mknod,
    .mkdir = pc_mkdir,
    .unlink = pc_unlink,
    .rmdir = pc_rmdir,
    .symlink = pc_symlink,
    .rename = pc_rename,
    .link = pc_link,
    .chmod = pc_chmod,
    .chown = pc_chown,
    .utimens = pc_utimens,
    .truncate = pc_truncate,
    .open = pc_open,
    .create = pc_create,
    .read = pc_read,
    .write = pc_write,
    .statfs = pc_statfs,
    .flush = pc_flush,
    .release = pc_release,
    .fsync = pc_fsync,
    .opendir = pc_opendir,
    .readdir = pc_readdir,
    .releasedir = pc_releasedir,
    .fsyncdir = pc_fsyncdir,
    .fallocate = pc_fallocate,
};

int main(int argc, char** argv) {
  int i = 1;
  for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
    if (!strcmp(argv[i], "--no-fallocate")) {
      no_fallocate = 1;
    } else {
      fprintf(stderr, "powercutfs: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  if (argc - i < 2) {
    fprintf(stderr, "usage: powercutfs [--no-fallocate] BACKING MOUNTPOINT [fuse options]\n");
    return 2;
  }
  root_fd = open(argv[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) {
    perror(argv[i]);
    return 1;
  }
  rmtree_at(root_fd, STORE);  // left by a daemon that died
  if (mkdirat(root_fd, STORE, 0700) < 0 || mkdirat(root_fd, GRAVE, 0700) < 0) {
    perror("powercutfs: store");
    return 1;
  }
  char* fargv[32];
  int fargc = 0;
  fargv[fargc++] = argv[0];
  fargv[fargc++] = argv[i + 1];
  fargv[fargc++] = "-f";
  fargv[fargc++] = "-s";
  fargv[fargc++] = "-o";
  fargv[fargc++] = "fsname=powercutfs,subtype=powercutfs";
  for (int j = i + 2; j < argc && fargc < 31; j++) fargv[fargc++] = argv[j];
  fargv[fargc] = NULL;
  pthread_t thread;
  pthread_create(&thread, NULL, control, NULL);
  pthread_detach(thread);
  int rc = fuse_main(fargc, fargv, &ops, NULL);
  pthread_mutex_lock(&lock);
  // Unmounted without a cut: what was written is what stays (a clean shutdown).
  if (!dead) rmtree_at(root_fd, STORE);
  pthread_mutex_unlock(&lock);
  return rc;
}
