// The neighbourhood filters (blur, box, sharpen, sobel, median, conv)
// against naive references written here: direct 2-D sums in doubles over
// edge-mapped pixels, a sorting median. Exact where the filter's arithmetic
// is integer (box, median, sobel), within 1 where it is float. Every filter
// also gives the same bytes computed in random bands as in one call.
#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "edge.h"
#include "filter_checks.h"
#include "image/filter.h"
#include "neighbourhood.h"
#include "test_images.h"

using namespace conc::image;
using namespace conc::image::testing;

namespace {

double max_of(const Geometry& g) { return g.format.depth == Depth::k16 ? 65535.0 : 255.0; }

/// Sample c of the pixel standing for (x, y), which may lie outside.
double at(const Image& img, std::int64_t x, std::int64_t y, int c, EdgeMode e) {
  const Geometry& g = img.geometry();
  return sample_at(img, static_cast<std::uint32_t>(edge_index(x, g.width, e)),
                   static_cast<std::uint32_t>(edge_index(y, g.height, e)), c);
}

/// Colour premultiplied by alpha / max; alpha itself as it is.
double premultiplied(const Image& img, std::int64_t x, std::int64_t y, int c, EdgeMode e) {
  const Geometry& g = img.geometry();
  const double v = at(img, x, y, c, e);
  if (!g.format.has_alpha() || c == g.format.channels - 1) return v;
  return v * at(img, x, y, g.format.channels - 1, e) / max_of(g);
}

std::vector<double> reference_gaussian(double sigma) {
  const int r = static_cast<int>(std::ceil(3 * sigma));
  std::vector<double> k;
  double sum = 0;
  for (int i = -r; i <= r; ++i) {
    k.push_back(std::exp(-i * i / (2 * sigma * sigma)));
    sum += k.back();
  }
  for (double& v : k) v /= sum;
  return k;
}

/// Compares every sample of `got` with `want(x, y, c)`; a negative expected
/// value means "don't care". Reports the worst difference.
void compare(const Image& got, const std::function<double(std::int64_t, std::int64_t, int)>& want, double tolerance) {
  const Geometry& g = got.geometry();
  double worst = 0;
  std::string where;
  for (std::uint32_t y = 0; y < g.height; ++y) {
    for (std::uint32_t x = 0; x < g.width; ++x) {
      for (int c = 0; c < g.format.channels; ++c) {
        const double w = want(std::int64_t{x}, std::int64_t{y}, c);
        if (w < 0) continue;
        const double d = std::fabs(static_cast<double>(sample_at(got, x, y, c)) - w);
        if (d > worst) {
          worst = d;
          where = "(" + std::to_string(x) + "," + std::to_string(y) + ") c" + std::to_string(c) + " got " +
                  std::to_string(sample_at(got, x, y, c)) + " want " + std::to_string(w);
        }
      }
    }
  }
  INFO("worst at " << where);
  REQUIRE(worst <= tolerance);
}

/// The reference Gaussian (sharpen when amount >= 0) on premultiplied
/// colour: direct 2-D sums, then unpremultiplied.
void check_gaussian(const Image& in, const Image& got, EdgeMode e, double sigma, double amount) {
  const Geometry& g = in.geometry();
  const std::vector<double> k = reference_gaussian(sigma);
  const int r = static_cast<int>(k.size() / 2);
  const int n = g.format.channels;
  const double max = max_of(g);
  std::vector<double> v(static_cast<std::size_t>(n));
  auto pixel = [&](std::int64_t x, std::int64_t y) {
    for (int c = 0; c < n; ++c) {
      double s = 0;
      for (int i = -r; i <= r; ++i) {
        for (int j = -r; j <= r; ++j) s += k[i + r] * k[j + r] * premultiplied(in, x + j, y + i, c, e);
      }
      if (amount >= 0) {
        const double p = premultiplied(in, x, y, c, e);
        s = p + amount * (p - s);
      }
      v[static_cast<std::size_t>(c)] = s;
    }
  };
  compare(
      got,
      [&](std::int64_t x, std::int64_t y, int c) -> double {
        pixel(x, y);
        if (!g.format.has_alpha()) return nearest(v[c], g.format.depth);
        const double a = v[static_cast<std::size_t>(n - 1)];
        if (c == n - 1) return nearest(a, g.format.depth);
        // Colour is undefined where alpha rounds to 0, and a sharpened
        // colour over a faint alpha magnifies float noise: check the rest.
        if (a < (amount >= 0 ? max / 16 : 1.5)) return -1;
        return nearest(v[c] * max / a, g.format.depth);
      },
      1.0);
}

}  // namespace

