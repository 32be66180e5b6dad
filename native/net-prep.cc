#include "net-prep.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>

#include "net-sync.h"
#include "protocol.h"
#include "sqe.h"

namespace uring_loop {

namespace {

// Bytes behind a TypedArray or DataView (the scheduler passes nothing else).
// A detached buffer gives a null pointer and length 0.
bool BytesOf(napi_env env, napi_value value, uint8_t** data, size_t* length) {
  if (!value) return false;
  bool is = false;
  void* raw = nullptr;
  size_t count = 0;
  if (napi_is_typedarray(env, value, &is) == napi_ok && is) {
    napi_typedarray_type type;
    if (napi_get_typedarray_info(env, value, &type, &count, &raw, nullptr, nullptr) != napi_ok)
      return false;
    size_t size = 8;
    if (type == napi_int8_array || type == napi_uint8_array || type == napi_uint8_clamped_array)
      size = 1;
    else if (type == napi_int16_array || type == napi_uint16_array)
      size = 2;
    else if (type == napi_int32_array || type == napi_uint32_array || type == napi_float32_array)
      size = 4;
    count *= size;
  } else if (napi_is_dataview(env, value, &is) == napi_ok && is) {
    if (napi_get_dataview_info(env, value, &count, &raw, nullptr, nullptr) != napi_ok)
      return false;
  } else {
    return false;
  }
  *data = static_cast<uint8_t*>(raw);
  *length = raw ? count : 0;
  return true;
}

// A socket address prepared by the addon's sockaddr helpers.
int ResolveAddress(napi_env env, napi_value a, NetArgs* out) {
  if (!BytesOf(env, a, &out->data, &out->length) || !out->data) return -EINVAL;
  if (out->length < sizeof(sa_family_t) || out->length > sizeof(sockaddr_storage)) return -EINVAL;
  return 0;
}

// A byte range [offset, offset + len) of the first argument.
int ResolveRange(napi_env env, const double* p, napi_value a, NetArgs* out) {
  if (!BytesOf(env, a, &out->data, &out->length)) return -EINVAL;
  const double start = p[kParamBufOffset];
  const double len = p[kParamLen];
  if (start < 0 || len < 0 || start + len > static_cast<double>(out->length)) return -EINVAL;
  if (len > 0 && !out->data) return -EINVAL;
  return 0;
}

// A msghdr and `count` iovecs laid out in `a`, pointing at the views in `b`.
int ResolveMessage(napi_env env, const double* p, napi_value a, napi_value b, NetArgs* out) {
  if (!BytesOf(env, a, &out->data, &out->length) || !out->data) return -EINVAL;
  const double count = p[kParamLen];
  if (count < 1 || sizeof(msghdr) + count * sizeof(iovec) > out->length) return -EINVAL;
  auto* msg = reinterpret_cast<msghdr*>(out->data);
  auto* iov = reinterpret_cast<iovec*>(out->data + sizeof(msghdr));
  const uint32_t n = static_cast<uint32_t>(count);
  for (uint32_t i = 0; i < n; i++) {
    napi_value element;
    uint8_t* data = nullptr;
    size_t length = 0;
    if (napi_get_element(env, b, i, &element) != napi_ok || !BytesOf(env, element, &data, &length))
      return -EINVAL;
    iov[i].iov_base = data;
    iov[i].iov_len = length;
  }
  *msg = msghdr{};
  msg->msg_iov = iov;
  msg->msg_iovlen = n;
  return 0;
}

}  // namespace

bool IsNetOpcode(int opcode) {
  switch (opcode) {
    case IORING_OP_SOCKET:
    case kOpBind:
    case kOpListen:
    case IORING_OP_ACCEPT:
    case IORING_OP_CONNECT:
    case IORING_OP_SEND:
    case IORING_OP_RECV:
    case IORING_OP_SENDMSG:
    case IORING_OP_RECVMSG:
    case IORING_OP_SHUTDOWN:
      return true;
    default:
      return false;
  }
}

int ResolveNet(napi_env env, int opcode, const double* p, napi_value a, napi_value b,
               NetArgs* out) {
  switch (opcode) {
    case kOpBind: {
      const int ret = ResolveAddress(env, a, out);
      if (ret < 0) return ret;
      // Socket options cannot block; they must be in place before the bind runs.
      return ApplyReuse(static_cast<int>(p[kParamFd]), static_cast<unsigned>(p[kParamX1]));
    }
    case IORING_OP_CONNECT:
      return ResolveAddress(env, a, out);
    case IORING_OP_SEND:
      return ResolveRange(env, p, a, out);
    case IORING_OP_RECV:
      // A provided-buffer receive names a group instead of a buffer.
      if (p[kParamX1] > 0) return p[kParamX1] <= 65536 ? 0 : -EINVAL;
      return ResolveRange(env, p, a, out);
    case IORING_OP_SENDMSG:
    case IORING_OP_RECVMSG:
      return ResolveMessage(env, p, a, b, out);
    default:
      return 0;
  }
}

void FillNet(io_uring_sqe* sqe, int opcode, const double* p, const NetArgs& args) {
  const int fd = static_cast<int>(p[kParamFd]);
  const int flags = static_cast<int>(p[kParamOpFlags]);
  const bool multishot = p[kParamX2] > 0;
  switch (opcode) {
    case IORING_OP_SOCKET:
      PrepSocket(sqe, fd, flags, static_cast<int>(p[kParamLen]));
      break;
    case kOpBind:
      PrepBind(sqe, fd, reinterpret_cast<const sockaddr*>(args.data),
               static_cast<socklen_t>(args.length));
      break;
    case kOpListen:
      PrepListen(sqe, fd, static_cast<int>(p[kParamLen]));
      break;
    case IORING_OP_ACCEPT:
      PrepAccept(sqe, fd, flags, multishot);
      break;
    case IORING_OP_CONNECT:
      PrepConnect(sqe, fd, reinterpret_cast<const sockaddr*>(args.data),
                  static_cast<socklen_t>(args.length));
      break;
    case IORING_OP_SEND:
      PrepSend(sqe, fd, args.data + static_cast<size_t>(p[kParamBufOffset]),
               static_cast<size_t>(p[kParamLen]), flags);
      break;
    case IORING_OP_RECV:
      if (p[kParamX1] > 0) {
        PrepRecvProvided(sqe, fd, static_cast<unsigned>(p[kParamX1]) - 1, flags, multishot);
      } else {
        PrepRecv(sqe, fd, args.data + static_cast<size_t>(p[kParamBufOffset]),
                 static_cast<size_t>(p[kParamLen]), flags);
      }
      break;
    case IORING_OP_SENDMSG:
      PrepSendmsg(sqe, fd, reinterpret_cast<const msghdr*>(args.data),
                  static_cast<unsigned>(flags));
      break;
    case IORING_OP_RECVMSG:
      PrepRecvmsg(sqe, fd, reinterpret_cast<msghdr*>(args.data), static_cast<unsigned>(flags));
      break;
    case IORING_OP_SHUTDOWN:
      PrepShutdown(sqe, fd, static_cast<int>(p[kParamLen]));
      break;
    default:
      break;
  }
}

}  // namespace uring_loop
