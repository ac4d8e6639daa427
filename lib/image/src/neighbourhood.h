// neighbourhood.h: what the neighbourhood filters (blur, box, sharpen,
// sobel, median, conv) share: the rows a band reaches, edge-mapped index
// tables, and the factories neighbourhood_filters.cpp binds them through.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "edge.h"
#include "image/filter.h"

namespace conc::image {

/// The input rows output rows `out` reach with `radius` rows above and below,
/// clipped to the image. Clamp and reflect only ever map a row past the
/// border back inside the reach, so the band grown by the radius is enough;
/// wrap brings in the far border, and then it is the whole image.
inline RowRange reach_rows(RowRange out, std::uint32_t radius, std::uint32_t height, EdgeMode edge) noexcept {
  if (out.empty()) return {std::min(out.begin, height), std::min(out.begin, height)};
  const std::int64_t lo = std::int64_t{out.begin} - radius;
  const std::int64_t hi = std::int64_t{out.end} + radius;
  if (edge == EdgeMode::kWrap && (lo < 0 || hi > height)) return {0, height};
  return {static_cast<std::uint32_t>(std::max<std::int64_t>(lo, 0)),
          static_cast<std::uint32_t>(std::min<std::int64_t>(hi, height))};
}

/// edge_index(i, n, mode) for i in [from, to), as a table.
inline std::vector<std::uint32_t> edge_table(std::int64_t from, std::int64_t to, std::int64_t n, EdgeMode mode) {
  std::vector<std::uint32_t> t;
  t.reserve(static_cast<std::size_t>(std::max<std::int64_t>(to - from, 0)));
  for (std::int64_t i = from; i < to; ++i) t.push_back(static_cast<std::uint32_t>(edge_index(i, n, mode)));
  return t;
}

/// The shared part of every neighbourhood filter: same geometry in and out
/// (unless a subclass says otherwise), a vertical reach, the edge mode.
class NeighbourhoodFilter : public Filter {
 public:
  NeighbourhoodFilter(const Geometry& g, std::uint32_t reach, EdgeMode edge)
      : Filter(g, g), reach_(reach), edge_(edge) {}

  [[nodiscard]] RowRange needs(RowRange out) const override { return reach_rows(out, reach_, input().height, edge_); }
  /// A wrapped vertical neighbourhood needs the last rows for the first.
  [[nodiscard]] bool streams() const noexcept override { return reach_ == 0 || edge_ != EdgeMode::kWrap; }

 protected:
  [[nodiscard]] std::uint32_t reach() const noexcept { return reach_; }
  [[nodiscard]] EdgeMode edge() const noexcept { return edge_; }
  /// The input row a (possibly outside) row index stands for.
  [[nodiscard]] std::uint32_t source_row(std::int64_t y) const noexcept {
    return static_cast<std::uint32_t>(edge_index(y, input().height, edge_));
  }

 private:
  std::uint32_t reach_;
  EdgeMode edge_;
};

/// Rows of floats kept for the virtual rows [v - size + 1, v] as a band
/// moves down; row v lives in slot v mod size.
class RowRing {
 public:
  RowRing(std::size_t slots, std::size_t row_floats) : slots_(slots), row_(row_floats), data_(slots * row_floats) {}
  [[nodiscard]] float* slot(std::int64_t v) noexcept {
    const auto s = static_cast<std::int64_t>(slots_);
    const std::int64_t m = ((v % s) + s) % s;
    return data_.data() + static_cast<std::size_t>(m) * row_;
  }

 private:
  std::size_t slots_;
  std::size_t row_;
  std::vector<float> data_;
};

/// Above this many bytes of horizontally filtered rows per band, the
/// Gaussian filters the columns first instead (huge sigma on a wide image).
inline constexpr std::size_t kGaussianRingLimit = std::size_t{64} << 20;

/// blur:SIGMA (amount 0) or sharpen:SIGMA,AMOUNT, on premultiplied colour.
std::unique_ptr<Filter> make_gaussian(const Geometry& g, EdgeMode edge, double sigma, bool sharpen, double amount,
                                      std::size_t ring_limit = kGaussianRingLimit);
/// The normalised Gaussian of radius ceil(3 sigma), 2r+1 taps.
std::vector<float> gaussian_kernel(double sigma);
std::unique_ptr<Filter> make_box(const Geometry& g, EdgeMode edge, std::uint32_t radius);
std::unique_ptr<Filter> make_median(const Geometry& g, EdgeMode edge, std::uint32_t radius);
std::unique_ptr<Filter> make_sobel(const Geometry& g, EdgeMode edge);
/// `kernel` holds n*n weights row by row, already normalised.
std::unique_ptr<Filter> make_convolution(const Geometry& g, EdgeMode edge, std::uint32_t n, std::vector<float> kernel);

}  // namespace conc::image