TEST_CASE("blur matches a direct 2-D Gaussian on premultiplied colour, in any bands", "[filters]") {
  for (const Geometry& g : small_geometries()) {
    const Image in = make_test_image(g, 3);
    for (const EdgeMode e : kEdges) {
      for (const double sigma : {0.5, 1.5, 3.0}) {
        INFO(describe(g, e) << " sigma " << sigma);
        const auto f = bind_filter("blur:" + std::to_string(sigma), g, e);
        REQUIRE(f->output() == g);
        const Image got = apply_whole(*f, in);
        check_gaussian(in, got, e, sigma, -1);
        check_bands(*f, in);
      }
    }
  }
}

TEST_CASE("blur with a huge radius filters columns first, with the same result", "[filters]") {
  // The ring of horizontally filtered rows is skipped when it would be too
  // big; a limit of 0 forces that path here.
  for (const Geometry g : {Geometry{13, 9, {3, Depth::k8}}, Geometry{6, 11, {4, Depth::k16}}}) {
    const Image in = make_test_image(g, 5);
    for (const EdgeMode e : kEdges) {
      INFO(describe(g, e));
      const auto blur = make_gaussian(g, e, 2.0, false, 0, 0);
      check_gaussian(in, apply_whole(*blur, in), e, 2.0, -1);
      check_bands(*blur, in);
      const auto sharpen = make_gaussian(g, e, 1.0, true, 0.7, 0);
      check_gaussian(in, apply_whole(*sharpen, in), e, 1.0, 0.7);
      check_bands(*sharpen, in);
    }
  }
}

TEST_CASE("sharpen is an unsharp mask on premultiplied colour, in any bands", "[filters]") {
  for (const Geometry& g : small_geometries()) {
    const Image in = make_test_image(g, 4, true);
    for (const EdgeMode e : kEdges) {
      INFO(describe(g, e));
      const auto f = bind_filter("sharpen:1,1.5", g, e);
      check_gaussian(in, apply_whole(*f, in), e, 1.0, 1.5);
      check_bands(*f, in);
    }
  }
  const Geometry g{7, 5, {3, Depth::k8}};
  const Image in = make_test_image(g, 4, true);
  const auto f = bind_filter("sharpen:2", g);  // AMOUNT defaults to 1
  check_gaussian(in, apply_whole(*f, in), EdgeMode::kClamp, 2.0, 1.0);
}

TEST_CASE("blur of an opaque flat image is the same image", "[filters]") {
  Geometry g{40, 30, {4, Depth::k8}};
  Image in(g);
  for (std::size_t i = 0; i < in.size_bytes(); i += 4) {
    in.data()[i] = std::byte{200};
    in.data()[i + 1] = std::byte{10};
    in.data()[i + 2] = std::byte{99};
    in.data()[i + 3] = std::byte{255};
  }
  REQUIRE(same_bytes(apply_whole(*bind_filter("blur:4", g), in), in));
}

TEST_CASE("box is the exactly rounded mean of the window, in any bands", "[filters]") {
  for (const Geometry& g : small_geometries()) {
    const Image in = make_test_image(g, 6);
    for (const EdgeMode e : kEdges) {
      for (const int r : {1, 2, 7}) {
        INFO(describe(g, e) << " radius " << r);
        const auto f = bind_filter("box:" + std::to_string(r), g, e);
        const Image got = apply_whole(*f, in);
        const std::uint64_t count = static_cast<std::uint64_t>(2 * r + 1) * (2 * r + 1);
        compare(
            got,
            [&](std::int64_t x, std::int64_t y, int c) {
              std::uint64_t sum = 0;
              for (int i = -r; i <= r; ++i) {
                for (int j = -r; j <= r; ++j) sum += static_cast<std::uint64_t>(at(in, x + j, y + i, c, e));
              }
              return static_cast<double>((sum + count / 2) / count);
            },
            0);
        check_bands(*f, in);
      }
    }
  }
}

