// resize.cpp: separable Lanczos-3 resampling on premultiplied colour.
//
// Horizontal, then vertical. Each box-averaged input row (a "mid row") is
// resampled horizontally once into a float row of the output's width and
// kept in a small cache while the vertical taps of consecutive output rows
// slide over it; an output row is then the weighted sum of its taps' rows.
// A mid row is a pure function of its index and an output row sums its taps
// in a fixed order, so no byte depends on the band a row is computed in.
#include "resize.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <vector>

#include "edge.h"
#include "float_rows.h"
#include "resample_plan.h"
#include "samples.h"

namespace conc::image {
namespace {

// The vector helpers and the vector form of the one rounding rule are
// float_rows.h's, shared with the neighbourhood filters.
using rows::F4;
using rows::I4;
using rows::load4;
using rows::splat4;
using rows::store4;
using rows::to_samples;

/// Every 8-bit sample as a float: a load instead of a conversion, which
/// SSE2 has no vector form for from bytes.
constexpr auto kByteFloats = [] {
  std::array<float, 256> t{};
  for (std::size_t i = 0; i < t.size(); ++i) t[i] = static_cast<float>(i);
  return t;
}();

/// Sixteen bytes as four vectors of floats, by unpacking with zeros (what
/// SSE2 and NEON do well) rather than converting lane by lane. The unpack
/// reads the widened lanes as little-endian integers.
void bytes_to_floats(const std::uint8_t* s, F4 out[4]) noexcept {
  using U8x16 = std::uint8_t __attribute__((vector_size(16)));
  using U16x8 = std::uint16_t __attribute__((vector_size(16)));
  U8x16 v;
  std::memcpy(&v, s, sizeof v);
  const U8x16 z8 = {};
  const U16x8 z16 = {};
  const auto lo =
      reinterpret_cast<U16x8>(__builtin_shufflevector(v, z8, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23));
  const auto hi = reinterpret_cast<U16x8>(
      __builtin_shufflevector(v, z8, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31));
  out[0] =
      __builtin_convertvector(reinterpret_cast<I4>(__builtin_shufflevector(lo, z16, 0, 8, 1, 9, 2, 10, 3, 11)), F4);
  out[1] =
      __builtin_convertvector(reinterpret_cast<I4>(__builtin_shufflevector(lo, z16, 4, 12, 5, 13, 6, 14, 7, 15)), F4);
  out[2] =
      __builtin_convertvector(reinterpret_cast<I4>(__builtin_shufflevector(hi, z16, 0, 8, 1, 9, 2, 10, 3, 11)), F4);
  out[3] =
      __builtin_convertvector(reinterpret_cast<I4>(__builtin_shufflevector(hi, z16, 4, 12, 5, 13, 6, 14, 7, 15)), F4);
}

template <Sample T>
float as_float(T v) noexcept {
  if constexpr (sizeof(T) == 1) {
    return kByteFloats[v];
  } else {
    return static_cast<float>(v);
  }
}

template <Sample T, int C>
class Resize final : public Filter {
  static constexpr bool kAlpha = C == 2 || C == 4;
  // Lanes per pixel in the padded row the horizontal taps read: RGB gets a
  // fourth, zero lane so that one tap of a pixel is one 4-wide multiply-add.
  static constexpr int L = C == 3 ? 4 : C;
  // Floats per block of the vertical pass: whole pixels for 1 to 4
  // channels, and few enough accumulators to stay in registers.
  static constexpr std::size_t kChunk = 24;

