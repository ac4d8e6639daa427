// The geometry filters (resize, fit, flip, flop, rotate, crop) against
// references written here: a direct Lanczos-3 sum per output pixel in
// double, index formulas for the moves, the EXIF orientation table.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "edge.h"
#include "image/filter.h"
#include "image/image_error.h"
#include "orientation.h"
#include "test_images.h"

namespace {

using conc::image::BindContext;
using conc::image::Depth;
using conc::image::EdgeMode;
using conc::image::Filter;
using conc::image::FilterSyntaxError;
using conc::image::Geometry;
using conc::image::Image;
using conc::image::ImageError;
using conc::image::parse_filter;
using conc::image::RowRange;
using conc::image::RowWindow;
using conc::image::testing::make_test_image;
using conc::image::testing::sample_at;

constexpr EdgeMode kEdges[] = {EdgeMode::kClamp, EdgeMode::kReflect, EdgeMode::kWrap};

Geometry geometry(std::uint32_t w, std::uint32_t h, int channels, Depth depth) {
  Geometry g;
  g.width = w;
  g.height = h;
  g.format.channels = channels;
  g.format.depth = depth;
  return g;
}

std::unique_ptr<Filter> bind_spec(const std::string& spec, const Geometry& g, EdgeMode edge = EdgeMode::kClamp,
                                  std::uint32_t stored_w = 0, std::uint32_t stored_h = 0) {
  BindContext context;
  context.edge = edge;
  context.stored_width = stored_w != 0 ? stored_w : g.width;
  context.stored_height = stored_h != 0 ? stored_h : g.height;
  return parse_filter(spec)->bind(g, context);
}

/// The whole output in one call.
Image run(const Filter& f, const Image& in) {
  Image out(f.output());
  f.apply(in.window(), {0, f.output().height}, out.data());
  return out;
}

/// The output in random bands, each from a copy of exactly the rows
/// `needs()` asked for (so a read outside them is a sanitizer error).
Image run_in_bands(const Filter& f, const Image& in, std::mt19937& rng) {
  Image out(f.output());
  const std::uint32_t h = f.output().height;
  const std::size_t row_bytes = in.geometry().row_bytes();
  for (std::uint32_t y = 0; y < h;) {
    const std::uint32_t len = 1 + static_cast<std::uint32_t>(rng() % std::max<std::uint32_t>(1, h / 3));
    const RowRange band{y, std::min(h, y + len)};
    const RowRange need = f.needs(band);
    REQUIRE(need.begin < need.end);
    REQUIRE(need.end <= in.geometry().height);
    std::vector<std::byte> rows(need.size() * row_bytes);
    std::memcpy(rows.data(), in.row(need.begin), rows.size());
    const RowWindow window{in.geometry(), rows.data(), row_bytes, need.begin, need.size()};
    f.apply(window, band, out.row(band.begin));
    y = band.end;
  }
  return out;
}

bool same_bytes(const Image& a, const Image& b) {
  return a.geometry() == b.geometry() && std::memcmp(a.data(), b.data(), a.size_bytes()) == 0;
}

std::string describe(const Geometry& g) {
  return std::to_string(g.width) + "x" + std::to_string(g.height) + " c" + std::to_string(g.format.channels) + " " +
         std::to_string(static_cast<int>(g.format.depth)) + "-bit";
}

// ---- the resize reference ---------------------------------------------------

double kernel(double x) {
  if (x == 0) return 1;
  if (std::fabs(x) >= 3) return 0;
  const double p = std::numbers::pi * x;
  return 3 * std::sin(p) * std::sin(p / 3) / (p * p);
}

struct Plane {
  std::int64_t w = 0, h = 0;
  int channels = 0;
  std::vector<double> v;
  double& at(std::int64_t x, std::int64_t y, int c) { return v[static_cast<std::size_t>((y * w + x) * channels + c)]; }
};

/// Input samples, colour premultiplied by alpha (in sample units).
Plane premultiplied(const Image& in) {
  const Geometry& g = in.geometry();
  const double max = g.format.depth == Depth::k16 ? 65535 : 255;
  const int c_n = g.format.channels;
  Plane p{g.width, g.height, c_n, std::vector<double>(g.width * std::size_t{g.height} * c_n)};
  for (std::uint32_t y = 0; y < g.height; ++y) {
    for (std::uint32_t x = 0; x < g.width; ++x) {
      const double a = g.format.has_alpha() ? sample_at(in, x, y, c_n - 1) : max;
      for (int c = 0; c < c_n; ++c) {
        const double s = sample_at(in, x, y, c);
        p.at(x, y, c) = g.format.has_alpha() && c < c_n - 1 ? s * a / max : s;
      }
    }
  }
  return p;
}

/// Box averages over kx x ky blocks, the last ones reaching past the border
/// through the edge mode.
Plane box_average(Plane& in, std::int64_t kx, std::int64_t ky, EdgeMode edge) {
  Plane out{(in.w + kx - 1) / kx, (in.h + ky - 1) / ky, in.channels, {}};
  out.v.resize(static_cast<std::size_t>(out.w * out.h * in.channels));
  for (std::int64_t y = 0; y < out.h; ++y) {
    for (std::int64_t x = 0; x < out.w; ++x) {
      for (int c = 0; c < in.channels; ++c) {
        double sum = 0;
        for (std::int64_t j = 0; j < ky; ++j) {
          for (std::int64_t i = 0; i < kx; ++i) {
            sum += in.at(conc::image::edge_index(x * kx + i, in.w, edge),
                         conc::image::edge_index(y * ky + j, in.h, edge), c);
          }
        }
        out.at(x, y, c) = sum / static_cast<double>(kx * ky);
      }
    }
  }
  return out;
}

/// Taps of output sample `x` of an axis of `in` input samples resampled to
/// `out`, box pre-shrunk by `k`: (index into the box-averaged axis, weight).
std::vector<std::pair<std::int64_t, double>> taps(std::int64_t x, std::int64_t in, std::int64_t out, std::int64_t k) {
  const double scale = static_cast<double>(out * k) / static_cast<double>(in);
  const double stretch = std::min(1.0, scale);
  const double centre = (static_cast<double>(x) + 0.5) / scale - 0.5;
  std::vector<std::pair<std::int64_t, double>> t;
  double sum = 0;
  for (auto i = static_cast<std::int64_t>(std::floor(centre - 3 / stretch));
       i <= static_cast<std::int64_t>(std::ceil(centre + 3 / stretch)); ++i) {
    const double w = kernel((static_cast<double>(i) - centre) * stretch);
    t.emplace_back(i, w);
    sum += w;
  }
  for (auto& [i, w] : t) w /= sum;
  return t;
}

/// Checks `out` against the direct 2-D sum: within 1 per channel, or for a
/// colour under a low alpha (where dividing by alpha magnifies every
/// rounding) within 1 once premultiplied again.
void check_resize(const Image& in, const Image& out, EdgeMode edge) {
  const Geometry& gi = in.geometry();
  const Geometry& go = out.geometry();
  const int cn = gi.format.channels;
  const double max = gi.format.depth == Depth::k16 ? 65535 : 255;
  const std::int64_t kx = std::max<std::int64_t>(1, gi.width / (2 * std::int64_t{go.width}));
  const std::int64_t ky = std::max<std::int64_t>(1, gi.height / (2 * std::int64_t{go.height}));
  Plane pre = premultiplied(in);
  Plane mid = box_average(pre, kx, ky, edge);
  int worst = 0;
  for (std::uint32_t y = 0; y < go.height; ++y) {
    const auto ty = taps(y, gi.height, go.height, ky);
    for (std::uint32_t x = 0; x < go.width; ++x) {
      const auto tx = taps(x, gi.width, go.width, kx);
      std::vector<double> v(cn, 0.0);
      for (const auto& [j, wy] : ty) {
        for (const auto& [i, wx] : tx) {
          for (int c = 0; c < cn; ++c) {
            v[c] +=
                wy * wx * mid.at(conc::image::edge_index(i, mid.w, edge), conc::image::edge_index(j, mid.h, edge), c);
          }
        }
      }
      const auto round = [&](double s) { return std::clamp(std::floor(s + 0.5), 0.0, max); };
      const double alpha = gi.format.has_alpha() ? v[cn - 1] : max;
      for (int c = 0; c < cn; ++c) {
        const double got = sample_at(out, x, y, c);
        double want = round(v[c]);
        if (gi.format.has_alpha() && c < cn - 1) want = round(alpha) == 0 ? 0 : round(v[c] * max / alpha);
        bool ok = std::fabs(got - want) <= 1;
        if (!ok && gi.format.has_alpha() && c < cn - 1) {
          const double got_alpha = sample_at(out, x, y, cn - 1);
          ok = std::fabs(got * got_alpha / max - std::clamp(v[c], 0.0, std::max(alpha, 0.0))) <= 1;
        }
        if (!ok) {
          INFO(describe(gi) << " -> " << go.width << "x" << go.height << " edge " << static_cast<int>(edge) << " at "
                            << x << "," << y << " channel " << c << ": got " << got << ", want " << want << " (alpha "
                            << alpha << ")");
          CHECK(ok);
          if (++worst > 5) return;
        }
      }
    }
  }
}

}  // namespace

