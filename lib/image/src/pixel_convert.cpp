#include <cstdint>
#include <cstring>
#include <stdexcept>

#include "format_codecs.h"

namespace conc::image {
namespace {

std::uint32_t load(const std::byte* row, std::size_t index, bool sixteen) noexcept {
  if (!sixteen) return static_cast<std::uint8_t>(row[index]);
  std::uint16_t v = 0;
  std::memcpy(&v, row + 2 * index, 2);
  return v;
}

void store(std::byte* row, std::size_t index, bool sixteen, std::uint32_t v) noexcept {
  if (!sixteen) {
    row[index] = static_cast<std::byte>(v);
    return;
  }
  const auto s = static_cast<std::uint16_t>(v);
  std::memcpy(row + 2 * index, &s, 2);
}

}  // namespace

void convert_row(const std::byte* src, PixelFormat from, std::byte* dst, PixelFormat to, std::uint32_t width) {
  if (from == to) {
    std::memcpy(dst, src, std::size_t{width} * from.bytes_per_pixel());
    return;
  }
  const bool in16 = from.depth == Depth::k16;
  const bool out16 = to.depth == Depth::k16;
  const std::uint32_t in_max = in16 ? 65535 : 255;
  const std::uint32_t out_max = out16 ? 65535 : 255;
  const int in_colour = from.colour_channels();
  const int out_colour = to.colour_channels();
  for (std::uint32_t x = 0; x < width; ++x) {
    const std::size_t in_base = std::size_t{x} * from.channels;
    const std::size_t out_base = std::size_t{x} * to.channels;
    const std::uint32_t alpha = from.has_alpha() ? load(src, in_base + in_colour, in16) : in_max;
    const bool flatten = from.has_alpha() && !to.has_alpha();
    for (int c = 0; c < out_colour; ++c) {
      std::uint64_t v = load(src, in_base + (in_colour == 1 ? 0 : c), in16);
      if (flatten) v = (v * alpha + in_max / 2) / in_max;
      if (in_max != out_max) v = (v * out_max + in_max / 2) / in_max;
      store(dst, out_base + c, out16, static_cast<std::uint32_t>(v));
    }
    if (to.has_alpha()) {
      std::uint64_t a = alpha;
      if (in_max != out_max) a = (a * out_max + in_max / 2) / in_max;
      store(dst, out_base + out_colour, out16, static_cast<std::uint32_t>(a));
    }
  }
}

GatheredRows::GatheredRows(const Geometry& in, PixelFormat out)
    : in_(in), out_(out), pixels_(std::size_t{in.width} * in.height * out.bytes_per_pixel()) {}

void GatheredRows::add(const std::byte* src, std::uint32_t rows) {
  if (rows > in_.height - next_row_) throw std::logic_error("write_rows past the last row");
  const std::size_t in_row = in_.row_bytes();
  for (std::uint32_t i = 0; i < rows; ++i) {
    convert_row(src + i * in_row, in_.format, pixels_.data() + (next_row_ + i) * row_bytes(), out_, in_.width);
  }
  next_row_ += rows;
}

void GatheredRows::require_complete() const {
  if (next_row_ != in_.height) throw std::logic_error("finish before the last row");
}

}  // namespace conc::image
