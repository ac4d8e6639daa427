// test_images.h: deterministic images for the image tests.
#pragma once

#include <cstdint>
#include <cstring>

#include "image/geometry.h"
#include "image/pixels.h"

namespace conc::image::testing {

/// An image of geometry `g` whose samples are a fixed pseudo-random
/// function of (x, y, channel, seed): the same bytes in every run. With
/// `smooth`, samples follow gradients plus a little noise (what photos
/// look like to a codec); otherwise they are uniform noise over the full
/// range (what finds off-by-one errors in filters). Alpha, when present,
/// takes every value from 0 to max, so premultiplication is exercised.
inline Image make_test_image(const Geometry& g, std::uint32_t seed = 1, bool smooth = false) {
  Image img(g);
  const bool sixteen = g.format.depth == Depth::k16;
  const std::uint32_t max = sixteen ? 65535 : 255;
  for (std::uint32_t y = 0; y < g.height; ++y) {
    std::byte* row = img.row(y);
    for (std::uint32_t x = 0; x < g.width; ++x) {
      for (int c = 0; c < g.format.channels; ++c) {
        std::uint32_t h =
            (x * 73856093u) ^ (y * 19349663u) ^ (static_cast<std::uint32_t>(c) * 83492791u) ^ (seed * 2654435761u);
        h ^= h >> 13;
        h *= 0x5bd1e995u;
        h ^= h >> 15;
        std::uint32_t v = h % (max + 1);
        if (smooth) {
          const std::uint32_t base = ((x * 7 + y * 3 + static_cast<std::uint32_t>(c) * 40) % 256) * (max / 255);
          v = (base + h % (max / 16 + 1)) % (max + 1);
        }
        const std::size_t i = std::size_t{x} * g.format.channels + c;
        if (sixteen) {
          const auto s = static_cast<std::uint16_t>(v);
          std::memcpy(row + 2 * i, &s, 2);
        } else {
          row[i] = static_cast<std::byte>(v);
        }
      }
    }
  }
  return img;
}

/// Sample `c` of pixel (x, y), 8- or 16-bit.
inline std::uint32_t sample_at(const Image& img, std::uint32_t x, std::uint32_t y, int c) {
  const auto& g = img.geometry();
  const std::size_t i = std::size_t{x} * g.format.channels + c;
  if (g.format.depth == Depth::k16) {
    std::uint16_t s = 0;
    std::memcpy(&s, img.row(y) + 2 * i, 2);
    return s;
  }
  return static_cast<std::uint8_t>(img.row(y)[i]);
}

}  // namespace conc::image::testing