TEST_CASE("resize matches a direct Lanczos-3 sum, box pre-shrink included", "[geometry]") {
  struct Case {
    std::uint32_t w, h, ow, oh;
  };
  const Case cases[] = {
      {13, 11, 29, 23},                // upscale
      {13, 11, 7, 6},                  // about 1/2, no box
      {16, 10, 8, 19},                 // one axis down, one up
      {12, 9, 12, 9},                  // same size
      {1, 7, 3, 4},                    // 1xN
      {7, 1, 5, 1},                    // Nx1
      {1, 1, 3, 2},                    // 1x1 up
      {1, 1, 1, 1},     {9, 7, 3, 2},  // 1/3: Lanczos alone over many taps
      {5, 3, 1, 1},                    // box 2 across, then Lanczos
      {40, 33, 6, 5},                  // box 3 each way
      {37, 9, 4, 2},                   // box 4 and 2, partial last blocks
  };
  std::uint32_t seed = 1;
  for (const Depth depth : {Depth::k8, Depth::k16}) {
    for (int channels = 1; channels <= 4; ++channels) {
      for (const EdgeMode edge : kEdges) {
        for (const Case& c : cases) {
          const Image in = make_test_image(geometry(c.w, c.h, channels, depth), ++seed);
          const auto f = bind_spec("resize:" + std::to_string(c.ow) + "x" + std::to_string(c.oh), in.geometry(), edge);
          REQUIRE(f->output() == geometry(c.ow, c.oh, channels, depth));
          const Image out = run(*f, in);
          check_resize(in, out, edge);
          std::mt19937 rng(seed);
          INFO(describe(in.geometry()) << " -> " << c.ow << "x" << c.oh << " edge " << static_cast<int>(edge));
          CHECK(same_bytes(out, run_in_bands(*f, in, rng)));
        }
      }
    }
  }
}