TEST_CASE("box with a radius far past the image counts repeated edge pixels", "[filters]") {
  const Geometry g{5, 4, {1, Depth::k16}};
  const Image in = make_test_image(g, 2);
  for (const EdgeMode e : kEdges) {
    INFO(edge_name(e));
    const int r = 10000;
    const auto f = bind_filter("box:10000", g, e);
    const Image got = apply_whole(*f, in);
    // Count how often each pixel is visited instead of visiting it.
    const auto times = [&](std::int64_t centre, std::int64_t n) {
      std::vector<std::uint64_t> t(static_cast<std::size_t>(n));
      for (std::int64_t i = centre - r; i <= centre + r; ++i) ++t[static_cast<std::size_t>(edge_index(i, n, e))];
      return t;
    };
    const std::uint64_t count = static_cast<std::uint64_t>(2 * r + 1) * (2 * r + 1);
    compare(
        got,
        [&](std::int64_t x, std::int64_t y, int c) {
          const auto tx = times(x, g.width);
          const auto ty = times(y, g.height);
          std::uint64_t sum = 0;
          for (std::uint32_t yy = 0; yy < g.height; ++yy) {
            for (std::uint32_t xx = 0; xx < g.width; ++xx) sum += tx[xx] * ty[yy] * sample_at(in, xx, yy, c);
          }
          return static_cast<double>((sum + count / 2) / count);
        },
        0);
    check_bands(*f, in);
  }
}

TEST_CASE("median is the middle of the sorted window, in any bands", "[filters]") {
  for (const Geometry& g : small_geometries()) {
    const Image in = make_test_image(g, 8);
    for (const EdgeMode e : kEdges) {
      for (const int r : {2, 6}) {
        INFO(describe(g, e) << " radius " << r);
        const auto f = bind_filter("median:" + std::to_string(r), g, e);
        const Image got = apply_whole(*f, in);
        std::vector<double> window;
        compare(
            got,
            [&](std::int64_t x, std::int64_t y, int c) {
              window.clear();
              for (int i = -r; i <= r; ++i) {
                for (int j = -r; j <= r; ++j) window.push_back(at(in, x + j, y + i, c, e));
              }
              std::sort(window.begin(), window.end());
              return window[window.size() / 2];
            },
            0);
        check_bands(*f, in);
      }
    }
  }
}

TEST_CASE("sobel is the exact gradient magnitude per colour channel, alpha kept", "[filters]") {
  const int kx[3][3] = {{-1, 0, 1}, {-2, 0, 2}, {-1, 0, 1}};
  const int ky[3][3] = {{-1, -2, -1}, {0, 0, 0}, {1, 2, 1}};
  for (const Geometry& g : small_geometries()) {
    for (const bool smooth : {false, true}) {
      const Image in = make_test_image(g, 9, smooth);
      for (const EdgeMode e : kEdges) {
        INFO(describe(g, e));
        const auto f = bind_filter("sobel", g, e);
        const Image got = apply_whole(*f, in);
        compare(
            got,
            [&](std::int64_t x, std::int64_t y, int c) {
              if (g.format.has_alpha() && c == g.format.channels - 1) return at(in, x, y, c, e);
              double gx = 0, gy = 0;
              for (int i = 0; i < 3; ++i) {
                for (int j = 0; j < 3; ++j) {
                  const double v = at(in, x + j - 1, y + i - 1, c, e);
                  gx += kx[i][j] * v;
                  gy += ky[i][j] * v;
                }
              }
              // Rounded in double: a float would turn 40000.499997 into 40000.5.
              const double m = std::sqrt(gx * gx + gy * gy);
              const double max = g.format.depth == Depth::k16 ? 65535.0 : 255.0;
              return std::min(max, std::floor(m + 0.5));
            },
            0);
        check_bands(*f, in);
      }
    }
  }
}

TEST_CASE("conv applies a normalised square kernel to colour, alpha kept", "[filters]") {
  struct Kernel {
    std::string spec;
    int n;
    std::vector<double> k;  // as written
  };
  const std::vector<Kernel> kernels = {
      {"conv:2", 1, {2}},
      {"conv:1,2,1,2,4,2,1,2,1", 3, {1, 2, 1, 2, 4, 2, 1, 2, 1}},
      {"conv:0,-1,0,-1,4,-1,0,-1,0", 3, {0, -1, 0, -1, 4, -1, 0, -1, 0}},  // sums to 0: used as is
      {"conv:1,0,0,0,0,0,2,0,0,0,0,0,3,0,0,0,0,0,-1,0,0,0,0,0,1", 5, {1, 0, 0, 0, 0, 0,  2, 0, 0, 0, 0, 0, 3,
                                                                      0, 0, 0, 0, 0, -1, 0, 0, 0, 0, 0, 1}},
  };
  for (const Geometry& g : small_geometries()) {
    const Image in = make_test_image(g, 10, true);
    for (const EdgeMode e : kEdges) {
      for (const Kernel& kernel : kernels) {
        INFO(describe(g, e) << " " << kernel.spec);
        const auto f = bind_filter(kernel.spec, g, e);
        const Image got = apply_whole(*f, in);
        double sum = 0;
        for (const double w : kernel.k) sum += w;
        const int r = kernel.n / 2;
        compare(
            got,
            [&](std::int64_t x, std::int64_t y, int c) {
              if (g.format.has_alpha() && c == g.format.channels - 1) return at(in, x, y, c, e);
              double s = 0;
              for (int i = -r; i <= r; ++i) {
                for (int j = -r; j <= r; ++j) {
                  const double w = kernel.k[static_cast<std::size_t>((i + r) * kernel.n + j + r)];
                  s += (sum != 0 ? w / sum : w) * at(in, x + j, y + i, c, e);
                }
              }
              return static_cast<double>(nearest(s, g.format.depth));
            },
            1.0);
        check_bands(*f, in);
      }
    }
  }
}

