// The point filters against their formulas evaluated here: exact for the
// per-sample tables and grayscale's fixed-point luma, within 1 for sepia's
// float matrix (and for grayscale against the float luma). Alpha is never
// changed; grayscale and sepia change the channel count.
#include <cmath>
#include <functional>
#include <string>

#include <catch2/catch.hpp>

#include "filter_checks.h"
#include "image/filter.h"
#include "test_images.h"

using namespace conc::image;
using namespace conc::image::testing;

namespace {

/// Checks a per-sample filter: colour samples map through `f(v, max, scale)`
/// (scale: 1 or 257), alpha unchanged, same bytes in any bands.
void check_table(const std::string& spec, const std::function<double(double, double, double)>& f) {
  for (const Geometry& g : small_geometries()) {
    INFO(spec << " " << describe(g, EdgeMode::kClamp));
    const Image in = make_test_image(g, 11);
    const auto filter = bind_filter(spec, g);
    REQUIRE(filter->output() == g);
    const Image got = apply_whole(*filter, in);
    const bool sixteen = g.format.depth == Depth::k16;
    const double max = sixteen ? 65535 : 255;
    for (std::uint32_t y = 0; y < g.height; ++y) {
      for (std::uint32_t x = 0; x < g.width; ++x) {
        for (int c = 0; c < g.format.channels; ++c) {
          const std::uint32_t v = sample_at(in, x, y, c);
          const bool alpha = g.format.has_alpha() && c == g.format.channels - 1;
          const std::uint32_t want = alpha ? v : nearest(f(v, max, max / 255), g.format.depth);
          REQUIRE(sample_at(got, x, y, c) == want);
        }
      }
    }
    check_bands(*filter, in);
  }
}

}  // namespace

TEST_CASE("per-sample point filters follow their formulas exactly", "[filters]") {
  check_table("invert", [](double v, double max, double) { return max - v; });
  check_table("brightness:40", [](double v, double, double s) { return v + 40 * s; });
  check_table("brightness:-100.5", [](double v, double, double s) { return v - 100.5 * s; });
  check_table("contrast:1.7", [](double v, double max, double) { return (v - max / 2) * 1.7 + max / 2; });
  check_table("contrast:0", [](double, double max, double) { return max / 2; });
  check_table("gamma:2.2", [](double v, double max, double) { return max * std::pow(v / max, 1 / 2.2); });
  check_table("gamma:0.5", [](double v, double max, double) { return max * std::pow(v / max, 2.0); });
  check_table("threshold:128", [](double v, double max, double s) { return v >= 128 * s ? max : 0; });
  check_table("levels:20,200", [](double v, double max, double s) { return (v - 20 * s) / (180 * s) * max; });
}

TEST_CASE("grayscale is Rec. 709 luma and makes the output grey", "[filters]") {
  for (const Geometry& g : small_geometries()) {
    INFO(describe(g, EdgeMode::kClamp));
    const Image in = make_test_image(g, 12);
    const auto f = bind_filter("grayscale", g);
    const int channels = g.format.channels;
    const bool alpha = g.format.has_alpha();
    REQUIRE(f->output().format.channels == (channels >= 3 ? channels - 2 : channels));
    REQUIRE(f->output().format.depth == g.format.depth);
    REQUIRE(f->output().width == g.width);
    REQUIRE(f->output().height == g.height);
    const Image got = apply_whole(*f, in);
    for (std::uint32_t y = 0; y < g.height; ++y) {
      for (std::uint32_t x = 0; x < g.width; ++x) {
        const std::uint32_t r = sample_at(in, x, y, 0);
        const std::uint32_t gr = channels >= 3 ? sample_at(in, x, y, 1) : r;
        const std::uint32_t b = channels >= 3 ? sample_at(in, x, y, 2) : r;
        const std::uint32_t fixed = (13933 * r + 46871 * gr + 4732 * b + 32768) >> 16;
        const std::uint32_t luma = sample_at(got, x, y, 0);
        REQUIRE(luma == fixed);
        REQUIRE(std::fabs(luma - (0.2126 * r + 0.7152 * gr + 0.0722 * b)) <= 1.0);
        if (alpha) REQUIRE(sample_at(got, x, y, 1) == sample_at(in, x, y, channels - 1));
      }
    }
    check_bands(*f, in);
  }
  // White stays white, grey stays grey: the weights sum to one exactly.
  const Geometry g{3, 1, {3, Depth::k16}};
  Image in(g);
  const std::uint16_t pixels[] = {65535, 65535, 65535, 1234, 1234, 1234, 0, 0, 0};
  std::memcpy(in.data(), pixels, sizeof pixels);
  const Image got = apply_whole(*bind_filter("grayscale", g), in);
  CHECK(sample_at(got, 0, 0, 0) == 65535);
  CHECK(sample_at(got, 1, 0, 0) == 1234);
  CHECK(sample_at(got, 2, 0, 0) == 0);
}

