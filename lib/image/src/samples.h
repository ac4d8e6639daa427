// samples.h: sample types and the one rounding rule every filter uses.
#pragma once

#include <cstdint>
#include <limits>
#include <type_traits>

namespace conc::image {

template <class T>
concept Sample = std::is_same_v<T, std::uint8_t> || std::is_same_v<T, std::uint16_t>;

/// 255 or 65535.
template <Sample T>
inline constexpr float kSampleMax = static_cast<float>(std::numeric_limits<T>::max());

/// The nearest sample to `v`, clamped to the sample's range (ties round up;
/// NaN becomes 0). The one conversion from computed values back to
/// samples, so the same value always gives the same byte.
template <Sample T>
inline T to_sample(float v) noexcept {
  if (!(v > 0.0f)) return 0;  // also NaN
  if (v >= kSampleMax<T>) return std::numeric_limits<T>::max();
  return static_cast<T>(v + 0.5f);
}

/// Calls `f.template operator()<T>()` with T the sample type of `depth`:
/// how a filter picks its 8- or 16-bit instantiation.
template <class F>
decltype(auto) with_sample_type(bool sixteen_bit, F&& f) {
  if (sixteen_bit) return f.template operator()<std::uint16_t>();
  return f.template operator()<std::uint8_t>();
}

}  // namespace conc::image