TEST_CASE("resize of a smooth photo-like image stays close and keeps a flat image flat", "[geometry]") {
  const Image in = make_test_image(geometry(64, 48, 3, Depth::k8), 7, true);
  check_resize(in, run(*bind_spec("resize:50%", in.geometry()), in), EdgeMode::kClamp);
  check_resize(in, run(*bind_spec("resize:17%", in.geometry(), EdgeMode::kReflect), in), EdgeMode::kReflect);

  // Weights are normalised: a flat image stays exactly flat at any scale,
  // and fully transparent pixels come out with colour 0.
  Image flat(geometry(23, 17, 4, Depth::k16));
  for (std::uint32_t y = 0; y < 17; ++y) {
    auto* p = reinterpret_cast<std::uint16_t*>(flat.row(y));
    for (std::uint32_t x = 0; x < 23; ++x) {
      p[4 * x] = 1000, p[4 * x + 1] = 40000, p[4 * x + 2] = 65535, p[4 * x + 3] = 30000;
    }
  }
  for (const std::string spec : {"resize:10x7", "resize:61x3", "resize:1x1", "resize:300%"}) {
    const Image out = run(*bind_spec(spec, flat.geometry()), flat);
    for (std::uint32_t y = 0; y < out.geometry().height; ++y) {
      for (std::uint32_t x = 0; x < out.geometry().width; ++x) {
        INFO(spec << " at " << x << "," << y);
        CHECK(sample_at(out, x, y, 0) == 1000);
        CHECK(sample_at(out, x, y, 1) == 40000);
        CHECK(sample_at(out, x, y, 2) == 65535);
        CHECK(sample_at(out, x, y, 3) == 30000);
      }
    }
  }
}

