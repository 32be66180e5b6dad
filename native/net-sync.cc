#include "net-sync.h"

#include <arpa/inet.h>
#include <liburing.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>

#include "napi-util.h"
#include "ring.h"

namespace uring_loop {

namespace {

int IntArg(const Napi::CallbackInfo& info, size_t i) {
  return info.Length() > i && info[i].IsNumber() ? info[i].As<Napi::Number>().Int32Value() : -1;
}

Napi::Buffer<uint8_t> CopyOut(Napi::Env env, const void* data, size_t length) {
  return Napi::Buffer<uint8_t>::Copy(env, static_cast<const uint8_t*>(data), length);
}

// sockaddr(family 4|6, address, port): the bytes of a sockaddr_in/in6, or null
// when `address` is not a literal of that family.
Napi::Value Sockaddr(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int family = IntArg(info, 0);
  const int port = IntArg(info, 2);
  if (info.Length() < 3 || !info[1].IsString() || port < 0 || port > 65535) return env.Null();
  const std::string address = info[1].As<Napi::String>().Utf8Value();
  if (family == 4) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, address.c_str(), &sin.sin_addr) != 1) return env.Null();
    return CopyOut(env, &sin, sizeof(sin));
  }
  if (family == 6) {
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET6, address.c_str(), &sin6.sin6_addr) != 1) return env.Null();
    return CopyOut(env, &sin6, sizeof(sin6));
  }
  return env.Null();
}

// unixSockaddr(pathBytes): a sockaddr_un, or null when the path does not fit
// in sun_path. A path starting with a NUL byte names an abstract socket.
Napi::Value UnixSockaddr(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsTypedArray()) return env.Null();
  auto bytes = info[0].As<Napi::Uint8Array>();
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  const size_t n = bytes.ByteLength();
  const bool abstract = n > 0 && bytes.Data()[0] == 0;
  if (n == 0 || n > sizeof(sun.sun_path) - (abstract ? 0 : 1)) return env.Null();
  std::memcpy(sun.sun_path, bytes.Data(), n);
  // A filesystem path carries its NUL terminator; an abstract name does not.
  const size_t length = offsetof(sockaddr_un, sun_path) + n + (abstract ? 0 : 1);
  return CopyOut(env, &sun, length);
}

Napi::Value Describe(Napi::Env env, const sockaddr_storage& ss, socklen_t length) {
  Napi::Object out = Napi::Object::New(env);
  char text[INET6_ADDRSTRLEN] = {0};
  if (ss.ss_family == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &sin->sin_addr, text, sizeof(text));
    out.Set("family", "IPv4");
    out.Set("address", text);
    out.Set("port", ntohs(sin->sin_port));
  } else if (ss.ss_family == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof(text));
    out.Set("family", "IPv6");
    out.Set("address", text);
    out.Set("port", ntohs(sin6->sin6_port));
  } else if (ss.ss_family == AF_UNIX) {
    const auto* sun = reinterpret_cast<const sockaddr_un*>(&ss);
    const size_t base = offsetof(sockaddr_un, sun_path);
    size_t n = length > base ? length - base : 0;
    // A filesystem path ends at its NUL; an abstract name uses every byte.
    if (n > 0 && sun->sun_path[0] != 0) n = strnlen(sun->sun_path, n);
    out.Set("family", "unix");
    out.Set("path", std::string(sun->sun_path, n));
  } else {
    out.Set("family", Napi::Number::New(env, ss.ss_family));
  }
  return out;
}

template <int (*Get)(int, sockaddr*, socklen_t*)>
Napi::Value Name(const Napi::CallbackInfo& info) {
  sockaddr_storage ss{};
  socklen_t length = sizeof(ss);
  if (Get(IntArg(info, 0), reinterpret_cast<sockaddr*>(&ss), &length) != 0)
    return NegativeErrno(info.Env(), errno);
  return Describe(info.Env(), ss, length);
}

// bind(fd, sockaddrBytes, reuseBits): the fallback where the kernel lacks
// IORING_OP_BIND. bind(2) never blocks.
Napi::Value Bind(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int fd = IntArg(info, 0);
  if (info.Length() < 3 || !info[1].IsTypedArray()) return NegativeErrno(env, EINVAL);
  auto bytes = info[1].As<Napi::Uint8Array>();
  const int reuse = IntArg(info, 2);
  if (reuse > 0) {
    const int ret = ApplyReuse(fd, static_cast<unsigned>(reuse));
    if (ret < 0) return Napi::Number::New(env, ret);
  }
  if (bind(fd, reinterpret_cast<const sockaddr*>(bytes.Data()),
           static_cast<socklen_t>(bytes.ByteLength())) != 0)
    return NegativeErrno(env, errno);
  return Napi::Number::New(env, 0);
}