TEST_CASE("neighbourhood filters need the rows their reach touches and stream unless wrapped", "[filters]") {
  const Geometry g{10, 10, {3, Depth::k8}};
  const auto blur = bind_filter("blur:1", g);  // radius 3
  CHECK(blur->needs({0, 2}) == RowRange{0, 5});
  CHECK(blur->needs({4, 6}) == RowRange{1, 9});
  CHECK(blur->needs({8, 10}) == RowRange{5, 10});
  CHECK(blur->streams());
  const auto reflect = bind_filter("median:2", g, EdgeMode::kReflect);
  CHECK(reflect->needs({0, 1}) == RowRange{0, 3});
  CHECK(reflect->streams());
  const auto wrap = bind_filter("sobel", g, EdgeMode::kWrap);
  CHECK(wrap->needs({0, 1}) == RowRange{0, 10});
  CHECK(wrap->needs({4, 6}) == RowRange{3, 7});
  CHECK(wrap->needs({9, 10}) == RowRange{0, 10});
  CHECK_FALSE(wrap->streams());
  CHECK(bind_filter("conv:3", g, EdgeMode::kWrap)->streams());  // 1x1: no reach
  CHECK(bind_filter("box:50", g)->needs({3, 4}) == RowRange{0, 10});
}

TEST_CASE("neighbourhood filter specs are checked strictly", "[filters]") {
  const auto message = [](const std::string& spec) {
    try {
      (void)parse_filter(spec);
    } catch (const FilterSyntaxError& e) {
      return std::string(e.what());
    }
    return std::string("(parsed)");
  };
  CHECK(message("blur:-1") == "filter 'blur:-1': SIGMA must be a number from 0.1 to 1000, not '-1'");
  CHECK(message("blur:abc") == "filter 'blur:abc': SIGMA must be a number from 0.1 to 1000, not 'abc'");
  CHECK(message("blur:nan") == "filter 'blur:nan': SIGMA must be a number from 0.1 to 1000, not 'nan'");
  CHECK(message("blur:inf") == "filter 'blur:inf': SIGMA must be a number from 0.1 to 1000, not 'inf'");
  CHECK(message("blur") == "filter 'blur': expected blur:SIGMA");
  CHECK(message("blur:1,2") == "filter 'blur:1,2': expected blur:SIGMA");
  CHECK(message("sharpen:1,11") == "filter 'sharpen:1,11': AMOUNT must be a number from 0 to 10, not '11'");
  CHECK(message("sharpen:1,2,3") == "filter 'sharpen:1,2,3': expected sharpen:SIGMA[,AMOUNT]");
  CHECK(message("box:1.5") == "filter 'box:1.5': RADIUS must be a whole number from 1 to 10000, not '1.5'");
  CHECK(message("box:0") == "filter 'box:0': RADIUS must be a whole number from 1 to 10000, not '0'");
  CHECK(message("median:1001") == "filter 'median:1001': RADIUS must be a whole number from 1 to 1000, not '1001'");
  CHECK(message("sobel:1") == "filter 'sobel:1': takes no arguments (sobel)");
  CHECK(message("conv:1,2") == "filter 'conv:1,2': needs n*n weights for an odd n from 1 to 31, not 2");
  CHECK(message("conv:1,1,1,1") == "filter 'conv:1,1,1,1': needs n*n weights for an odd n from 1 to 31, not 4");
  CHECK(message("conv:1,,1,1,1,1,1,1,1") ==
        "filter 'conv:1,,1,1,1,1,1,1,1': a weight must be a number from -1000000 to 1000000, not ''");
  CHECK(message("blur:2") == "(parsed)");
  CHECK(message("sharpen:0.5,0") == "(parsed)");
  const std::string help = filter_help();
  for (const char* name : {"blur:SIGMA", "box:RADIUS", "sharpen:SIGMA[,AMOUNT]", "sobel", "median:RADIUS", "conv:k1"}) {
    CHECK(help.find(name) != std::string::npos);
  }
}