TEST_CASE("resize:100% copies exactly", "[geometry]") {
  for (int channels = 1; channels <= 4; ++channels) {
    const Image in = make_test_image(geometry(19, 8, channels, Depth::k8), 3);
    const Image out = run(*bind_spec("resize:100%", in.geometry()), in);
    // Premultiplying and back loses nothing, but a pixel with alpha 0 has
    // no colour to keep: it comes out 0.
    for (std::uint32_t y = 0; y < 8; ++y) {
      for (std::uint32_t x = 0; x < 19; ++x) {
        const bool clear = in.geometry().format.has_alpha() && sample_at(in, x, y, channels - 1) == 0;
        for (int c = 0; c < channels; ++c) {
          const bool colour = in.geometry().format.has_alpha() && c < channels - 1;
          CHECK(sample_at(out, x, y, c) == (clear && colour ? 0 : sample_at(in, x, y, c)));
        }
      }
    }
  }
}

TEST_CASE("resize and fit choose their output size from the stored size", "[geometry]") {
  const auto size = [](const std::string& spec, std::uint32_t w, std::uint32_t h, std::uint32_t sw = 0,
                       std::uint32_t sh = 0) {
    const auto f = bind_spec(spec, geometry(w, h, 3, Depth::k8), EdgeMode::kClamp, sw, sh);
    return std::to_string(f->output().width) + "x" + std::to_string(f->output().height);
  };
  CHECK(size("resize:7x3", 100, 80) == "7x3");
  CHECK(size("resize:50%", 101, 51) == "51x26");          // 50.5 and 25.5 round up
  CHECK(size("resize:50%", 26, 13, 101, 51) == "51x26");  // after a shrink-on-load by 4
  CHECK(size("resize:0.01%", 100, 100) == "1x1");         // at least 1
  CHECK(size("resize:33.3%", 1000, 10) == "333x3");
  CHECK(size("resize:250%", 4, 2) == "10x5");
  CHECK(size("fit:100x100", 400, 200) == "100x50");
  CHECK(size("fit:100x100", 200, 400) == "50x100");
  CHECK(size("fit:1000x1000", 30, 20) == "1000x667");  // enlarges
  CHECK(size("fit:10x10", 1000, 1) == "10x1");
  CHECK(size("fit:64x48", 640, 480) == "64x48");
  // The aspect ratio is the stored image's: 803x601 loaded at 1/8 is
  // 101x76, whose own ratio would give 400x301.
  CHECK(size("fit:400x400", 101, 76, 803, 601) == "400x299");
  CHECK(size("fit:400x400", 101, 76) == "400x301");

  BindContext huge;
  huge.stored_width = 500000;
  huge.stored_height = 2;
  REQUIRE_THROWS_AS(parse_filter("resize:1000%")->bind(geometry(4, 2, 3, Depth::k8), huge), ImageError);
}

TEST_CASE("shrink_on_load leaves at least a 2x reduction to the resampler", "[geometry]") {
  const auto shrink = [](const std::string& spec, std::uint32_t w, std::uint32_t h) {
    return parse_filter(spec)->shrink_on_load(w, h);
  };
  CHECK(shrink("resize:50%", 8000, 6000) == 1);
  CHECK(shrink("resize:25%", 8000, 6000) == 2);
  CHECK(shrink("resize:10%", 8000, 6000) == 4);
  CHECK(shrink("resize:100x100", 8000, 6000) == 8);
  CHECK(shrink("resize:4000x100", 8000, 6000) == 1);  // the width allows no more
  CHECK(shrink("resize:1000x750", 8000, 6000) == 4);  // 8000 / 4 = 2 * 1000 exactly
  CHECK(shrink("resize:1001x750", 8000, 6000) == 2);
  CHECK(shrink("resize:200%", 8000, 6000) == 1);
  CHECK(shrink("resize:8000x6000", 8000, 6000) == 1);
  CHECK(shrink("fit:800x800", 8000, 6000) == 4);  // 800x600
  CHECK(shrink("fit:100x100", 8000, 6000) == 8);
  CHECK(shrink("flip", 8000, 6000) == 1);
  CHECK(shrink("crop:10x10+0+0", 8000, 6000) == 1);
}