 public:
  Resize(const Geometry& in, const Geometry& out, EdgeMode edge)
      : Filter(in, out), edge_(edge), h_(plan_resample(in.width, out.width)), v_(plan_resample(in.height, out.height)) {
    // The horizontal taps read a row padded on both sides with what the
    // edge mode puts there, so every tap run is contiguous.
    std::int64_t lo = 0, hi = h_.mid;
    for (std::uint32_t x = 0; x < h_.out; ++x) {
      lo = std::min(lo, h_.first[x]);
      hi = std::max(hi, h_.first[x] + h_.count[x]);
    }
    pad_left_ = static_cast<std::size_t>(-lo);
    padded_ = static_cast<std::size_t>(hi - lo);
    h_offset_.resize(h_.out);
    for (std::uint32_t x = 0; x < h_.out; ++x) h_offset_[x] = static_cast<std::size_t>(h_.first[x] - lo) * L;

    // The input rows each output row reads, through its taps' mid rows.
    std::vector<std::uint32_t> mid_lo(v_.mid), mid_hi(v_.mid);
    for (std::uint32_t m = 0; m < v_.mid; ++m) {
      mid_lo[m] = in.height;
      mid_hi[m] = 0;
      for (std::uint32_t i = 0; i < v_.box; ++i) {
        const auto r = static_cast<std::uint32_t>(input_row(m, i));
        mid_lo[m] = std::min(mid_lo[m], r);
        mid_hi[m] = std::max(mid_hi[m], r);
      }
    }
    row_lo_.resize(v_.out);
    row_hi_.resize(v_.out);
    // Whether some row is read through the edge mode: a tap past the border
    // or a last box block reaching past it.
    bool wraps = std::uint64_t{v_.mid} * v_.box > in.height;
    for (std::uint32_t y = 0; y < v_.out; ++y) {
      row_lo_[y] = in.height;
      row_hi_[y] = 0;
      for (std::uint32_t k = 0; k < v_.count[y]; ++k) {
        const std::int64_t j = v_.first[y] + k;
        wraps |= j < 0 || j >= v_.mid;
        const std::uint32_t m = mid_index(j);
        row_lo_[y] = std::min(row_lo_[y], mid_lo[m]);
        row_hi_[y] = std::max(row_hi_[y], mid_hi[m]);
      }
    }
    // Clamp and reflect keep each row's taps near its centre, but the rows
    // are not quite monotone (an upscale's row that lands on an input row
    // needs that row alone): widen them to a monotone envelope so strips can
    // stream. Wrap makes the top rows read the bottom ones: no streaming.
    streams_ = edge != EdgeMode::kWrap || !wraps;
    if (streams_) {
      for (std::uint32_t y = 1; y < v_.out; ++y) row_hi_[y] = std::max(row_hi_[y], row_hi_[y - 1]);
      for (std::uint32_t y = v_.out - 1; y > 0; --y) row_lo_[y - 1] = std::min(row_lo_[y - 1], row_lo_[y]);
    }
  }

  [[nodiscard]] RowRange needs(RowRange out) const override {
    if (out.empty()) return {};
    std::uint32_t lo = input().height, hi = 0;
    for (std::uint32_t y = out.begin; y < out.end; ++y) {
      lo = std::min(lo, row_lo_[y]);
      hi = std::max(hi, row_hi_[y]);
    }
    return {lo, hi + 1};
  }

  [[nodiscard]] bool streams() const noexcept override { return streams_; }

  void apply(const RowWindow& src, RowRange out, std::byte* dst) const override {
    const std::size_t out_floats = std::size_t{h_.out} * C;
    const std::size_t chunked = (out_floats + kChunk - 1) / kChunk * kChunk;
    const std::size_t row_floats = chunked + 4;  // + the spill of RGB's fourth lane
    const std::size_t slots = v_.taps;

    // Scratch for this band. Zeroed once: the lanes no pixel writes (RGB's
    // fourth, the chunk padding) must stay finite.
    std::vector<float> padded(padded_ * L, 0.0f);
    std::vector<std::uint64_t> sums(boxed() ? std::size_t{input().width} * C : 0);
    std::vector<float> cache(slots * row_floats, 0.0f);
    std::vector<std::int64_t> keys(slots, -1);
    std::vector<char> keep(slots);
    std::vector<const float*> tap_rows(v_.taps);

    for (std::uint32_t y = out.begin; y < out.end; ++y) {
      const std::uint32_t n = v_.count[y];
      // Keep the cached mid rows this output row taps; fill the others.
      for (std::size_t s = 0; s < slots; ++s) {
        keep[s] = 0;
        for (std::uint32_t k = 0; k < n; ++k) keep[s] |= keys[s] == mid_index(v_.first[y] + k);
      }
      for (std::uint32_t k = 0; k < n; ++k) {
        const std::uint32_t m = mid_index(v_.first[y] + k);
        std::size_t s = 0;
        while (s < slots && keys[s] != m) ++s;
        if (s == slots) {
          s = 0;
          while (keep[s]) ++s;  // a free slot exists: a row has at most `slots` taps
          mid_row(src, m, padded.data(), sums.data(), cache.data() + s * row_floats);
          keys[s] = m;
          keep[s] = 1;
        }
        tap_rows[k] = cache.data() + s * row_floats;
      }
      vertical(tap_rows.data(), v_.weights_of(y), n, chunked, out_floats,
               reinterpret_cast<T*>(dst + (y - out.begin) * output().row_bytes()));
    }
  }

 private:
  [[nodiscard]] bool boxed() const noexcept { return h_.box > 1 || v_.box > 1; }
  [[nodiscard]] std::uint32_t mid_index(std::int64_t j) const noexcept {
    return static_cast<std::uint32_t>(edge_index(j, v_.mid, edge_));
  }
  /// Input row `i` of mid row `m`'s box.
  [[nodiscard]] std::int64_t input_row(std::uint32_t m, std::uint32_t i) const noexcept {
    return edge_index(std::int64_t{m} * v_.box + i, input().height, edge_);
  }