// listen(fd, backlog): the fallback where the kernel lacks IORING_OP_LISTEN.
Napi::Value Listen(const Napi::CallbackInfo& info) {
  if (listen(IntArg(info, 0), IntArg(info, 1)) != 0) return NegativeErrno(info.Env(), errno);
  return Napi::Number::New(info.Env(), 0);
}

// setsockoptInt(fd, level, name, value): an int-valued socket option; 0 or a
// negative errno.
Napi::Value SetsockoptInt(const Napi::CallbackInfo& info) {
  const int value = IntArg(info, 3);
  if (setsockopt(IntArg(info, 0), IntArg(info, 1), IntArg(info, 2), &value, sizeof(value)) != 0)
    return NegativeErrno(info.Env(), errno);
  return Napi::Number::New(info.Env(), 0);
}

io_uring* LiveRing(const Napi::CallbackInfo& info) {
  return info.Length() < 1 ? nullptr : Ring::LiveRaw(info[0]);
}

// registerBufRing(nativeRing, arrayBuffer, entries, groupId): registers a
// provided-buffer ring whose entries live at the first page boundary inside
// `arrayBuffer`. Returns { ringOffset, address } (address: where the
// ArrayBuffer starts, for the entries JS writes) or a negative errno. The
// ArrayBuffer must stay referenced until unregisterBufRing or the ring closes.
Napi::Value RegisterBufRing(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  io_uring* ring = LiveRing(info);
  if (!ring) return NegativeErrno(env, EBADF);
  if (info.Length() < 4 || !info[1].IsArrayBuffer()) return NegativeErrno(env, EINVAL);
  auto memory = info[1].As<Napi::ArrayBuffer>();
  const int entries = IntArg(info, 2);
  const int group = IntArg(info, 3);
  if (entries < 1 || entries > 32768 || (entries & (entries - 1)) != 0 || group < 0 ||
      group > 65535)
    return NegativeErrno(env, EINVAL);
  auto* base = static_cast<uint8_t*>(memory.Data());
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t start = reinterpret_cast<uintptr_t>(base);
  const size_t offset = static_cast<size_t>((page - start % page) % page);
  const size_t bytes = static_cast<size_t>(entries) * sizeof(io_uring_buf);
  if (!base || offset + bytes > memory.ByteLength()) return NegativeErrno(env, EINVAL);
  io_uring_buf_reg reg{};
  reg.ring_addr = start + offset;
  reg.ring_entries = static_cast<uint32_t>(entries);
  reg.bgid = static_cast<uint16_t>(group);
  const int ret = io_uring_register_buf_ring(ring, &reg, 0);
  if (ret < 0) return Napi::Number::New(env, ret);
  Napi::Object out = Napi::Object::New(env);
  out.Set("ringOffset", Napi::Number::New(env, static_cast<double>(offset)));
  out.Set("address", Napi::Number::New(env, static_cast<double>(start)));
  return out;
}

Napi::Value UnregisterBufRing(const Napi::CallbackInfo& info) {
  io_uring* ring = LiveRing(info);
  if (!ring) return NegativeErrno(info.Env(), EBADF);
  return Napi::Number::New(info.Env(), io_uring_unregister_buf_ring(ring, IntArg(info, 1)));
}

}  // namespace

int ApplyReuse(int fd, unsigned bits) {
  const int one = 1;
  if ((bits & kReuseAddr) && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0)
    return -errno;
  if ((bits & kReusePort) && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0)
    return -errno;
  return 0;
}

Napi::Object NetExports(Napi::Env env) {
  Napi::Object net = Napi::Object::New(env);
  net.Set("pageSize", Napi::Number::New(env, static_cast<double>(sysconf(_SC_PAGESIZE))));
  net.Set("sockaddr", Napi::Function::New<Sockaddr>(env, "sockaddr"));
  net.Set("unixSockaddr", Napi::Function::New<UnixSockaddr>(env, "unixSockaddr"));
  net.Set("sockname", Napi::Function::New<Name<getsockname>>(env, "sockname"));
  net.Set("peername", Napi::Function::New<Name<getpeername>>(env, "peername"));
  net.Set("bind", Napi::Function::New<Bind>(env, "bind"));
  net.Set("listen", Napi::Function::New<Listen>(env, "listen"));
  net.Set("setsockoptInt", Napi::Function::New<SetsockoptInt>(env, "setsockoptInt"));
  net.Set("registerBufRing", Napi::Function::New<RegisterBufRing>(env, "registerBufRing"));
  net.Set("unregisterBufRing", Napi::Function::New<UnregisterBufRing>(env, "unregisterBufRing"));
  return net;
}

}  // namespace uring_loop