TEST_CASE("resize needs the rows its vertical taps read and streams unless wrapped", "[geometry]") {
  const Geometry g = geometry(40, 30, 3, Depth::k8);
  for (const std::string spec : {"resize:50%", "resize:300%", "resize:10%", "resize:40x7"}) {
    for (const EdgeMode edge : kEdges) {
      const auto f = bind_spec(spec, g, edge);
      INFO(spec << " edge " << static_cast<int>(edge));
      CHECK(f->streams() == (edge != EdgeMode::kWrap));
      CHECK(f->needs({0, f->output().height}) == RowRange{0, 30});
      RowRange last = f->needs({0, 1});
      for (std::uint32_t y = 1; y < f->output().height; ++y) {
        const RowRange n = f->needs({y, y + 1});
        CHECK(n.end <= 30);
        if (edge != EdgeMode::kWrap) CHECK((n.begin >= last.begin && n.end >= last.end));
        last = n;
      }
    }
  }
  // Halving reads about 6 rows each side of a row's centre, not the image.
  const auto half = bind_spec("resize:50%", geometry(100, 400, 1, Depth::k8));
  const RowRange n = half->needs({100, 101});
  CHECK(n.begin >= 190);
  CHECK(n.end <= 212);
}

TEST_CASE("flip, flop, rotate and crop move pixels exactly", "[geometry]") {
  struct Move {
    std::string spec;
    std::uint32_t w, h;  // of the output, for a 7x5 input
    bool streams;
    // the input pixel behind output (x, y)
    std::pair<std::uint32_t, std::uint32_t> (*from)(std::uint32_t x, std::uint32_t y);
  };
  constexpr std::uint32_t W = 7, H = 5;
  const Move moves[] = {
      {"flip", W, H, false,
       [](std::uint32_t x, std::uint32_t y) {
         return std::pair{x, H - 1 - y};
       }},
      {"flop", W, H, true,
       [](std::uint32_t x, std::uint32_t y) {
         return std::pair{W - 1 - x, y};
       }},
      {"rotate:90", H, W, false,
       [](std::uint32_t x, std::uint32_t y) {
         return std::pair{y, H - 1 - x};
       }},
      {"rotate:180", W, H, false,
       [](std::uint32_t x, std::uint32_t y) {
         return std::pair{W - 1 - x, H - 1 - y};
       }},
      {"rotate:270", H, W, false,
       [](std::uint32_t x, std::uint32_t y) {
         return std::pair{W - 1 - y, x};
       }},
      {"crop:3x2+4+3", 3, 2, true,
       [](std::uint32_t x, std::uint32_t y) {
         return std::pair{x + 4, y + 3};
       }},
      {"crop:7x5+0+0", 7, 5, true,
       [](std::uint32_t x, std::uint32_t y) {
         return std::pair{x, y};
       }},
      {"crop:1x1+6+4", 1, 1, true,
       [](std::uint32_t, std::uint32_t) {
         return std::pair{6u, 4u};
       }},
  };
  std::mt19937 rng(5);
  for (const Depth depth : {Depth::k8, Depth::k16}) {
    for (int channels = 1; channels <= 4; ++channels) {
      const Image in = make_test_image(geometry(W, H, channels, depth), static_cast<std::uint32_t>(channels));
      for (const Move& m : moves) {
        const auto f = bind_spec(m.spec, in.geometry());
        INFO(m.spec << " " << describe(in.geometry()));
        REQUIRE(f->output() == geometry(m.w, m.h, channels, depth));
        CHECK(f->streams() == m.streams);
        const Image out = run(*f, in);
        for (std::uint32_t y = 0; y < m.h; ++y) {
          for (std::uint32_t x = 0; x < m.w; ++x) {
            const auto [sx, sy] = m.from(x, y);
            for (int c = 0; c < channels; ++c) REQUIRE(sample_at(out, x, y, c) == sample_at(in, sx, sy, c));
          }
        }
        CHECK(same_bytes(out, run_in_bands(*f, in, rng)));
      }
    }
  }
}

