// float_rows.h: the inner loops of the float neighbourhood filters (blur,
// sharpen, conv) over whole rows of interleaved samples.
//
// Written with GCC/Clang vector extensions rather than left to the
// auto-vectoriser: the release build is -O2, where GCC 12 only vectorises
// loops whose trip count it knows, so a plain loop over a row stays scalar.
// Every element goes through the same IEEE operations in the same order in
// the vector body and in the scalar tail (ISO C++ mode: no FMA contraction),
// so a value never depends on where a row starts in memory or which lane
// computed it. That is what keeps the bytes the same whatever the band.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <cmath>

#include "samples.h"

namespace conc::image::rows {

using F4 = float __attribute__((vector_size(16)));
using I4 = std::int32_t __attribute__((vector_size(16)));

inline F4 load4(const float* p) noexcept {
  F4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store4(float* p, F4 v) noexcept { std::memcpy(p, &v, sizeof v); }

inline I4 load4i(const std::int32_t* p) noexcept {
  I4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store4i(std::int32_t* p, I4 v) noexcept { std::memcpy(p, &v, sizeof v); }

/// Correctly rounded square roots, like std::sqrt on each lane.
inline F4 sqrt4(F4 v) noexcept {
#if defined(__SSE2__)
  return reinterpret_cast<F4>(_mm_sqrt_ps(reinterpret_cast<__m128>(v)));
#else
  return F4{std::sqrt(v[0]), std::sqrt(v[1]), std::sqrt(v[2]), std::sqrt(v[3])};
#endif
}

/// Four samples of type T (vector attributes do not apply to a dependent type).
template <Sample T>
struct Samples4;
template <>
struct Samples4<std::uint8_t> {
  using type = std::uint8_t __attribute__((vector_size(4)));
};
template <>
struct Samples4<std::uint16_t> {
  using type = std::uint16_t __attribute__((vector_size(8)));
};
inline F4 splat4(float x) noexcept { return F4{x, x, x, x}; }

/// dst[j] = src[j] as float, for n samples.
template <Sample T>
inline void to_float(const T* src, float* dst, std::size_t n) noexcept {
  using S4 = typename Samples4<T>::type;
  std::size_t j = 0;
  for (; j + 4 <= n; j += 4) {
    S4 s;
    std::memcpy(&s, src + j, sizeof s);
    store4(dst + j, __builtin_convertvector(s, F4));
  }
  for (; j < n; ++j) dst[j] = static_cast<float>(src[j]);
}

/// Four samples from p as int32.
template <Sample T>
inline I4 load4_as_int(const T* p) noexcept {
  typename Samples4<T>::type s;
  std::memcpy(&s, p, sizeof s);
  return __builtin_convertvector(s, I4);
}

/// dst[j] = to_sample<T>(src[j]) for n values: the same rounding rule,
/// four at a time (clamp to [0, max] with NaN to 0, add 0.5, truncate).
template <Sample T>
inline void to_samples(const float* src, T* dst, std::size_t n) noexcept {
  using S4 = typename Samples4<T>::type;
  const F4 zero = splat4(0.0f);
  const F4 top = splat4(kSampleMax<T>);
  std::size_t j = 0;
  for (; j + 4 <= n; j += 4) {
    F4 v = load4(src + j);
    const I4 positive = v > zero;  // false for NaN
    v = reinterpret_cast<F4>(reinterpret_cast<I4>(v) & positive);
    const I4 below = v < top;
    v = reinterpret_cast<F4>((reinterpret_cast<I4>(v) & below) | (reinterpret_cast<I4>(top) & ~below));
    const I4 r = __builtin_convertvector(v + 0.5f, I4);
    const S4 s = __builtin_convertvector(r, S4);
    std::memcpy(dst + j, &s, sizeof s);
  }
  for (; j < n; ++j) dst[j] = to_sample<T>(src[j]);
}

/// out[j] = k[r] * src[r][j] + sum over t < r of k[t] * (src[t][j] + src[2r-t][j]),
/// for a symmetric kernel k of 2r+1 taps and 2r+1 source rows. The pairs
/// halve the multiplies; the accumulators stay in registers across taps.
inline void symmetric_sum(float* out, std::size_t n, const float* k, int r, const float* const* src) noexcept {
  std::size_t j = 0;
  const F4 kc = splat4(k[r]);
  for (; j + 16 <= n; j += 16) {
    const float* c = src[r] + j;
    F4 a0 = kc * load4(c), a1 = kc * load4(c + 4), a2 = kc * load4(c + 8), a3 = kc * load4(c + 12);
    for (int t = 0; t < r; ++t) {
      const F4 kt = splat4(k[t]);
      const float* p = src[t] + j;
      const float* q = src[2 * r - t] + j;
      a0 += kt * (load4(p) + load4(q));
      a1 += kt * (load4(p + 4) + load4(q + 4));
      a2 += kt * (load4(p + 8) + load4(q + 8));
      a3 += kt * (load4(p + 12) + load4(q + 12));
    }
    store4(out + j, a0);
    store4(out + j + 4, a1);
    store4(out + j + 8, a2);
    store4(out + j + 12, a3);
  }
  for (; j < n; ++j) {
    float a = k[r] * src[r][j];
    for (int t = 0; t < r; ++t) a += k[t] * (src[t][j] + src[2 * r - t][j]);
    out[j] = a;
  }
}

/// out[j] += w * src[j]: one tap of a general (non-symmetric) kernel.
inline void add_scaled(float* out, const float* src, float w, std::size_t n) noexcept {
  const F4 wv = splat4(w);
  std::size_t j = 0;
  for (; j + 8 <= n; j += 8) {
    store4(out + j, load4(out + j) + wv * load4(src + j));
    store4(out + j + 4, load4(out + j + 4) + wv * load4(src + j + 4));
  }
  for (; j < n; ++j) out[j] += w * src[j];
}

}  // namespace conc::image::rows
