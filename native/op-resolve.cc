#include "op-resolve.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <cerrno>

#include "net-sync.h"
#include "protocol.h"

namespace uring_loop {

namespace {

// Fills `count` iovecs from the views listed in the JS array `list`.
bool FillIovecs(napi_env env, napi_value list, iovec* iov, uint32_t count) {
  for (uint32_t i = 0; i < count; i++) {
    napi_value element;
    View part;
    if (napi_get_element(env, list, i, &element) != napi_ok || !GetView(env, element, &part))
      return false;
    iov[i].iov_base = part.data;
    iov[i].iov_len = part.length;
  }
  return true;
}

}  // namespace

int ResolveNothing(napi_env, napi_value, napi_value, ResolvedEntry*) { return 0; }

int ResolveRange(napi_env env, napi_value a, napi_value, ResolvedEntry* out) {
  if (!GetView(env, a, &out->mem)) return -EINVAL;
  const double start = out->p[kParamBufOffset];
  const double len = out->p[kParamLen];
  if (start < 0 || len < 0 || start + len > static_cast<double>(out->mem.length)) return -EINVAL;
  if (len > 0 && !out->mem.data) return -EINVAL;
  return 0;
}

int ResolveIovecs(napi_env env, napi_value a, napi_value b, ResolvedEntry* out) {
  const double count = out->p[kParamLen];
  if (!GetView(env, a, &out->mem) || !out->mem.data) return -EINVAL;
  if (count < 1 || count * sizeof(iovec) > out->mem.length) return -EINVAL;
  auto* iov = reinterpret_cast<iovec*>(out->mem.data);
  return FillIovecs(env, b, iov, static_cast<uint32_t>(count)) ? 0 : -EINVAL;
}

int ResolvePath(napi_env env, napi_value a, napi_value, ResolvedEntry* out) {
  return (out->path = GetPath(env, a)) ? 0 : -EINVAL;
}

int ResolvePaths(napi_env env, napi_value a, napi_value b, ResolvedEntry* out) {
  return (out->path = GetPath(env, a)) && (out->path2 = GetPath(env, b)) ? 0 : -EINVAL;
}

int ResolveStatx(napi_env env, napi_value a, napi_value b, ResolvedEntry* out) {
  if (!GetView(env, a, &out->mem) || !out->mem.data || out->mem.length < sizeof(struct statx))
    return -EINVAL;
  out->path = "";
  napi_valuetype type;
  if (b && napi_typeof(env, b, &type) == napi_ok && type != napi_undefined) {
    if (!(out->path = GetPath(env, b))) return -EINVAL;
  }
  return 0;
}

int ResolveTimespec(napi_env env, napi_value a, napi_value, ResolvedEntry* out) {
  if (!GetView(env, a, &out->mem) || !out->mem.data || out->mem.length < sizeof(__kernel_timespec))
    return -EINVAL;
  return 0;
}

int ResolveAddress(napi_env env, napi_value a, napi_value, ResolvedEntry* out) {
  if (!GetView(env, a, &out->mem) || !out->mem.data) return -EINVAL;
  if (out->mem.length < sizeof(sa_family_t) || out->mem.length > sizeof(sockaddr_storage))
    return -EINVAL;
  return 0;
}

int ResolveBind(napi_env env, napi_value a, napi_value b, ResolvedEntry* out) {
  const int ret = ResolveAddress(env, a, b, out);
  if (ret < 0) return ret;
  // Socket options cannot block; they must be in place before the bind runs.
  return ApplyReuse(static_cast<int>(out->p[kParamFd]), static_cast<unsigned>(out->p[kParamX1]));
}

int ResolveRecv(napi_env env, napi_value a, napi_value b, ResolvedEntry* out) {
  // A provided-buffer receive names a group instead of a buffer.
  const double group = out->p[kParamX1];
  if (group > 0) return group <= 65536 ? 0 : -EINVAL;
  return ResolveRange(env, a, b, out);
}

int ResolveMessage(napi_env env, napi_value a, napi_value b, ResolvedEntry* out) {
  if (!GetView(env, a, &out->mem) || !out->mem.data) return -EINVAL;
  const double count = out->p[kParamLen];
  if (count < 1 || sizeof(msghdr) + count * sizeof(iovec) > out->mem.length) return -EINVAL;
  auto* msg = reinterpret_cast<msghdr*>(out->mem.data);
  auto* iov = reinterpret_cast<iovec*>(out->mem.data + sizeof(msghdr));
  const uint32_t n = static_cast<uint32_t>(count);
  if (!FillIovecs(env, b, iov, n)) return -EINVAL;
  *msg = msghdr{};
  msg->msg_iov = iov;
  msg->msg_iovlen = n;
  return 0;
}

}  // namespace uring_loop
