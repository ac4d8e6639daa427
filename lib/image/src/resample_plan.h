// resample_plan.h: the Lanczos-3 weight tables of one axis of a resize,
// computed once per bound filter so that the per-pixel loops only multiply
// and add.
//
// An axis shrinking by more than 2x is first box-averaged by the integer
// factor box = floor(in / (2 * out)) (so at most about 2x is left for the
// Lanczos taps, whose count grows with the reduction), then resampled from
// the `mid` box-averaged samples. Box sample i averages input samples
// [i * box, (i + 1) * box), the last block reaching past the border through
// the edge mode. Output sample x is centred on box coordinate
// (x + 0.5) / scale - 0.5, scale = out * box / in, which is the input's
// (x + 0.5) * in / out - 0.5 seen through the box.
#pragma once

#include <cstdint>
#include <vector>

namespace conc::image {

/// The Lanczos kernel with a = 3: sinc(x) sinc(x / 3) for |x| < 3, else 0.
double lanczos3(double x) noexcept;

struct ResamplePlan {
  std::uint32_t in = 0;    ///< input samples along the axis
  std::uint32_t out = 0;   ///< output samples
  std::uint32_t box = 1;   ///< the box pre-shrink factor (1: none)
  std::uint32_t mid = 0;   ///< samples after the box: ceil(in / box)
  std::uint32_t taps = 0;  ///< the most taps of any output sample: the stride of `weights`
  /// Per output sample: its first tap, a box-sample index that may lie
  /// outside [0, mid) (the edge mode maps it back), and its tap count.
  std::vector<std::int64_t> first;
  std::vector<std::uint32_t> count;
  /// out * taps weights, normalised to sum 1 per output sample, zero padded.
  std::vector<float> weights;

  [[nodiscard]] const float* weights_of(std::uint32_t x) const noexcept {
    return weights.data() + std::size_t{x} * taps;
  }
};

/// The plan for resampling `in` samples to `out` (both at least 1).
ResamplePlan plan_resample(std::uint32_t in, std::uint32_t out);

}  // namespace conc::image
