// Element types of the CUDA kernels: fp32, bf16, fp16 storage (type codes 0, 1, 2, engine::DType's
// order), always computed in fp32. `dispatch` turns a runtime type code into a template argument;
// load8/store8 move 8 consecutive elements with 16-byte accesses (the pointer must be 16-byte
// aligned: kernels use them only when the host checked `aligned8`). Internal to engine/cuda.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>
#include <initializer_list>

namespace lighteval::engine::cuda {

using bf16 = __nv_bfloat16;

__device__ __forceinline__ float to_f(float x) { return x; }
__device__ __forceinline__ float to_f(bf16 x) { return __bfloat162float(x); }
__device__ __forceinline__ float to_f(__half x) { return __half2float(x); }

template <class T>
__device__ __forceinline__ T from_f(float x);
template <>
__device__ __forceinline__ float from_f<float>(float x) { return x; }
template <>
__device__ __forceinline__ bf16 from_f<bf16>(float x) { return __float2bfloat16_rn(x); }
template <>
__device__ __forceinline__ __half from_f<__half>(float x) { return __float2half_rn(x); }

template <class T>
__device__ __forceinline__ void load8(const T* p, float (&v)[8]) {
  if constexpr (sizeof(T) == 4) {
    const float4 a = reinterpret_cast<const float4*>(p)[0], b = reinterpret_cast<const float4*>(p)[1];
    v[0] = a.x; v[1] = a.y; v[2] = a.z; v[3] = a.w;
    v[4] = b.x; v[5] = b.y; v[6] = b.z; v[7] = b.w;
  } else {
    const uint4 u = *reinterpret_cast<const uint4*>(p);
    const T* e = reinterpret_cast<const T*>(&u);
#pragma unroll
    for (int i = 0; i < 8; ++i) v[i] = to_f(e[i]);
  }
}

template <class T>
__device__ __forceinline__ void store8(T* p, const float (&v)[8]) {
  if constexpr (sizeof(T) == 4) {
    reinterpret_cast<float4*>(p)[0] = make_float4(v[0], v[1], v[2], v[3]);
    reinterpret_cast<float4*>(p)[1] = make_float4(v[4], v[5], v[6], v[7]);
  } else {
    uint4 u;
    T* e = reinterpret_cast<T*>(&u);
#pragma unroll
    for (int i = 0; i < 8; ++i) e[i] = from_f<T>(v[i]);
    *reinterpret_cast<uint4*>(p) = u;
  }
}

// C consecutive elements (C = 8: vectorised, C = 1: one element).
template <int C, class T>
__device__ __forceinline__ void load_n(const T* p, float (&v)[C]) {
  if constexpr (C == 8)
    load8(p, v);
  else
    v[0] = to_f(p[0]);
}
template <int C, class T>
__device__ __forceinline__ void store_n(T* p, const float (&v)[C]) {
  if constexpr (C == 8)
    store8(p, v);
  else
    p[0] = from_f<T>(v[0]);
}

// f(T{}) with T the element type of `code`.
template <class F>
void dispatch(int code, F&& f) {
  if (code == 1)
    f(bf16{});
  else if (code == 2)
    f(__half{});
  else
    f(float{});
}

// Whether every pointer is 16-byte aligned and `n` (elements per row, or in all) a multiple of 8.
inline bool aligned8(size_t n, std::initializer_list<const void*> ptrs) {
  if (n % 8) return false;
  for (const void* p : ptrs)
    if (reinterpret_cast<uintptr_t>(p) % 16) return false;
  return true;
}

}  // namespace lighteval::engine::cuda
