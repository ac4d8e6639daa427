// median.cpp: median:RADIUS, the per-channel median of the (2r+1)x(2r+1)
// window (alpha too: it is a channel like the others).
//
// Huang's sliding histogram: along a row, the window's histogram gains the
// column entering and loses the one leaving, 2(2r+1) updates per pixel, so
// the cost grows with r, not r^2. The histogram has two levels, coarse bins
// of 16 (8-bit) or 256 (16-bit) fine bins: the median is tracked on the
// coarse level as it moves, then found by a short scan of one coarse bin's
// fine counts. A 16-bit histogram is 256 KiB, so it is cleared by the
// coarse bins in use rather than wholesale. The median of an odd count is
// exact, so the bytes cannot depend on the band.
#include <cstdint>
#include <cstring>

#include "neighbourhood.h"
#include "samples.h"

namespace conc::image {
namespace {

template <Sample T>
class Histogram {
 public:
  static constexpr int kShift = sizeof(T) == 1 ? 4 : 8;
  static constexpr std::size_t kFine = std::size_t{1} << (8 * sizeof(T));
  static constexpr std::size_t kCoarse = kFine >> kShift;

  Histogram() : fine_(kFine, 0), coarse_(kCoarse, 0) {}

  /// Slides the window along one row of one channel: `rows` are the 2r+1
  /// rows of the window, `first` the columns of the first window, then
  /// `entering`/`leaving` the columns that come and go at each step.
  /// Writes out[x * c] for every x. The state lives in locals so the
  /// compiler keeps it in registers: histogram stores may alias members.
  void slide(const T* const* rows, std::size_t side, std::size_t ch, std::size_t c,
             const std::vector<std::uint32_t>& first, const std::vector<std::uint32_t>& entering,
             const std::vector<std::uint32_t>& leaving, std::uint32_t rank, T* out) noexcept {
    std::uint32_t* fine = fine_.data();
    std::uint32_t* coarse = coarse_.data();
    std::size_t bin = 0;      // the coarse bin the median was last in
    std::uint32_t below = 0;  // and how many values lie in the coarse bins below it
    auto add = [&](std::size_t v) {
      ++fine[v];
      ++coarse[v >> kShift];
      below += static_cast<std::uint32_t>((v >> kShift) < bin);
    };
    auto remove = [&](std::size_t v) {
      --fine[v];
      --coarse[v >> kShift];
      below -= static_cast<std::uint32_t>((v >> kShift) < bin);
    };
    // Follow the median's coarse bin as the window moves (a step or two on
    // a photo), then scan that bin's fine counts.
    auto median = [&]() -> T {
      while (below > rank) below -= coarse[--bin];
      while (below + coarse[bin] <= rank) below += coarse[bin++];
      std::uint32_t seen = below;
      std::size_t v = bin << kShift;
      for (;; ++v) {
        seen += fine[v];
        if (seen > rank) break;
      }
      return static_cast<T>(v);
    };
    for (const std::uint32_t x : first) {
      for (std::size_t i = 0; i < side; ++i) add(rows[i][x * c + ch]);
    }
    out[0] = median();
    for (std::size_t x = 1; x <= entering.size(); ++x) {
      const std::size_t in = entering[x - 1] * c + ch;
      const std::size_t gone = leaving[x - 1] * c + ch;
      for (std::size_t i = 0; i < side; ++i) {
        add(rows[i][in]);
        remove(rows[i][gone]);
      }
      out[x * c] = median();
    }
    // Empty again, clearing only the fine bins that were used.
    for (std::size_t b = 0; b < kCoarse; ++b) {
      if (coarse[b] == 0) continue;
      std::memset(fine + (b << kShift), 0, sizeof(std::uint32_t) << kShift);
      coarse[b] = 0;
    }
  }

 private:
  std::vector<std::uint32_t> fine_;
  std::vector<std::uint32_t> coarse_;
};

template <Sample T>
class Median final : public NeighbourhoodFilter {
 public:
  Median(const Geometry& g, EdgeMode edge, std::uint32_t radius)
      : NeighbourhoodFilter(g, radius, edge),
        radius_(radius),
        channels_(static_cast<std::size_t>(g.format.channels)),
        first_(edge_table(-std::int64_t{radius}, std::int64_t{radius} + 1, g.width, edge)),
        entering_(edge_table(std::int64_t{radius} + 1, std::int64_t{g.width} + radius, g.width, edge)),
        leaving_(edge_table(-std::int64_t{radius}, std::int64_t{g.width} - radius - 1, g.width, edge)) {}

  void apply(const RowWindow& src, RowRange out, std::byte* dst) const override;

 private:
  std::uint32_t radius_;
  std::size_t channels_;
  std::vector<std::uint32_t> first_;     // columns of the first window of a row
  std::vector<std::uint32_t> entering_;  // for x = 1 .. w-1: the column entering
  std::vector<std::uint32_t> leaving_;   // and the one leaving
};

template <Sample T>
void Median<T>::apply(const RowWindow& src, RowRange out, std::byte* dst) const {
  if (out.empty()) return;
  const std::size_t c = channels_;
  const std::uint32_t side = 2 * radius_ + 1;
  const std::uint32_t middle = side * side / 2;
  Histogram<T> hist;
  std::vector<const T*> column(side);
  for (std::uint32_t y = out.begin; y < out.end; ++y) {
    for (std::uint32_t i = 0; i < side; ++i) {
      column[i] = src.row_as<T>(source_row(std::int64_t{y} - radius_ + i));
    }
    T* o = reinterpret_cast<T*>(dst + (y - out.begin) * output().row_bytes());
    for (std::size_t ch = 0; ch < c; ++ch) {
      hist.slide(column.data(), side, ch, c, first_, entering_, leaving_, middle, o + ch);
    }
  }
}

}  // namespace

std::unique_ptr<Filter> make_median(const Geometry& g, EdgeMode edge, std::uint32_t radius) {
  return with_sample_type(g.format.depth == Depth::k16, [&]<Sample T>() -> std::unique_ptr<Filter> {
    return std::make_unique<Median<T>>(g, edge, radius);
  });
}

}  // namespace conc::image
