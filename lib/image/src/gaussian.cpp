// gaussian.cpp: blur:SIGMA and sharpen:SIGMA,AMOUNT, a separable Gaussian
// on premultiplied colour (so a transparent neighbour adds no dark halo).
//
// Each band runs the horizontal pass once on every input row it reaches,
// keeps the results in a ring of 2r+1 float rows, and makes each output
// row from the ring with one vertical pass. An output row thus always goes
// through the same operations on the same input rows, whatever band it is
// computed in, so every strategy writes the same bytes.
#include <cmath>
#include <cstring>

#include "float_rows.h"
#include "neighbourhood.h"
#include "samples.h"

namespace conc::image {
namespace {

template <Sample T>
class Gaussian final : public NeighbourhoodFilter {
 public:
  Gaussian(const Geometry& g, EdgeMode edge, std::vector<float> kernel, bool sharpen, float amount, bool ring)
      : NeighbourhoodFilter(g, static_cast<std::uint32_t>(kernel.size() / 2), edge),
        k_(std::move(kernel)),
        r_(static_cast<int>(k_.size() / 2)),
        width_(g.width),
        channels_(static_cast<std::size_t>(g.format.channels)),
        alpha_(g.format.has_alpha()),
        sharpen_(sharpen),
        amount_(amount),
        ring_(ring),
        left_(edge_table(-r_, 0, g.width, edge)),
        right_(edge_table(g.width, std::int64_t{g.width} + r_, g.width, edge)) {}

  void apply(const RowWindow& src, RowRange out, std::byte* dst) const override;

 private:
  struct Scratch {
    std::vector<float> padded;  // one row with r pixels of edge on each side
    std::vector<float> result;
    std::vector<float> centre;  // sharpen: the unblurred row
    std::vector<const float*> taps;
  };

  [[nodiscard]] std::size_t row_floats() const noexcept { return std::size_t{width_} * channels_; }
  float* padded_centre(Scratch& s) const noexcept { return s.padded.data() + static_cast<std::size_t>(r_) * channels_; }
  void load(const T* row, float* to) const noexcept;
  void horizontal(Scratch& s, float* to) const noexcept;
  void emit(const RowWindow& src, std::uint32_t y, Scratch& s, const float* blurred, T* to) const noexcept;

