// Shared-memory layout agreed with the addon; mirrors native/protocol.h.

export const P_OPCODE = 0;
export const P_FD = 1;
export const P_LEN = 2;
export const P_OFFSET = 3;
export const P_SLOT = 4;
export const P_TAG = 5;
export const P_SQE_FLAGS = 6;
export const P_OP_FLAGS = 7;
export const P_BUF_OFFSET = 8;
export const P_FILE_INDEX = 9;
export const P_X1 = 10;
export const P_X2 = 11;
export const P_GROUP = 12;
export const PARAM_COUNT = 16;

export const CQE_SLOT = 0;
export const CQE_TAG = 1;
export const CQE_RES = 2;
export const CQE_FLAGS = 3;
export const CQE_STRIDE = 4;

/** Counters: each has one writer, the addon, except C_ENTRIES_STAGED (written by JS only). */
export const C_SUBMIT_CALLS = 0;
export const C_SQES_SUBMITTED = 1;
export const C_CQES_REAPED = 2;
export const C_HARVESTS = 3;
export const C_ENTER_CALLS = 4;
export const C_SUBMIT_RETRIES = 5;
export const C_REFED = 6;
/**
 * Staging-area entries ever staged / ever taken by the addon (monotonic). The area is a circular
 * buffer: entry n lives at n % capacity, its objects at (n % capacity) * 2 and + 1; JS writes only
 * entries in [taken, staged) with staged - taken <= capacity, and the addon never moves or clears
 * anything there.
 */
export const C_ENTRIES_STAGED = 7;
export const C_ENTRIES_TAKEN = 8;
export const COUNTER_COUNT = 9;

/** io_uring opcodes (kernel ABI numbers). */
export const Opcode = {
  NOP: 0,
  READV: 1,
  WRITEV: 2,
  FSYNC: 3,
  TIMEOUT: 11,
  ASYNC_CANCEL: 14,
  LINK_TIMEOUT: 15,
  FALLOCATE: 17,
  OPENAT: 18,
  CLOSE: 19,
  STATX: 21,
  READ: 22,
  WRITE: 23,
  RENAMEAT: 35,
  UNLINKAT: 36,
  MKDIRAT: 37,
  SYMLINKAT: 38,
  LINKAT: 39,
  FTRUNCATE: 55,
} as const;

export const IOSQE_FIXED_FILE = 1 << 0;
export const IOSQE_IO_LINK = 1 << 2;
export const IOSQE_IO_HARDLINK = 1 << 3;
export const IOSQE_ASYNC = 1 << 4;
/** No CQE when the op succeeds (Linux 5.17, IORING_FEAT_CQE_SKIP). */
export const IOSQE_CQE_SKIP_SUCCESS = 1 << 6;
export const IORING_FEAT_CQE_SKIP = 1 << 11;
export const IORING_FSYNC_DATASYNC = 1 << 0;
export const IORING_ASYNC_CANCEL_ANY = 1 << 2;
/** Per-write O_DSYNC (pwritev2(2)), in the SQE's rw_flags. */
export const RWF_DSYNC = 0x2;

export const AT_FDCWD = -100;
export const AT_REMOVEDIR = 0x200;
export const AT_SYMLINK_NOFOLLOW = 0x100;
export const AT_EMPTY_PATH = 0x1000;
export const STATX_BASIC_STATS = 0x7ff;
export const STATX_BTIME = 0x800;

/** The CQE kind lives in the low bits of the tag; the slot generation above it. */
export const KIND_MAIN = 0;
export const KIND_TIMEOUT = 1;
export const KIND_CANCEL = 2;
export const KIND_BITS = 2;
export const GEN_MASK = 0x1fffffff;

/** Socket opcodes (kernel ABI numbers); BIND and LISTEN are Linux 6.11. */
export const NetOpcode = {
  SENDMSG: 9,
  RECVMSG: 10,
  ACCEPT: 13,
  CONNECT: 16,
  SEND: 26,
  RECV: 27,
  SHUTDOWN: 34,
  SOCKET: 45,
  BIND: 56,
  LISTEN: 57,
} as const;

/** CQE flags: a provided buffer was used (its id is in flags >>> 16); more CQEs follow. */
export const IORING_CQE_F_BUFFER = 1 << 0;
export const IORING_CQE_F_MORE = 1 << 1;
export const IORING_CQE_BUFFER_SHIFT = 16;