  /// Mid row `m`, resampled horizontally into `out` (output width x C floats).
  void mid_row(const RowWindow& src, std::uint32_t m, float* padded, std::uint64_t* sums, float* out) const {
    float* interior = padded + pad_left_ * L;
    if (boxed()) {
      box_row(src, m, sums, interior);
    } else {
      load_row(src.template row_as<T>(m), interior);
    }
    const auto pad = [&](std::size_t p) {
      const std::int64_t from =
          edge_index(static_cast<std::int64_t>(p) - static_cast<std::int64_t>(pad_left_), h_.mid, edge_);
      std::memcpy(padded + p * L, interior + from * L, L * sizeof(float));
    };
    for (std::size_t p = 0; p < pad_left_; ++p) pad(p);
    for (std::size_t p = pad_left_ + h_.mid; p < padded_; ++p) pad(p);
    horizontal(padded, out);
  }

  /// One input row as premultiplied floats, L lanes a pixel.
  void load_row(const T* s, float* d) const noexcept {
    const std::size_t w = input().width;
    if constexpr (!kAlpha) {
      std::size_t x = 0;
      if constexpr (sizeof(T) == 1 && std::endian::native == std::endian::little) {
        // Sixteen bytes at a time while they lie inside the row; RGB is
        // spread to four lanes a pixel (the fourth zero) with float shuffles.
        F4 f[4];
        if constexpr (C == 1) {
          for (; x + 16 <= w; x += 16) {
            bytes_to_floats(s + x, f);
            for (int q = 0; q < 4; ++q) store4(d + x + 4 * q, f[q]);
          }
        } else {
          const F4 z = {};
          for (; 3 * x + 16 <= 3 * w; x += 4) {
            bytes_to_floats(s + 3 * x, f);
            store4(d + 4 * x, __builtin_shufflevector(f[0], z, 0, 1, 2, 4));
            store4(d + 4 * x + 4, __builtin_shufflevector(f[0], f[1], 3, 4, 5, 5) * F4{1, 1, 1, 0});
            store4(d + 4 * x + 8, __builtin_shufflevector(f[1], f[2], 2, 3, 4, 4) * F4{1, 1, 1, 0});
            store4(d + 4 * x + 12, __builtin_shufflevector(f[2], z, 1, 2, 3, 4));
          }
        }
      }
      for (; x < w; ++x) {
        for (int c = 0; c < C; ++c) d[x * L + c] = as_float(s[x * C + c]);
      }
    } else {
      constexpr float inv = 1.0f / kSampleMax<T>;
      for (std::size_t x = 0; x < w; ++x) {
        const float a = as_float(s[x * C + C - 1]);
        const float f = a * inv;
        for (int c = 0; c < C - 1; ++c) d[x * C + c] = as_float(s[x * C + c]) * f;
        d[x * C + C - 1] = a;
      }
    }
  }

  /// Mid row `m` of a box pre-shrink: exact integer sums of premultiplied
  /// samples (colour times alpha), divided once.
  void box_row(const RowWindow& src, std::uint32_t m, std::uint64_t* sums, float* d) const {
    const std::size_t w = input().width;
    std::fill(sums, sums + w * C, std::uint64_t{0});
    for (std::uint32_t i = 0; i < v_.box; ++i) {
      const T* s = src.template row_as<T>(static_cast<std::uint32_t>(input_row(m, i)));
      if constexpr (!kAlpha) {
        for (std::size_t j = 0; j < w * C; ++j) sums[j] += s[j];
      } else {
        for (std::size_t x = 0; x < w; ++x) {
          const std::uint64_t a = s[x * C + C - 1];
          for (int c = 0; c < C - 1; ++c) sums[x * C + c] += s[x * C + c] * a;
          sums[x * C + C - 1] += a;
        }
      }
    }
    const double n = static_cast<double>(h_.box) * v_.box;
    const double alpha_scale = 1.0 / n;
    const double colour_scale = kAlpha ? 1.0 / (n * kSampleMax<T>) : alpha_scale;
    for (std::uint32_t i = 0; i < h_.mid; ++i) {
      std::uint64_t acc[C] = {};
      for (std::uint32_t j = 0; j < h_.box; ++j) {
        const auto x = static_cast<std::size_t>(edge_index(std::int64_t{i} * h_.box + j, input().width, edge_));
        for (int c = 0; c < C; ++c) acc[c] += sums[x * C + c];
      }
      for (int c = 0; c < C; ++c) {
        const double scale = kAlpha && c == C - 1 ? alpha_scale : colour_scale;
        d[std::size_t{i} * L + c] = static_cast<float>(static_cast<double>(acc[c]) * scale);
      }
    }
  }

