// image/geometry.h: what an image is made of, before any pixel is held.
#pragma once

#include <cstddef>
#include <cstdint>

namespace conc::image {

/// Bits per sample. Images keep the depth they were decoded with: a 16-bit
/// PNG stays 16-bit through every filter (the filters are templated on the
/// sample type, std::uint8_t or std::uint16_t).
enum class Depth : std::uint8_t { k8 = 8, k16 = 16 };

/// Interleaved samples per pixel: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA.
/// Alpha, when present, is always the last channel and never premultiplied
/// in memory (filters that need premultiplied colour convert on the fly).
struct PixelFormat {
  int channels = 3;
  Depth depth = Depth::k8;

  [[nodiscard]] constexpr bool has_alpha() const noexcept { return channels == 2 || channels == 4; }
  [[nodiscard]] constexpr int colour_channels() const noexcept { return has_alpha() ? channels - 1 : channels; }
  [[nodiscard]] constexpr std::size_t bytes_per_sample() const noexcept { return depth == Depth::k16 ? 2 : 1; }
  [[nodiscard]] constexpr std::size_t bytes_per_pixel() const noexcept {
    return bytes_per_sample() * static_cast<std::size_t>(channels);
  }
  friend constexpr bool operator==(const PixelFormat&, const PixelFormat&) = default;
};

/// An image's size and pixel format. Rows are stored top to bottom, each
/// `row_bytes()` long with no padding; 16-bit samples in native byte order.
struct Geometry {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  PixelFormat format;

  [[nodiscard]] constexpr std::size_t row_bytes() const noexcept { return width * format.bytes_per_pixel(); }
  [[nodiscard]] constexpr std::uint64_t pixels() const noexcept { return std::uint64_t{width} * height; }
  [[nodiscard]] constexpr std::size_t bytes() const noexcept { return row_bytes() * height; }
  friend constexpr bool operator==(const Geometry&, const Geometry&) = default;
};

/// Rows [begin, end) of an image.
struct RowRange {
  std::uint32_t begin = 0;
  std::uint32_t end = 0;

  [[nodiscard]] constexpr std::uint32_t size() const noexcept { return end > begin ? end - begin : 0; }
  [[nodiscard]] constexpr bool empty() const noexcept { return end <= begin; }
  friend constexpr bool operator==(const RowRange&, const RowRange&) = default;
};

}  // namespace conc::image