  std::vector<float> k_;
  int r_;
  std::uint32_t width_;
  std::size_t channels_;
  bool alpha_;
  bool sharpen_;
  float amount_;
  bool ring_;
  std::vector<std::uint32_t> left_;   // source pixel of x = -r .. -1
  std::vector<std::uint32_t> right_;  // source pixel of x = width .. width + r - 1
};

/// Row as floats, colour premultiplied by alpha / max.
template <Sample T>
void Gaussian<T>::load(const T* row, float* to) const noexcept {
  rows::to_float(row, to, row_floats());
  if (!alpha_) return;
  const std::size_t c = channels_;
  for (std::size_t p = 0; p < row_floats(); p += c) {
    const float a = to[p + c - 1] * (1.0f / kSampleMax<T>);
    for (std::size_t i = 0; i + 1 < c; ++i) to[p + i] *= a;
  }
}

/// The horizontal pass of the row loaded at padded_centre(s).
template <Sample T>
void Gaussian<T>::horizontal(Scratch& s, float* to) const noexcept {
  const std::size_t c = channels_;
  const float* centre = padded_centre(s);
  float* base = s.padded.data();
  const std::size_t pixel = c * sizeof(float);
  for (std::size_t i = 0; i < left_.size(); ++i) std::memcpy(base + i * c, centre + left_[i] * c, pixel);
  float* tail = base + (static_cast<std::size_t>(r_) + width_) * c;
  for (std::size_t i = 0; i < right_.size(); ++i) std::memcpy(tail + i * c, centre + right_[i] * c, pixel);
  for (int t = 0; t <= 2 * r_; ++t) s.taps[static_cast<std::size_t>(t)] = base + static_cast<std::size_t>(t) * c;
  rows::symmetric_sum(to, row_floats(), k_.data(), r_, s.taps.data());
}

/// Writes output row y from its blurred premultiplied values.
template <Sample T>
void Gaussian<T>::emit(const RowWindow& src, std::uint32_t y, Scratch& s, const float* blurred, T* to) const noexcept {
  const std::size_t n = row_floats();
  const float* v = blurred;
  if (sharpen_) {
    // Unsharp mask: v + amount * (v - blur(v)), on every channel alike.
    float* p = s.centre.data();
    load(src.row_as<T>(y), p);
    const rows::F4 amount = rows::splat4(amount_);
    std::size_t j = 0;
    for (; j + 4 <= n; j += 4) {
      const rows::F4 pv = rows::load4(p + j);
      rows::store4(p + j, pv + amount * (pv - rows::load4(blurred + j)));
    }
    for (; j < n; ++j) p[j] = p[j] + amount_ * (p[j] - blurred[j]);
    v = p;
  }
  if (!alpha_) {
    rows::to_samples(v, to, n);
    return;
  }
  const std::size_t c = channels_;
  for (std::size_t p = 0; p < n; p += c) {
    const float a = v[p + c - 1];
    const T as = to_sample<T>(a);
    to[p + c - 1] = as;
    // Where the alpha rounds to 0 the colour is meaningless: store 0.
    const float unpremultiply = as == 0 ? 0.0f : kSampleMax<T> / a;
    for (std::size_t i = 0; i + 1 < c; ++i) to[p + i] = to_sample<T>(v[p + i] * unpremultiply);
  }
}

template <Sample T>
void Gaussian<T>::apply(const RowWindow& src, RowRange out, std::byte* dst) const {
  if (out.empty()) return;
  const std::size_t n = row_floats();
  const std::size_t c = channels_;
  const auto r = static_cast<std::size_t>(r_);
  const std::size_t stride = output().row_bytes();
  Scratch s;
  s.padded.resize((std::size_t{width_} + 2 * r) * c);
  s.result.resize(n);
  s.centre.resize(sharpen_ ? n : 0);
  s.taps.resize(2 * r + 1);
  auto out_row = [&](std::uint32_t y) { return reinterpret_cast<T*>(dst + (y - out.begin) * stride); };

  if (ring_) {
    RowRing ring(2 * r + 1, n);
    auto fill = [&](std::int64_t v) {
      load(src.row_as<T>(source_row(v)), padded_centre(s));
      horizontal(s, ring.slot(v));
    };
    for (std::int64_t v = std::int64_t{out.begin} - r_; v < std::int64_t{out.begin} + r_; ++v) fill(v);
    std::vector<const float*> column(2 * r + 1);
    for (std::uint32_t y = out.begin; y < out.end; ++y) {
      fill(std::int64_t{y} + r_);
      for (std::size_t t = 0; t <= 2 * r; ++t)
        column[t] = ring.slot(std::int64_t{y} - r_ + static_cast<std::int64_t>(t));
      rows::symmetric_sum(s.result.data(), n, k_.data(), r_, column.data());
      emit(src, y, s, s.result.data(), out_row(y));
    }
    return;
  }

  // Columns first: memory of three rows whatever the radius, at the price
  // of converting each input row 2r+1 times.
  std::vector<float> above(n), below(n);
  float* acc = padded_centre(s);
  for (std::uint32_t y = out.begin; y < out.end; ++y) {
    load(src.row_as<T>(y), acc);
    const rows::F4 kc = rows::splat4(k_[r]);
    std::size_t j = 0;
    for (; j + 4 <= n; j += 4) rows::store4(acc + j, kc * rows::load4(acc + j));
    for (; j < n; ++j) acc[j] = k_[r] * acc[j];
    for (int t = 0; t < r_; ++t) {
      load(src.row_as<T>(source_row(std::int64_t{y} - r_ + t)), above.data());
      load(src.row_as<T>(source_row(std::int64_t{y} + r_ - t)), below.data());
      const float kt = k_[static_cast<std::size_t>(t)];
      const rows::F4 kv = rows::splat4(kt);
      j = 0;
      for (; j + 4 <= n; j += 4) {
        rows::store4(acc + j,
                     rows::load4(acc + j) + kv * (rows::load4(above.data() + j) + rows::load4(below.data() + j)));
      }
      for (; j < n; ++j) acc[j] += kt * (above[j] + below[j]);
    }
    horizontal(s, s.result.data());
    emit(src, y, s, s.result.data(), out_row(y));
  }
}

}  // namespace

std::vector<float> gaussian_kernel(double sigma) {
  const auto r = static_cast<int>(std::ceil(3.0 * sigma));
  std::vector<double> w(static_cast<std::size_t>(2 * r + 1));
  double sum = 0;
  for (int i = -r; i <= r; ++i) {
    const double v = std::exp(-static_cast<double>(i) * i / (2.0 * sigma * sigma));
    w[static_cast<std::size_t>(i + r)] = v;
    sum += v;
  }
  std::vector<float> k(w.size());
  for (std::size_t i = 0; i < w.size(); ++i) k[i] = static_cast<float>(w[i] / sum);
  return k;
}

std::unique_ptr<Filter> make_gaussian(const Geometry& g, EdgeMode edge, double sigma, bool sharpen, double amount,
                                      std::size_t ring_limit) {
  std::vector<float> k = gaussian_kernel(sigma);
  const std::size_t ring_bytes = k.size() * g.row_bytes() / g.format.bytes_per_sample() * sizeof(float);
  const bool ring = ring_bytes <= ring_limit;
  return with_sample_type(g.format.depth == Depth::k16, [&]<Sample T>() -> std::unique_ptr<Filter> {
    return std::make_unique<Gaussian<T>>(g, edge, std::move(k), sharpen, static_cast<float>(amount), ring);
  });
}

}  // namespace conc::image
