// transforms.cpp: flip, flop, the quarter turns and crop: pixels moved
// whole, as bytes, so one instantiation per pixel size serves every format.
#include "transforms.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "image/image_error.h"

namespace conc::image {
namespace {

/// Calls `f.template operator()<B>()` with B the bytes per pixel (1-8), so
/// the per-pixel copies are fixed-size moves rather than memcpy calls.
template <class F>
void with_pixel_bytes(std::size_t bytes, F&& f) {
  switch (bytes) {
    case 1: f.template operator()<1>(); break;
    case 2: f.template operator()<2>(); break;
    case 3: f.template operator()<3>(); break;
    case 4: f.template operator()<4>(); break;
    case 6: f.template operator()<6>(); break;
    default: f.template operator()<8>(); break;
  }
}

void reverse_pixels(const std::byte* s, std::byte* d, std::size_t width, std::size_t bytes) {
  with_pixel_bytes(bytes, [&]<std::size_t B>() {
    for (std::size_t x = 0; x < width; ++x) std::memcpy(d + x * B, s + (width - 1 - x) * B, B);
  });
}

class Flop final : public Filter {
 public:
  explicit Flop(const Geometry& g) : Filter(g, g) {}
  [[nodiscard]] RowRange needs(RowRange out) const override { return out; }
  [[nodiscard]] bool streams() const noexcept override { return true; }
  void apply(const RowWindow& src, RowRange out, std::byte* dst) const override {
    const std::size_t row_bytes = output().row_bytes();
    for (std::uint32_t y = out.begin; y < out.end; ++y) {
      reverse_pixels(src.row(y), dst + (y - out.begin) * row_bytes, input().width, input().format.bytes_per_pixel());
    }
  }
};

/// flip, and rotate:180 (a flip of flopped rows). The last output row needs
/// the first input row, so neither streams.
class UpsideDown final : public Filter {
 public:
  UpsideDown(const Geometry& g, bool mirror) : Filter(g, g), mirror_(mirror) {}
  [[nodiscard]] RowRange needs(RowRange out) const override {
    if (out.empty()) return {};
    return {input().height - out.end, input().height - out.begin};
  }
  [[nodiscard]] bool streams() const noexcept override { return false; }
  void apply(const RowWindow& src, RowRange out, std::byte* dst) const override {
    const std::size_t row_bytes = output().row_bytes();
    for (std::uint32_t y = out.begin; y < out.end; ++y) {
      const std::byte* s = src.row(input().height - 1 - y);
      std::byte* d = dst + (y - out.begin) * row_bytes;
      if (mirror_) {
        reverse_pixels(s, d, input().width, input().format.bytes_per_pixel());
      } else {
        std::memcpy(d, s, row_bytes);
      }
    }
  }

 private:
  bool mirror_;
};

Geometry turned(const Geometry& g) {
  Geometry t = g;
  t.width = g.height;
  t.height = g.width;
  return t;
}

/// rotate:90 and rotate:270. An output row is an input column: every input
/// row is needed for any output row.
class QuarterTurn final : public Filter {
 public:
  QuarterTurn(const Geometry& g, bool clockwise) : Filter(g, turned(g)), clockwise_(clockwise) {}
  [[nodiscard]] RowRange needs(RowRange out) const override {
    if (out.empty()) return {};
    return {0, input().height};
  }
  [[nodiscard]] bool streams() const noexcept override { return false; }
  void apply(const RowWindow& src, RowRange out, std::byte* dst) const override {
    const std::size_t row_bytes = output().row_bytes();
    const std::uint32_t in_w = input().width, in_h = input().height;
    with_pixel_bytes(input().format.bytes_per_pixel(), [&]<std::size_t B>() {
      // A few output rows at a time, walking the input rows once for them:
      // each input row gives a short contiguous run, each output row a
      // column of stores, and both stay in cache.
      constexpr std::uint32_t kBlock = 16;
      for (std::uint32_t y0 = out.begin; y0 < out.end; y0 += kBlock) {
        const std::uint32_t y1 = std::min(out.end, y0 + kBlock);
        for (std::uint32_t r = 0; r < in_h; ++r) {
          const std::byte* s = src.row(r);
          const std::size_t x = clockwise_ ? in_h - 1 - r : r;
          for (std::uint32_t y = y0; y < y1; ++y) {
            const std::size_t column = clockwise_ ? y : in_w - 1 - y;
            std::memcpy(dst + (y - out.begin) * row_bytes + x * B, s + column * B, B);
          }
        }
      }
    });
  }

 private:
  bool clockwise_;
};

class Crop final : public Filter {
 public:
  Crop(const Geometry& in, const Geometry& out, std::uint32_t x, std::uint32_t y) : Filter(in, out), x_(x), y_(y) {}
  [[nodiscard]] RowRange needs(RowRange out) const override {
    if (out.empty()) return {};
    return {y_ + out.begin, y_ + out.end};
  }
  [[nodiscard]] bool streams() const noexcept override { return true; }
  void apply(const RowWindow& src, RowRange out, std::byte* dst) const override {
    const std::size_t row_bytes = output().row_bytes();
    const std::size_t offset = std::size_t{x_} * input().format.bytes_per_pixel();
    for (std::uint32_t y = out.begin; y < out.end; ++y) {
      std::memcpy(dst + (y - out.begin) * row_bytes, src.row(y_ + y) + offset, row_bytes);
    }
  }

 private:
  std::uint32_t x_, y_;
};

}  // namespace

std::unique_ptr<Filter> bind_flip(const Geometry& input) { return std::make_unique<UpsideDown>(input, false); }

std::unique_ptr<Filter> bind_flop(const Geometry& input) { return std::make_unique<Flop>(input); }

std::unique_ptr<Filter> bind_rotate(const Geometry& input, int degrees) {
  if (degrees == 180) return std::make_unique<UpsideDown>(input, true);
  return std::make_unique<QuarterTurn>(input, degrees == 90);
}

std::unique_ptr<Filter> bind_crop(const Geometry& input, std::uint32_t width, std::uint32_t height, std::uint32_t x,
                                  std::uint32_t y) {
  if (std::uint64_t{x} + width > input.width || std::uint64_t{y} + height > input.height) {
    throw ImageError("crop " + std::to_string(width) + "x" + std::to_string(height) + "+" + std::to_string(x) + "+" +
                     std::to_string(y) + " reaches outside the " + std::to_string(input.width) + "x" +
                     std::to_string(input.height) + " image");
  }
  Geometry out = input;
  out.width = width;
  out.height = height;
  return std::make_unique<Crop>(input, out, x, y);
}

}  // namespace conc::image
