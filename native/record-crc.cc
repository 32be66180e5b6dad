#include "record-crc.h"

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "napi-util.h"

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace uring_loop {

namespace {

constexpr size_t kHeader = 8;

uint32_t LoadU32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

void StoreU32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
  p[2] = static_cast<uint8_t>(v >> 16);
  p[3] = static_cast<uint8_t>(v >> 24);
}

#if defined(__x86_64__)

bool HaveCrc32c() { return __builtin_cpu_supports("sse4.2"); }

// The instruction updates a CRC32C register without the pre- and post-inversion
// of the standard CRC; `crc` is a finished CRC (as the library's `initial`).
__attribute__((target("sse4.2"))) uint32_t Crc32c(uint32_t crc, const uint8_t* p, size_t n) {
  uint64_t c = ~crc;
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t word;
    std::memcpy(&word, p, sizeof(word));
    c = _mm_crc32_u64(c, word);
  }
  uint32_t c32 = static_cast<uint32_t>(c);
  for (; n > 0; n--, p++) c32 = _mm_crc32_u8(c32, *p);
  return ~c32;
}

#else

bool HaveCrc32c() { return false; }
uint32_t Crc32c(uint32_t crc, const uint8_t*, size_t) { return crc; }

#endif

bool Integer(const Napi::Value& v, double max, double* out) {
  if (!v.IsNumber()) return false;
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= max) || std::floor(d) != d) return false;
  *out = d;
  return true;
}

Napi::Value Seal(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  static const bool have = HaveCrc32c();
  if (!have) return NegativeErrno(env, ENOTSUP);
  View view;
  double start, end, lsn;
  if (info.Length() < 4 || !GetView(env, info[0], &view) ||
      !Integer(info[1], static_cast<double>(view.length), &start) ||
      !Integer(info[2], static_cast<double>(view.length), &end) || end < start ||
      !Integer(info[3], 9007199254740991.0, &lsn))
    return NegativeErrno(env, EINVAL);
  uint8_t* const base = view.data;
  const size_t from = static_cast<size_t>(start), to = static_cast<size_t>(end);
  // Check the whole run first: a bad size field writes nothing.
  uint32_t count = 0;
  for (size_t off = from; off < to; count++) {
    if (to - off < kHeader) return NegativeErrno(env, EINVAL);
    const uint32_t size = LoadU32(base + off + 4);
    if (size < kHeader || size > to - off) return NegativeErrno(env, EINVAL);
    off += size;
  }
  // LSN mod 2^32 seeds each record's CRC.
  uint32_t seed = static_cast<uint32_t>(static_cast<uint64_t>(lsn));
  for (size_t off = from; off < to; seed++) {
    const uint32_t size = LoadU32(base + off + 4);
    StoreU32(base + off, Crc32c(seed, base + off + 4, size - 4));
    off += size;
  }
  return Napi::Number::New(env, count);
}

}  // namespace

Napi::Object RecordCrcExports(Napi::Env env) {
  Napi::Object exports = Napi::Object::New(env);
  exports.Set("seal", Napi::Function::New(env, Seal, "seal"));
  return exports;
}

}  // namespace uring_loop
