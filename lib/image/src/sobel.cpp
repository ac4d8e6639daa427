// sobel.cpp: sobel, the gradient magnitude sqrt(gx^2 + gy^2) of the 3x3
// Sobel kernels on each colour channel, clamped; alpha is kept.
//
// Both kernels are separable ([1 2 1] one way, [-1 0 1] the other), so each
// output row takes two integer rows, s = above + 2 centre + below and
// d = below - above, and differences along them. The sums are exact
// integers and the square root is correctly rounded, so the result is the
// same bytes as a direct evaluation, whatever the band.
#include <cmath>
#include <cstdint>

#include "float_rows.h"
#include "neighbourhood.h"
#include "samples.h"

namespace conc::image {
namespace {

template <Sample T>
class Sobel final : public NeighbourhoodFilter {
 public:
  Sobel(const Geometry& g, EdgeMode edge)
      : NeighbourhoodFilter(g, 1, edge),
        channels_(static_cast<std::size_t>(g.format.channels)),
        left_(static_cast<std::uint32_t>(edge_index(-1, g.width, edge))),
        right_(static_cast<std::uint32_t>(edge_index(g.width, g.width, edge))) {}

  void apply(const RowWindow& src, RowRange out, std::byte* dst) const override;

 private:
  std::size_t channels_;
  std::uint32_t left_;   // the pixel standing for x = -1
  std::uint32_t right_;  // and for x = width
};

template <Sample T>
void Sobel<T>::apply(const RowWindow& src, RowRange out, std::byte* dst) const {
  if (out.empty()) return;
  const std::size_t c = channels_;
  const std::size_t n = std::size_t{input().width} * c;
  std::vector<std::int32_t> s((input().width + 2) * std::size_t{c}), d(s.size());
  std::vector<float> magnitude(n);
  for (std::uint32_t y = out.begin; y < out.end; ++y) {
    const T* a = src.row_as<T>(source_row(std::int64_t{y} - 1));
    const T* b = src.row_as<T>(y);
    const T* e = src.row_as<T>(source_row(std::int64_t{y} + 1));
    std::int32_t* sc = s.data() + c;  // pixel 0; pixel -1 and pixel width are the edges
    std::int32_t* dc = d.data() + c;
    std::size_t j = 0;
    for (; j + 4 <= n; j += 4) {
      const rows::I4 va = rows::load4_as_int(a + j), ve = rows::load4_as_int(e + j);
      rows::store4i(sc + j, va + 2 * rows::load4_as_int(b + j) + ve);
      rows::store4i(dc + j, ve - va);
    }
    for (; j < n; ++j) {
      sc[j] = a[j] + 2 * b[j] + e[j];
      dc[j] = e[j] - a[j];
    }
    for (std::size_t i = 0; i < c; ++i) {
      s[i] = sc[left_ * c + i];
      d[i] = dc[left_ * c + i];
      sc[n + i] = sc[right_ * c + i];
      dc[n + i] = dc[right_ * c + i];
    }
    T* o = reinterpret_cast<T*>(dst + (y - out.begin) * output().row_bytes());
    if constexpr (sizeof(T) == 1) {
      // |g|^2 <= 2 * 1020^2 < 2^24: exact in a float, and its correctly
      // rounded square root is the exact magnitude correctly rounded.
      float* m = magnitude.data();
      j = 0;
      for (; j + 4 <= n; j += 4) {
        const rows::I4 gx = rows::load4i(s.data() + j + 2 * c) - rows::load4i(s.data() + j);
        const rows::I4 gy = rows::load4i(d.data() + j) + 2 * rows::load4i(dc + j) + rows::load4i(dc + j + c);
        const rows::F4 fx = __builtin_convertvector(gx, rows::F4), fy = __builtin_convertvector(gy, rows::F4);
        rows::store4(m + j, rows::sqrt4(fx * fx + fy * fy));
      }
      for (; j < n; ++j) {
        const auto fx = static_cast<float>(s[j + 2 * c] - s[j]);
        const auto fy = static_cast<float>(d[j] + 2 * dc[j] + dc[j + c]);
        m[j] = std::sqrt(fx * fx + fy * fy);
      }
      rows::to_samples(m, o, n);
    } else {
      // 16-bit squares (up to 2 * 262140^2) need a double to stay exact,
      // and so does the rounding: as a float, 40000.499997 would be 40000.5.
      for (j = 0; j < n; ++j) {
        const auto fx = static_cast<double>(s[j + 2 * c] - s[j]);
        const auto fy = static_cast<double>(d[j] + 2 * dc[j] + dc[j + c]);
        const double m = std::sqrt(fx * fx + fy * fy);
        o[j] = m >= 65535.0 ? T{65535} : static_cast<T>(m + 0.5);
      }
    }
    if (input().format.has_alpha()) {
      for (j = c - 1; j < n; j += c) o[j] = b[j];
    }
  }
}

}  // namespace

std::unique_ptr<Filter> make_sobel(const Geometry& g, EdgeMode edge) {
  return with_sample_type(g.format.depth == Depth::k16,
                          [&]<Sample T>() -> std::unique_ptr<Filter> { return std::make_unique<Sobel<T>>(g, edge); });
}

}  // namespace conc::image