TEST_CASE("sepia is the classic matrix and makes grey input colour", "[filters]") {
  const double m[3][3] = {{0.393, 0.769, 0.189}, {0.349, 0.686, 0.168}, {0.272, 0.534, 0.131}};
  for (const Geometry& g : small_geometries()) {
    INFO(describe(g, EdgeMode::kClamp));
    const Image in = make_test_image(g, 13);
    const auto f = bind_filter("sepia", g);
    const int channels = g.format.channels;
    const bool alpha = g.format.has_alpha();
    REQUIRE(f->output().format.channels == (alpha ? 4 : 3));
    const Image got = apply_whole(*f, in);
    for (std::uint32_t y = 0; y < g.height; ++y) {
      for (std::uint32_t x = 0; x < g.width; ++x) {
        const double r = sample_at(in, x, y, 0);
        const double gr = channels >= 3 ? sample_at(in, x, y, 1) : r;
        const double b = channels >= 3 ? sample_at(in, x, y, 2) : r;
        for (int c = 0; c < 3; ++c) {
          const double want = nearest(m[c][0] * r + m[c][1] * gr + m[c][2] * b, g.format.depth);
          REQUIRE(std::fabs(sample_at(got, x, y, c) - want) <= 1.0);
        }
        if (alpha) REQUIRE(sample_at(got, x, y, 3) == sample_at(in, x, y, channels - 1));
      }
    }
    check_bands(*f, in);
  }
}

TEST_CASE("point filters need only their own rows and always stream", "[filters]") {
  const Geometry g{4, 9, {4, Depth::k8}};
  for (const char* spec : {"invert", "gamma:2", "grayscale", "sepia", "levels:0,255"}) {
    const auto f = bind_filter(spec, g, EdgeMode::kWrap);
    CHECK(f->needs({3, 5}) == RowRange{3, 5});
    CHECK(f->streams());
  }
}

TEST_CASE("point filter specs are checked strictly", "[filters]") {
  const auto message = [](const std::string& spec) {
    try {
      (void)parse_filter(spec);
    } catch (const FilterSyntaxError& e) {
      return std::string(e.what());
    }
    return std::string("(parsed)");
  };
  CHECK(message("invert:1") == "filter 'invert:1': takes no arguments (invert)");
  CHECK(message("grayscale:x") == "filter 'grayscale:x': takes no arguments (grayscale)");
  CHECK(message("brightness") == "filter 'brightness': expected brightness:DELTA");
  CHECK(message("brightness:256") == "filter 'brightness:256': DELTA must be a number from -255 to 255, not '256'");
  CHECK(message("contrast:-1") == "filter 'contrast:-1': FACTOR must be a number from 0 to 100, not '-1'");
  CHECK(message("gamma:0") == "filter 'gamma:0': G must be a number from 0.01 to 100, not '0'");
  CHECK(message("threshold:1e9") == "filter 'threshold:1e9': T must be a number from 0 to 255, not '1e9'");
  CHECK(message("levels:10") == "filter 'levels:10': expected levels:BLACK,WHITE");
  CHECK(message("levels:200,100") == "filter 'levels:200,100': BLACK must be less than WHITE");
  CHECK(message("levels:50,50") == "filter 'levels:50,50': BLACK must be less than WHITE");
  CHECK(message("frobnicate").rfind("unknown filter 'frobnicate'", 0) == 0);
  CHECK(message("gamma:+1.5") == "(parsed)");
  const std::string help = filter_help();
  for (const char* name : {"grayscale", "invert", "brightness:DELTA", "contrast:FACTOR", "gamma:G", "threshold:T",
                           "sepia", "levels:BLACK,WHITE"}) {
    CHECK(help.find(name) != std::string::npos);
  }
}
