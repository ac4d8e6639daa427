// filter_checks.h: running a bound filter the ways the strategies do (the
// whole image at once, or random bands each from exactly the rows it
// needs), and comparing the results, for the filter tests.
#pragma once

#include <algorithm>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "image/filter.h"
#include "image/pixels.h"
#include "samples.h"
#include "test_images.h"

namespace conc::image::testing {

inline std::unique_ptr<Filter> bind_filter(const std::string& spec, const Geometry& g,
                                           EdgeMode edge = EdgeMode::kClamp) {
  BindContext context;
  context.edge = edge;
  context.stored_width = g.width;
  context.stored_height = g.height;
  return parse_filter(spec)->bind(g, context);
}

inline Image apply_whole(const Filter& f, const Image& in) {
  Image out(f.output());
  f.apply(in.window(), {0, f.output().height}, out.data());
  return out;
}

/// Output rows in random bands. Each band's window holds exactly the rows
/// `needs` names, copied out of the image, so that a read outside them is
/// a read outside an allocation (AddressSanitizer sees it).
inline Image apply_in_bands(const Filter& f, const Image& in, std::mt19937& rng) {
  Image out(f.output());
  const std::uint32_t height = f.output().height;
  const std::size_t row_bytes = in.geometry().row_bytes();
  for (std::uint32_t y = 0; y < height;) {
    const std::uint32_t size = 1 + static_cast<std::uint32_t>(rng() % std::max<std::uint32_t>(1, (height - y + 1) / 2));
    const RowRange band{y, std::min(height, y + size)};
    const RowRange need = f.needs(band);
    REQUIRE(need.end <= in.geometry().height);
    std::vector<std::byte> rows(std::max<std::size_t>(1, need.size() * row_bytes));
    if (need.size() > 0) std::memcpy(rows.data(), in.row(need.begin), need.size() * row_bytes);
    const RowWindow window{in.geometry(), rows.data(), row_bytes, need.begin, need.size()};
    f.apply(window, band, out.row(band.begin));
    y = band.end;
  }
  return out;
}

inline bool same_bytes(const Image& a, const Image& b) {
  return a.geometry() == b.geometry() && a.size_bytes() == b.size_bytes() &&
         std::memcmp(a.data(), b.data(), a.size_bytes()) == 0;
}

/// Three random partitions into bands give the bytes of the whole-image call.
inline void check_bands(const Filter& f, const Image& in, std::uint32_t seed = 7) {
  const Image whole = apply_whole(f, in);
  std::mt19937 rng(seed);
  for (int i = 0; i < 3; ++i) REQUIRE(same_bytes(apply_in_bands(f, in, rng), whole));
}

/// The sample nearest `v` for the image's depth (the filters' one rounding rule).
inline std::uint32_t nearest(double v, Depth depth) {
  return depth == Depth::k16 ? std::uint32_t{to_sample<std::uint16_t>(static_cast<float>(v))}
                             : std::uint32_t{to_sample<std::uint8_t>(static_cast<float>(v))};
}

inline const char* edge_name(EdgeMode e) {
  return e == EdgeMode::kClamp ? "clamp" : e == EdgeMode::kReflect ? "reflect" : "wrap";
}

inline std::string describe(const Geometry& g, EdgeMode e) {
  return std::to_string(g.width) + "x" + std::to_string(g.height) + " c" + std::to_string(g.format.channels) +
         (g.format.depth == Depth::k16 ? " 16-bit " : " 8-bit ") + edge_name(e);
}

/// Small images of every shape the filters must handle: single pixels,
/// single rows and columns, odd sizes; 1-4 channels; 8 and 16 bit.
inline std::vector<Geometry> small_geometries() {
  std::vector<Geometry> out;
  const std::uint32_t sizes[][2] = {{1, 1}, {1, 7}, {9, 1}, {5, 6}, {13, 9}};
  for (const auto& s : sizes) {
    for (int c = 1; c <= 4; ++c) {
      for (const Depth d : {Depth::k8, Depth::k16}) out.push_back(Geometry{s[0], s[1], PixelFormat{c, d}});
    }
  }
  return out;
}

inline constexpr EdgeMode kEdges[] = {EdgeMode::kClamp, EdgeMode::kReflect, EdgeMode::kWrap};

}  // namespace conc::image::testing