TEST_CASE("EXIF orientations 2-8 are turned upright by flop, flip and rotations", "[geometry]") {
  // The mapping, as the EXIF spec's table of where stored row 0 and column
  // 0 belong on the display.
  const std::vector<std::vector<std::string>> expected = {
      {},                      // 1: row 0 top, column 0 left
      {"flop"},                // 2: row 0 top, column 0 right
      {"rotate:180"},          // 3: row 0 bottom, column 0 right
      {"flip"},                // 4: row 0 bottom, column 0 left
      {"rotate:90", "flop"},   // 5: row 0 left, column 0 top (transpose)
      {"rotate:90"},           // 6: row 0 right, column 0 top
      {"rotate:270", "flop"},  // 7: row 0 right, column 0 bottom (transverse)
      {"rotate:270"},          // 8: row 0 left, column 0 bottom
  };
  constexpr std::uint32_t W = 5, H = 3;  // stored
  const Image stored = make_test_image(geometry(W, H, 2, Depth::k16), 9);
  for (int o = 1; o <= 8; ++o) {
    INFO("orientation " << o);
    const auto specs = conc::image::orientation_filters(o);
    std::vector<std::string> texts;
    for (const auto& s : specs) texts.push_back(s->text());
    CHECK(texts == expected[o - 1]);

    Image upright = make_test_image(stored.geometry(), 9);
    for (const auto& s : specs) {
      BindContext context;
      context.stored_width = upright.geometry().width;
      context.stored_height = upright.geometry().height;
      upright = run(*s->bind(upright.geometry(), context), upright);
    }
    const bool turned = o >= 5;
    REQUIRE(upright.geometry().width == (turned ? H : W));
    REQUIRE(upright.geometry().height == (turned ? W : H));
    // Display pixel (dx, dy) shows stored pixel (sx, sy), read off the table.
    for (std::uint32_t dy = 0; dy < upright.geometry().height; ++dy) {
      for (std::uint32_t dx = 0; dx < upright.geometry().width; ++dx) {
        std::uint32_t sx = dx, sy = dy;
        switch (o) {
          case 2: sx = W - 1 - dx; break;
          case 3: sx = W - 1 - dx, sy = H - 1 - dy; break;
          case 4: sy = H - 1 - dy; break;
          case 5: sx = dy, sy = dx; break;
          case 6: sx = dy, sy = H - 1 - dx; break;
          case 7: sx = W - 1 - dy, sy = H - 1 - dx; break;
          case 8: sx = W - 1 - dy, sy = dx; break;
          default: break;
        }
        for (int c = 0; c < 2; ++c) REQUIRE(sample_at(upright, dx, dy, c) == sample_at(stored, sx, sy, c));
      }
    }
  }
  CHECK(conc::image::orientation_filters(0).empty());
  CHECK(conc::image::orientation_filters(9).empty());
}

TEST_CASE("a crop reaching outside the image is an ImageError for that image", "[geometry]") {
  const Geometry g = geometry(100, 100, 3, Depth::k8);
  REQUIRE_THROWS_AS(bind_spec("crop:10x10+95+0", g), ImageError);
  REQUIRE_THROWS_WITH(bind_spec("crop:10x10+95+0", g), "crop 10x10+95+0 reaches outside the 100x100 image");
  REQUIRE_THROWS_WITH(bind_spec("crop:100x101+0+0", g), "crop 100x101+0+0 reaches outside the 100x100 image");
  REQUIRE_THROWS_WITH(bind_spec("crop:1x1+0+4294967295", g), "crop 1x1+0+4294967295 reaches outside the 100x100 image");
  REQUIRE_NOTHROW(bind_spec("crop:100x100+0+0", g));
  REQUIRE_NOTHROW(bind_spec("crop:1x1+99+99", g));
}

TEST_CASE("every geometry filter gives the same bytes whatever the bands", "[geometry]") {
  const char* specs[] = {"resize:50%", "resize:37x23", "resize:300%", "resize:10%", "resize:61x5", "fit:20x20",
                         "flip",       "flop",         "rotate:90",   "rotate:180", "rotate:270",  "crop:20x10+5+7"};
  struct Format {
    int channels;
    Depth depth;
  };
  const Format formats[] = {{3, Depth::k8}, {4, Depth::k16}, {2, Depth::k8}, {1, Depth::k16}};
  std::mt19937 rng(11);
  for (const Format& fmt : formats) {
    const Image in = make_test_image(geometry(61, 47, fmt.channels, fmt.depth), 4, true);
    for (const char* spec : specs) {
      for (const EdgeMode edge : kEdges) {
        const auto f = bind_spec(spec, in.geometry(), edge);
        const Image whole = run(*f, in);
        for (int attempt = 0; attempt < 3; ++attempt) {
          INFO(spec << " " << describe(in.geometry()) << " edge " << static_cast<int>(edge));
          CHECK(same_bytes(whole, run_in_bands(*f, in, rng)));
        }
      }
    }
  }
}

