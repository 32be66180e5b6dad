// no-uring: runs a command in which io_uring is unavailable, as under a container seccomp profile
// or kernel.io_uring_disabled. A seccomp filter makes io_uring_setup, io_uring_enter and
// io_uring_register fail with the given errno; every other system call is allowed.
//
//   no-uring EPERM node script.js
//   no-uring ENOSYS node script.js
//   no-uring 38 node script.js
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

// The generic syscall table (x86-64, arm64, ...) numbers these the same everywhere.
#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif
#ifndef __NR_io_uring_enter
#define __NR_io_uring_enter 426
#endif
#ifndef __NR_io_uring_register
#define __NR_io_uring_register 427
#endif

#if defined(__x86_64__)
#define ARCH_NR AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH_NR AUDIT_ARCH_AARCH64
#else
#error "no-uring: unsupported architecture"
#endif

static int parse_errno(const char* text) {
  static const struct {
    const char* name;
    int value;
  } names[] = {{"EPERM", EPERM},
               {"ENOSYS", ENOSYS},
               {"EACCES", EACCES},
               {"ENOMEM", ENOMEM},
               {"EINVAL", EINVAL}};
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    if (strcmp(text, names[i].name) == 0) return names[i].value;
  }
  char* end = NULL;
  long value = strtol(text, &end, 10);
  if (*text == '\0' || *end != '\0' || value <= 0 || value > 4095) return -1;
  return (int)value;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s ERRNO command [args...]\n", argv[0]);
    return 2;
  }
  const int err = parse_errno(argv[1]);
  if (err < 0) {
    fprintf(stderr, "%s: unknown errno '%s'\n", argv[0], argv[1]);
    return 2;
  }
  const unsigned int fail = SECCOMP_RET_ERRNO | ((unsigned int)err & SECCOMP_RET_DATA);
  struct sock_filter filter[] = {
      // Another architecture's calling convention: leave it alone.
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH_NR, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 3, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_enter, 2, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_register, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_RET | BPF_K, fail),
  };
  struct sock_fprog prog = {(unsigned short)(sizeof(filter) / sizeof(filter[0])), filter};
  // Without NO_NEW_PRIVS only a privileged process may install a filter.
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    perror("no-uring: prctl(PR_SET_NO_NEW_PRIVS)");
    return 1;
  }
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
    perror("no-uring: seccomp(SECCOMP_SET_MODE_FILTER)");
    return 1;
  }
  execvp(argv[2], argv + 2);
  fprintf(stderr, "no-uring: cannot run %s: %s\n", argv[2], strerror(errno));
  return 127;
}
