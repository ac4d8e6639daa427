// common/saturating.h: sums of sizes and counts that stop at the top.
#pragma once

#include <cstdint>

namespace conc::common {

/// a + b, or 2^64-1 when the sum would pass it: a load or a tally near the
/// top still compares sanely instead of wrapping to a small number.
constexpr std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) noexcept {
  return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

}  // namespace conc::common