TEST_CASE("geometry filter arguments are checked when parsed", "[geometry]") {
  const auto error = [](const std::string& spec) -> std::string {
    try {
      (void)parse_filter(spec);
    } catch (const FilterSyntaxError& e) {
      return e.what();
    }
    return "(parsed)";
  };
  CHECK(error("resize:0x0") == "filter 'resize:0x0': W must be a whole number from 1 to 1000000, not '0'");
  CHECK(error("resize:10x0") == "filter 'resize:10x0': H must be a whole number from 1 to 1000000, not '0'");
  CHECK(error("resize:1000001x5") ==
        "filter 'resize:1000001x5': W must be a whole number from 1 to 1000000, not '1000001'");
  CHECK(error("resize:10x") == "filter 'resize:10x': H must be a whole number from 1 to 1000000, not ''");
  CHECK(error("resize:-5%") == "filter 'resize:-5%': P must be a number from 0.01 to 10000, not '-5'");
  CHECK(error("resize:0%") == "filter 'resize:0%': P must be a number from 0.01 to 10000, not '0'");
  CHECK(error("resize:10001%") == "filter 'resize:10001%': P must be a number from 0.01 to 10000, not '10001'");
  CHECK(error("resize:nan%") == "filter 'resize:nan%': P must be a number from 0.01 to 10000, not 'nan'");
  CHECK(error("resize:%") == "filter 'resize:%': P must be a number from 0.01 to 10000, not ''");
  CHECK(error("resize") == "filter 'resize': expected resize:WxH or resize:P%");
  CHECK(error("resize:abc") == "filter 'resize:abc': expected resize:WxH or resize:P%");
  CHECK(error("resize:2x3x4") == "filter 'resize:2x3x4': expected resize:WxH or resize:P%");
  CHECK(error("fit:5") == "filter 'fit:5': expected fit:WxH");
  CHECK(error("fit:0x5") == "filter 'fit:0x5': W must be a whole number from 1 to 1000000, not '0'");
  CHECK(error("crop:10x10") == "filter 'crop:10x10': expected crop:WxH+X+Y");
  CHECK(error("crop:10x10+1") == "filter 'crop:10x10+1': expected crop:WxH+X+Y");
  CHECK(error("crop:10x10+-1+0") ==
        "filter 'crop:10x10+-1+0': X must be a whole number from 0 to 4294967295, not '-1'");
  CHECK(error("crop:0x10+1+1") == "filter 'crop:0x10+1+1': W must be a whole number from 1 to 4294967295, not '0'");
  CHECK(error("crop:10x10+1+y") == "filter 'crop:10x10+1+y': Y must be a whole number from 0 to 4294967295, not 'y'");
  CHECK(error("rotate:45") == "filter 'rotate:45': the angle must be 90, 180 or 270, not '45'");
  CHECK(error("rotate") == "filter 'rotate': expected rotate:90|180|270");
  CHECK(error("rotate:90,180") == "filter 'rotate:90,180': expected rotate:90|180|270");
  CHECK(error("flip:1") == "filter 'flip:1': takes no arguments (flip)");
  CHECK(error("flop:x") == "filter 'flop:x': takes no arguments (flop)");

  CHECK(error("resize:640x480") == "(parsed)");
  CHECK(error("resize:12.5%") == "(parsed)");
  CHECK(error("crop:1x1+0+0") == "(parsed)");
  CHECK(parse_filter("rotate:270")->text() == "rotate:270");

  const std::string help = conc::image::filter_help();
  for (const char* head : {"resize:WxH|P%", "fit:WxH", "flip", "flop", "rotate:90|180|270", "crop:WxH+X+Y"}) {
    CHECK(help.find(head) != std::string::npos);
  }
}
