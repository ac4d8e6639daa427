#include "resample_plan.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace conc::image {

double lanczos3(double x) noexcept {
  if (x == 0.0) return 1.0;
  if (x <= -3.0 || x >= 3.0) return 0.0;
  const double px = std::numbers::pi * x;
  return 3.0 * std::sin(px) * std::sin(px / 3.0) / (px * px);
}

ResamplePlan plan_resample(std::uint32_t in, std::uint32_t out) {
  ResamplePlan p;
  p.in = in;
  p.out = out;
  p.box = static_cast<std::uint32_t>(std::max<std::uint64_t>(1, in / (2 * std::uint64_t{out})));
  p.mid = static_cast<std::uint32_t>((std::uint64_t{in} + p.box - 1) / p.box);
  const double scale = static_cast<double>(out) * p.box / in;
  // Shrinking stretches the kernel over 1/scale samples, so it removes what
  // the output cannot hold instead of aliasing it.
  const double stretch = std::min(1.0, scale);
  const double support = 3.0 / stretch;

  std::vector<std::vector<double>> rows(out);
  p.first.resize(out);
  p.count.resize(out);
  for (std::uint32_t x = 0; x < out; ++x) {
    const double centre = (x + 0.5) / scale - 0.5;
    // Taps strictly inside the support: the kernel is zero on its ends.
    auto lo = static_cast<std::int64_t>(std::floor(centre - support)) + 1;
    auto hi = static_cast<std::int64_t>(std::ceil(centre + support)) - 1;
    std::vector<double> w;
    double sum = 0;
    for (std::int64_t i = lo; i <= hi; ++i) {
      w.push_back(lanczos3((static_cast<double>(i) - centre) * stretch));
      sum += w.back();
    }
    // sin(k pi) is not exactly 0 in floating point: snap those crumbs to 0
    // and drop them from the ends, so resize:100% copies exactly and no tap
    // is spent on nothing.
    for (double& v : w) {
      v /= sum;
      if (std::fabs(v) < 1e-9) v = 0;
    }
    std::size_t b = 0, e = w.size();
    while (e > b + 1 && w[e - 1] == 0) --e;
    while (b + 1 < e && w[b] == 0) ++b;
    p.first[x] = lo + static_cast<std::int64_t>(b);
    p.count[x] = static_cast<std::uint32_t>(e - b);
    rows[x].assign(w.begin() + static_cast<std::ptrdiff_t>(b), w.begin() + static_cast<std::ptrdiff_t>(e));
    p.taps = std::max(p.taps, p.count[x]);
  }
  p.weights.assign(std::size_t{out} * p.taps, 0.0f);
  for (std::uint32_t x = 0; x < out; ++x) {
    std::transform(rows[x].begin(), rows[x].end(), p.weights.begin() + static_cast<std::ptrdiff_t>(x) * p.taps,
                   [](double v) { return static_cast<float>(v); });
  }
  return p;
}

}  // namespace conc::image
