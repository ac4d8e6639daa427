// edge.h: where a neighbourhood's index past the border lands (--edge).
#pragma once

#include <cstdint>

#include "image/filter.h"

namespace conc::image {

/// Maps index `i` (any value, e.g. -radius or size + radius) into [0, n)
/// for an axis of `n` > 0 samples. Reflect mirrors about the border sample
/// without repeating it (-1 -> 1, n -> n - 2), repeatedly when the reach is
/// longer than the axis; wrap is modular.
inline std::int64_t edge_index(std::int64_t i, std::int64_t n, EdgeMode mode) noexcept {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case EdgeMode::kClamp: return i < 0 ? 0 : n - 1;
    case EdgeMode::kWrap: {
      const std::int64_t m = i % n;
      return m < 0 ? m + n : m;
    }
    case EdgeMode::kReflect: {
      if (n == 1) return 0;
      const std::int64_t period = 2 * (n - 1);
      std::int64_t m = i % period;
      if (m < 0) m += period;
      return m < n ? m : period - m;
    }
  }
  return 0;
}

}  // namespace conc::image
