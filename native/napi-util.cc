#include "napi-util.h"

namespace uring_loop {

namespace {

size_t ElementSize(napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array:
    case napi_uint8_array:
    case napi_uint8_clamped_array: return 1;
    case napi_int16_array:
    case napi_uint16_array: return 2;
    case napi_int32_array:
    case napi_uint32_array:
    case napi_float32_array: return 4;
    default: return 8;
  }
}

}  // namespace

bool GetView(napi_env env, napi_value value, View* out) {
  if (!value) return false;
  bool is = false;
  size_t length = 0;
  void* data = nullptr;
  if (napi_is_typedarray(env, value, &is) == napi_ok && is) {
    napi_typedarray_type type;
    if (napi_get_typedarray_info(env, value, &type, &length, &data, nullptr, nullptr) != napi_ok)
      return false;
    length *= ElementSize(type);
  } else if (napi_is_dataview(env, value, &is) == napi_ok && is) {
    if (napi_get_dataview_info(env, value, &length, &data, nullptr, nullptr) != napi_ok)
      return false;
  } else if (napi_is_arraybuffer(env, value, &is) == napi_ok && is) {
    if (napi_get_arraybuffer_info(env, value, &data, &length) != napi_ok) return false;
  } else {
    return false;
  }
  out->data = static_cast<uint8_t*>(data);
  out->length = data ? length : 0;
  return true;
}

const char* GetPath(napi_env env, napi_value value) {
  View view;
  if (!GetView(env, value, &view) || view.length == 0 || !view.data) return nullptr;
  if (view.data[view.length - 1] != 0) return nullptr;
  return reinterpret_cast<const char*>(view.data);
}

}  // namespace uring_loop
