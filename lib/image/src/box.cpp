// box.cpp: box:RADIUS, the mean over a (2r+1)x(2r+1) window, every channel
// alike, with running sums in integers so the cost does not depend on r.
//
// Column sums of 2r+1 rows move down the band by adding the row entering
// and subtracting the row leaving; a window sum moves along each row the
// same way. Integers are exact, so the bytes cannot depend on where a band
// starts; the rounding is to nearest (n is odd, so there are no ties).
#include <cstdint>

#include "neighbourhood.h"
#include "samples.h"

namespace conc::image {
namespace {

template <Sample T>
class Box final : public NeighbourhoodFilter {
 public:
  Box(const Geometry& g, EdgeMode edge, std::uint32_t radius)
      : NeighbourhoodFilter(g, radius, edge), radius_(radius), channels_(static_cast<std::size_t>(g.format.channels)) {
    const std::int64_t r = radius;
    const std::int64_t w = g.width;
    // The first window of a row, as (column, times) pairs: a radius past the
    // width visits some columns many times.
    std::vector<std::uint32_t> times(g.width);
    for (std::int64_t x = -r; x <= r; ++x) ++times[static_cast<std::size_t>(edge_index(x, w, edge))];
    for (std::uint32_t x = 0; x < g.width; ++x) {
      if (times[x] != 0) first_window_.push_back({x, times[x]});
    }
    entering_ = edge_table(r + 1, w + r, w, edge);
    leaving_ = edge_table(-r, w - r - 1, w, edge);
    const std::uint64_t count = (2 * std::uint64_t{radius} + 1) * (2 * std::uint64_t{radius} + 1);
    half_ = static_cast<std::int64_t>(count / 2);
    inverse_ = 1.0 / static_cast<double>(count);
  }

  void apply(const RowWindow& src, RowRange out, std::byte* dst) const override;

 private:
  struct Times {
    std::uint32_t index;
    std::uint32_t times;
  };

  /// round(sum / count) for the window's count. In doubles rather than an
  /// integer division (a tenth of the cost): sum + count/2 + 0.5 is exact,
  /// and its product with 1/count is off by less than 2^-50 relative, far
  /// less than its distance 0.5/count to the next whole number, so the
  /// truncation is the integer quotient.
  [[nodiscard]] T mean(std::int64_t sum) const noexcept {
    return static_cast<T>((static_cast<double>(sum + half_) + 0.5) * inverse_);
  }

  std::uint32_t radius_;
  std::size_t channels_;
  std::vector<Times> first_window_;
  std::vector<std::uint32_t> entering_;  // for x = 1 .. w-1: the column entering the window
  std::vector<std::uint32_t> leaving_;   // and the one leaving it
  std::int64_t half_ = 0;                // signed: converts to double in one instruction
  double inverse_ = 0;
};

template <Sample T>
void Box<T>::apply(const RowWindow& src, RowRange out, std::byte* dst) const {
  if (out.empty()) return;
  const Geometry& g = input();
  const std::size_t c = channels_;
  const std::size_t n = std::size_t{g.width} * c;
  const auto r = static_cast<std::int64_t>(radius_);
  // (2r+1) * 65535 < 2^32: a column sum fits 32 bits; a window sum does not.
  std::vector<std::uint32_t> column(n, 0);
  {
    std::vector<std::uint32_t> times(g.height, 0);
    for (std::int64_t y = std::int64_t{out.begin} - r; y <= std::int64_t{out.begin} + r; ++y) ++times[source_row(y)];
    for (std::uint32_t y = 0; y < g.height; ++y) {
      if (times[y] == 0) continue;
      const T* row = src.row_as<T>(y);
      for (std::size_t j = 0; j < n; ++j) column[j] += times[y] * row[j];
    }
  }
  std::vector<std::int64_t> sum(c);
  for (std::uint32_t y = out.begin; y < out.end; ++y) {
    if (y != out.begin) {
      const T* entering = src.row_as<T>(source_row(std::int64_t{y} + r));
      const T* leaving = src.row_as<T>(source_row(std::int64_t{y} - r - 1));
      for (std::size_t j = 0; j < n; ++j) column[j] += entering[j] - leaving[j];
    }
    T* o = reinterpret_cast<T*>(dst + (y - out.begin) * output().row_bytes());
    for (std::size_t i = 0; i < c; ++i) sum[i] = 0;
    for (const Times& t : first_window_) {
      for (std::size_t i = 0; i < c; ++i) sum[i] += std::int64_t{t.times} * column[t.index * c + i];
    }
    for (std::size_t i = 0; i < c; ++i) o[i] = mean(sum[i]);
    for (std::size_t x = 1; x < g.width; ++x) {
      const std::uint32_t* in = column.data() + entering_[x - 1] * c;
      const std::uint32_t* gone = column.data() + leaving_[x - 1] * c;
      T* p = o + x * c;
      for (std::size_t i = 0; i < c; ++i) {
        sum[i] += in[i];
        sum[i] -= gone[i];
        p[i] = mean(sum[i]);
      }
    }
  }
}

}  // namespace

std::unique_ptr<Filter> make_box(const Geometry& g, EdgeMode edge, std::uint32_t radius) {
  return with_sample_type(g.format.depth == Depth::k16, [&]<Sample T>() -> std::unique_ptr<Filter> {
    return std::make_unique<Box<T>>(g, edge, radius);
  });
}

}  // namespace conc::image
