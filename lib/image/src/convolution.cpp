// convolution.cpp: conv:k1,...,kn^2, a square kernel on the colour
// channels (alpha kept), not separable in general, so n^2 taps per sample.
//
// Each input row a band reaches is turned into floats once, with n/2 edge
// pixels on each side, and kept in a ring of n rows. An output row is the
// sum of n^2 shifted rows, taken in a fixed order (kernel row by row, left
// to right, zero weights skipped), so it has the same bytes in every band.
#include <cstring>

#include "float_rows.h"
#include "neighbourhood.h"
#include "samples.h"

namespace conc::image {
namespace {

template <Sample T>
class Convolution final : public NeighbourhoodFilter {
 public:
  Convolution(const Geometry& g, EdgeMode edge, std::uint32_t n, std::vector<float> kernel)
      : NeighbourhoodFilter(g, n / 2, edge),
        n_(n),
        r_(n / 2),
        channels_(static_cast<std::size_t>(g.format.channels)),
        kernel_(std::move(kernel)),
        left_(edge_table(-std::int64_t{r_}, 0, g.width, edge)),
        right_(edge_table(g.width, std::int64_t{g.width} + r_, g.width, edge)) {}

  void apply(const RowWindow& src, RowRange out, std::byte* dst) const override;

 private:
  std::uint32_t n_;
  std::uint32_t r_;
  std::size_t channels_;
  std::vector<float> kernel_;
  std::vector<std::uint32_t> left_;   // source pixel of x = -r .. -1
  std::vector<std::uint32_t> right_;  // source pixel of x = width .. width + r - 1
};

template <Sample T>
void Convolution<T>::apply(const RowWindow& src, RowRange out, std::byte* dst) const {
  if (out.empty()) return;
  const std::size_t c = channels_;
  const std::size_t w = input().width;
  const std::size_t n = w * c;
  const std::size_t padded = (w + 2 * r_) * c;
  RowRing ring(n_, padded);
  auto fill = [&](std::int64_t v) {
    float* row = ring.slot(v);
    float* centre = row + std::size_t{r_} * c;
    rows::to_float(src.row_as<T>(source_row(v)), centre, n);
    for (std::size_t i = 0; i < left_.size(); ++i) std::memcpy(row + i * c, centre + left_[i] * c, c * sizeof(float));
    for (std::size_t i = 0; i < right_.size(); ++i) {
      std::memcpy(centre + n + i * c, centre + right_[i] * c, c * sizeof(float));
    }
  };
  const std::int64_t r = r_;
  for (std::int64_t v = std::int64_t{out.begin} - r; v < std::int64_t{out.begin} + r; ++v) fill(v);
  std::vector<float> sum(n);
  for (std::uint32_t y = out.begin; y < out.end; ++y) {
    fill(std::int64_t{y} + r);
    std::fill(sum.begin(), sum.end(), 0.0f);
    for (std::uint32_t ky = 0; ky < n_; ++ky) {
      const float* row = ring.slot(std::int64_t{y} - r + ky);
      for (std::uint32_t kx = 0; kx < n_; ++kx) {
        const float k = kernel_[ky * n_ + kx];
        if (k != 0.0f) rows::add_scaled(sum.data(), row + kx * c, k, n);
      }
    }
    T* o = reinterpret_cast<T*>(dst + (y - out.begin) * output().row_bytes());
    rows::to_samples(sum.data(), o, n);
    if (input().format.has_alpha()) {
      const T* in = src.row_as<T>(y);
      for (std::size_t j = c - 1; j < n; j += c) o[j] = in[j];
    }
  }
}

}  // namespace

std::unique_ptr<Filter> make_convolution(const Geometry& g, EdgeMode edge, std::uint32_t n, std::vector<float> kernel) {
  return with_sample_type(g.format.depth == Depth::k16, [&]<Sample T>() -> std::unique_ptr<Filter> {
    return std::make_unique<Convolution<T>>(g, edge, n, std::move(kernel));
  });
}

}  // namespace conc::image
