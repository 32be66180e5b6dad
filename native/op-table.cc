#include "op-table.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <algorithm>
#include <array>

#include "op-resolve.h"
#include "protocol.h"
#include "uring-compat.h"

namespace uring_loop {

namespace {

// Parameters of an entry, as the ops read them.
int Fd(const ResolvedEntry& e) { return static_cast<int>(e.p[kParamFd]); }
unsigned Len(const ResolvedEntry& e) { return static_cast<unsigned>(e.p[kParamLen]); }
unsigned OpFlags(const ResolvedEntry& e) { return static_cast<unsigned>(e.p[kParamOpFlags]); }
// Socket calls take their flags (MSG_*, SOCK_*) as an int.
int Flags(const ResolvedEntry& e) { return static_cast<int>(e.p[kParamOpFlags]); }
// len as an int: a mode, protocol, backlog or shutdown direction.
int IntLen(const ResolvedEntry& e) { return static_cast<int>(e.p[kParamLen]); }
// len as a byte count of a socket call.
size_t Size(const ResolvedEntry& e) { return static_cast<size_t>(e.p[kParamLen]); }
bool ProvidedBuffer(const ResolvedEntry& e) { return e.p[kParamX1] > 0; }
// A file position: -1 means the file's current position.
uint64_t Position(const ResolvedEntry& e) {
  const double at = e.p[kParamOffset];
  return at < 0 ? static_cast<uint64_t>(-1) : static_cast<uint64_t>(at);
}
// The byte at the entry's buffer offset in its memory (a range resolved by ResolveRange).
uint8_t* Bytes(const ResolvedEntry& e) {
  return e.mem.data + static_cast<size_t>(e.p[kParamBufOffset]);
}
// Direct descriptor index + 1, or 0 for a regular descriptor.
unsigned FileSlot(const ResolvedEntry& e) { return static_cast<unsigned>(e.p[kParamFileIndex]); }
bool Multishot(const ResolvedEntry& e) { return e.p[kParamX2] > 0; }

// Writes the entry's x1 (milliseconds) into its timespec, which the kernel
// reads when it takes the SQE.
__kernel_timespec* Timespec(const ResolvedEntry& e) {
  auto* ts = reinterpret_cast<__kernel_timespec*>(e.mem.data);
  const double ms = std::max(0.0, e.p[kParamX1]);
  ts->tv_sec = static_cast<int64_t>(ms / 1000);
  ts->tv_nsec = static_cast<long long>((ms - static_cast<double>(ts->tv_sec) * 1000) * 1e6);
  return ts;
}

sockaddr* Address(const ResolvedEntry& e) { return reinterpret_cast<sockaddr*>(e.mem.data); }
socklen_t AddressLength(const ResolvedEntry& e) { return static_cast<socklen_t>(e.mem.length); }
msghdr* Message(const ResolvedEntry& e) { return reinterpret_cast<msghdr*>(e.mem.data); }
iovec* Iovecs(const ResolvedEntry& e) { return reinterpret_cast<iovec*>(e.mem.data); }

// Path ops resolve relative paths against the working directory.
constexpr int kCwd = AT_FDCWD;

// {opcode, object slots used, resolver, fill}. Which parameter carries what is
// the scheduler's side of the same op (loop/ops/).
constexpr OpRow kOps[] = {
    // Files.
    {IORING_OP_NOP, 0, ResolveNothing,
     [](io_uring_sqe* sqe, const ResolvedEntry&) { io_uring_prep_nop(sqe); }},
    {IORING_OP_READ, 1, ResolveRange,
     [](io_uring_sqe* sqe, const ResolvedEntry& e) {
       io_uring_prep_read(sqe, Fd(e), Bytes(e), Len(e), Position(e));
     }},
    // Writes, op flags: RWF_* (RWF_DSYNC), for the kernel's per-write flags.
    {IORING_OP_WRITE, 1, ResolveRange,
     [](io_uring_sqe* sqe, const ResolvedEntry& e) {
       io_uring_prep_write(sqe, Fd(e), Bytes(e), Len(e), Position(e));
       sqe->rw_flags = static_cast<__kernel_rwf_t>(OpFlags(e));
     }},
    {IORING_OP_READV, 2, ResolveIovecs,
     [](io_uring_sqe* sqe, const ResolvedEntry& e) {
       io_uring_prep_readv(sqe, Fd(e), Iovecs(e), Len(e), Position(e));
     }},
    {IORING_OP_WRITEV, 2, ResolveIovecs,
     [](io_uring_sqe* sqe, const ResolvedEntry& e) {
       io_uring_prep_writev(sqe, Fd(e), Iovecs(e), Len(e), Position(e));
       sqe->rw_flags = static_cast<__kernel_rwf_t>(OpFlags(e));
     }},
    {IORING_OP_FSYNC, 0, ResolveNothing,
     [](io_uring_sqe* sqe, const ResolvedEntry& e) {
       io_uring_prep_fsync(sqe, Fd(e), OpFlags(e));
     }},
    // len: mode; offset: start; x1: length.
    {IORING_OP_FALLOCATE, 0, ResolveNothing,
     [](io_uring_sqe* sqe, const ResolvedEntry& e) {
       io_uring_prep_fallocate(sqe, Fd(e), IntLen(e),
                               static_cast<off_t>(static_cast<uint64_t>(e.p[kParamOffset])),
                               static_cast<off_t>(static_cast<uint64_t>(e.p[kParamX1])));
     }},
    // offset: the new length.
    {IORING_OP_FTRUNCATE, 0, ResolveNothing,
     [](io_uring_sqe* sqe, const ResolvedEntry& e) {
       io_uring_prep_ftruncate(sqe, Fd(e),
                               static_cast<loff_t>(static_cast<uint64_t>(e.p[kParamOffset])));
     }},
    // len: mode.
    {IORING_OP_OPENAT, 1, ResolvePath,
     [](io_uring_sqe* sqe, const ResolvedEntry& e) {
       const int flags = static_cast<int>(OpFlags(e));
       if (FileSlot(e)) {
         io_uring_prep_openat_direct(sqe, kCwd, e.path, flags, Len(e), FileSlot(e) - 1);
       } else {
         io_uring_prep_openat(sqe, kCwd, e.path, flags, Len(e));
       }
     }},
    {IORING_OP_CLOSE, 0, ResolveNothing,
     [](io_uring_sqe* sqe, const ResolvedEntry& e) {
       if (FileSlot(e)) {
         io_uring_prep_close_direct(sqe, FileSlot(e) - 1);
       } else {
         io_uring_prep_close(sqe, Fd(e));
       }
     }},
    // fd: the directory fd (AT_FDCWD, or the file itself with AT_EMPTY_PATH); len: mask.
    {IORING_OP_STATX, 2, ResolveStatx,
     [](io_uring_sqe* sqe, const ResolvedEntry& e) {
       io_uring_prep_statx(sqe, Fd(e), e.path, static_cast<int>(OpFlags(e)), Len(e),
                           reinterpret_cast<struct statx*>(e.mem.data));
     }},
    {IORING_OP_RENAMEAT, 2, ResolvePaths,
     [](io_uring_sqe* sqe, const ResolvedEntry& e) {
       io_uring_prep_renameat(sqe, kCwd, e.path, kCwd, e.path2, OpFlags(e));
     }},
    {IORING_OP_UNLINKAT, 1, ResolvePath,
     [](io_uring_sqe* sqe, const ResolvedEntry& e) {
       io_uring_prep_unlinkat(sqe, kCwd, e.path, static_cast<int>(OpFlags(e)));
     }},
    // len: mode.
    {IORING_OP_MKDIRAT, 1, ResolvePath,
     [](io_uring_sqe* sqe, const ResolvedEntry& e) {
       io_uring_prep_mkdirat(sqe, kCwd, e.path, Len(e));
     }},
    // a: the link's target, b: the new link's path.
    {IORING_OP_SYMLINKAT, 2, ResolvePaths,
     [](io_uring_sqe* sqe, const ResolvedEntry& e) {
       io_uring_prep_symlinkat(sqe, e.path, kCwd, e.path2);
     }},
    // a: the existing path, b: the new link's path; op flags: AT_SYMLINK_FOLLOW or 0.
    {IORING_OP_LINKAT, 2, ResolvePaths,
     [](io_uring_sqe* sqe, const ResolvedEntry& e) {
       io_uring_prep_linkat(sqe, kCwd, e.path, kCwd, e.path2, static_cast<int>(OpFlags(e)));
     }},

    // Timeouts and cancellation. x1: milliseconds.
    {IORING_OP_TIMEOUT, 1, ResolveTimespec,
     [](io_uring_sqe* sqe, const ResolvedEntry& e) {
       io_uring_prep_timeout(sqe, Timespec(e), 0, OpFlags(e));
     }},
    {IORING_OP_LINK_TIMEOUT, 1, ResolveTimespec,
     [](io_uring_sqe* sqe, const ResolvedEntry& e) {
       io_uring_prep_link_timeout(sqe, Timespec(e), 0);
     }},
    // x1, x2: the target's user_data (slot, tag).
    {IORING_OP_ASYNC_CANCEL, 0, ResolveNothing,
     [](io_uring_sqe* sqe, const ResolvedEntry& e) {
       const uint64_t target = (static_cast<uint64_t>(static_cast<uint32_t>(e.p[kParamX2])) << 32) |
                               static_cast<uint32_t>(e.p[kParamX1]);
       io_uring_prep_cancel64(sqe, target, static_cast<int>(OpFlags(e)));
     }},

    // Sockets. Op flags: the call's flags (MSG_*, SOCK_* for accept and socket).
    // fd: domain; op flags: type; len: protocol.
    {IORING_OP_SOCKET, 0, ResolveNothing,
     [](io_uring_sqe* sqe, const ResolvedEntry& e) {
       io_uring_prep_socket(sqe, Fd(e), Flags(e), IntLen(e), 0);
     }},
    {IORING_OP_BIND, 1, ResolveBind,
     [](io_uring_sqe* sqe, const ResolvedEntry& e) {
       io_uring_prep_bind(sqe, Fd(e), Address(e), AddressLength(e));
     }},
    // len: backlog.
    {IORING_OP_LISTEN, 0, ResolveNothing,
     [](io_uring_sqe* sqe, const ResolvedEntry& e) {
       io_uring_prep_listen(sqe, Fd(e), IntLen(e));
     }},
    // No address buffer: the peer is read later with getpeername(), and a
    // multishot accept would overwrite one shared buffer anyway. x2 > 0: multishot.
    {IORING_OP_ACCEPT, 0, ResolveNothing,
     [](io_uring_sqe* sqe, const ResolvedEntry& e) {
       if (Multishot(e)) {
         io_uring_prep_multishot_accept(sqe, Fd(e), nullptr, nullptr, Flags(e));
       } else {
         io_uring_prep_accept(sqe, Fd(e), nullptr, nullptr, Flags(e));
       }
     }},
    {IORING_OP_CONNECT, 1, ResolveAddress,
     [](io_uring_sqe* sqe, const ResolvedEntry& e) {
       io_uring_prep_connect(sqe, Fd(e), Address(e), AddressLength(e));
     }},
    {IORING_OP_SEND, 1, ResolveRange,
     [](io_uring_sqe* sqe, const ResolvedEntry& e) {
       io_uring_prep_send(sqe, Fd(e), Bytes(e), Size(e), Flags(e));
     }},
    // x1 > 0: into a buffer the kernel picks from provided-buffer group x1 - 1
    // (len 0: it may fill a whole one); the CQE names it. x2 > 0: multishot.
    {IORING_OP_RECV, 1, ResolveRecv,
     [](io_uring_sqe* sqe, const ResolvedEntry& e) {
       if (!ProvidedBuffer(e)) {
         io_uring_prep_recv(sqe, Fd(e), Bytes(e), Size(e), Flags(e));
         return;
       }
       if (Multishot(e)) {
         io_uring_prep_recv_multishot(sqe, Fd(e), nullptr, 0, Flags(e));
       } else {
         io_uring_prep_recv(sqe, Fd(e), nullptr, 0, Flags(e));
       }
       sqe->flags |= IOSQE_BUFFER_SELECT;
       sqe->buf_group = static_cast<uint16_t>(static_cast<unsigned>(e.p[kParamX1]) - 1);
     }},
    {IORING_OP_SENDMSG, 2, ResolveMessage,
     [](io_uring_sqe* sqe, const ResolvedEntry& e) {
       io_uring_prep_sendmsg(sqe, Fd(e), Message(e), static_cast<unsigned>(Flags(e)));
     }},
    {IORING_OP_RECVMSG, 2, ResolveMessage,
     [](io_uring_sqe* sqe, const ResolvedEntry& e) {
       io_uring_prep_recvmsg(sqe, Fd(e), Message(e), static_cast<unsigned>(Flags(e)));
     }},
    // len: how.
    {IORING_OP_SHUTDOWN, 0, ResolveNothing,
     [](io_uring_sqe* sqe, const ResolvedEntry& e) {
       io_uring_prep_shutdown(sqe, Fd(e), IntLen(e));
     }},
};

std::array<const OpRow*, 256> IndexOps() {
  std::array<const OpRow*, 256> index{};
  for (const OpRow& row : kOps) index[row.opcode] = &row;
  return index;
}

const std::array<const OpRow*, 256> kIndex = IndexOps();

}  // namespace

const OpRow* FindOp(double opcode) {
  return opcode >= 0 && opcode < 256 ? kIndex[static_cast<size_t>(opcode)] : nullptr;
}

}  // namespace uring_loop