  /// The horizontal taps over a padded row.
  void horizontal(const float* padded, float* out) const noexcept {
    for (std::uint32_t x = 0; x < h_.out; ++x) {
      const float* w = h_.weights_of(x);
      const float* p = padded + h_offset_[x];
      const std::uint32_t n = h_.count[x];
      if constexpr (L == 4) {
        // Even and odd taps in two chains, so the adds overlap instead of
        // waiting on each other; summed in the same order every time.
        F4 even = splat4(w[0]) * load4(p);
        F4 odd = splat4(0.0f);
        std::uint32_t k = 1;
        for (; k + 1 < n; k += 2) {
          odd += splat4(w[k]) * load4(p + 4 * k);
          even += splat4(w[k + 1]) * load4(p + 4 * k + 4);
        }
        if (k < n) odd += splat4(w[k]) * load4(p + 4 * k);
        store4(out + std::size_t{x} * C,
               even + odd);  // RGB: the fourth lane spills onto the next pixel, rewritten next
      } else {
        float acc[L];
        for (int c = 0; c < L; ++c) acc[c] = w[0] * p[c];
        for (std::uint32_t k = 1; k < n; ++k) {
          for (int c = 0; c < L; ++c) acc[c] += w[k] * p[k * L + c];
        }
        for (int c = 0; c < L; ++c) out[std::size_t{x} * C + c] = acc[c];
      }
    }
  }

  /// The vertical taps over the horizontally resampled rows, then back to
  /// samples: unpremultiplied, colour 0 where the alpha rounds to 0.
  void vertical(const float* const* tap_rows, const float* w, std::uint32_t n, std::size_t chunked,
                std::size_t out_floats, T* d) const noexcept {
    static_assert(kChunk == 24);
    float tmp[kChunk];
    for (std::size_t j = 0; j < chunked; j += kChunk) {
      // Six named accumulators: an array of them ends up in memory.
      const F4 w0 = splat4(w[0]);
      const float* r0 = tap_rows[0] + j;
      F4 a0 = w0 * load4(r0), a1 = w0 * load4(r0 + 4), a2 = w0 * load4(r0 + 8);
      F4 a3 = w0 * load4(r0 + 12), a4 = w0 * load4(r0 + 16), a5 = w0 * load4(r0 + 20);
      for (std::uint32_t k = 1; k < n; ++k) {
        const F4 wk = splat4(w[k]);
        const float* r = tap_rows[k] + j;
        a0 += wk * load4(r);
        a1 += wk * load4(r + 4);
        a2 += wk * load4(r + 8);
        a3 += wk * load4(r + 12);
        a4 += wk * load4(r + 16);
        a5 += wk * load4(r + 20);
      }
      store4(tmp, a0);
      store4(tmp + 4, a1);
      store4(tmp + 8, a2);
      store4(tmp + 12, a3);
      store4(tmp + 16, a4);
      store4(tmp + 20, a5);
      const std::size_t count = std::min(kChunk, out_floats - j);
      if constexpr (!kAlpha) {
        to_samples(tmp, d + j, count);
      } else {
        for (std::size_t i = 0; i < count; i += C) {
          const float alpha = tmp[i + C - 1];
          const T opacity = to_sample<T>(alpha);
          d[j + i + C - 1] = opacity;
          const float f = opacity == 0 ? 0.0f : kSampleMax<T> / alpha;
          for (int c = 0; c < C - 1; ++c) d[j + i + c] = opacity == 0 ? T{0} : to_sample<T>(tmp[i + c] * f);
        }
      }
    }
  }

  EdgeMode edge_;
  ResamplePlan h_;
  ResamplePlan v_;
  std::size_t pad_left_ = 0;                    ///< pixels of padding before the row
  std::size_t padded_ = 0;                      ///< pixels in the padded row
  std::vector<std::size_t> h_offset_;           ///< per output column: its first tap's float in the padded row
  std::vector<std::uint32_t> row_lo_, row_hi_;  ///< per output row: the first and last input row it reads
  bool streams_ = true;
};

template <Sample T>
std::unique_ptr<Filter> make(const Geometry& in, const Geometry& out, EdgeMode edge) {
  switch (in.format.channels) {
    case 1: return std::make_unique<Resize<T, 1>>(in, out, edge);
    case 2: return std::make_unique<Resize<T, 2>>(in, out, edge);
    case 3: return std::make_unique<Resize<T, 3>>(in, out, edge);
    default: return std::make_unique<Resize<T, 4>>(in, out, edge);
  }
}

}  // namespace

std::unique_ptr<Filter> bind_resize(const Geometry& input, std::uint32_t width, std::uint32_t height, EdgeMode edge) {
  Geometry out = input;
  out.width = width;
  out.height = height;
  return with_sample_type(input.format.depth == Depth::k16, [&]<class T>() { return make<T>(input, out, edge); });
}

}  // namespace conc::image
