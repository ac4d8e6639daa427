// point_filters.cpp: filters where an output pixel depends on its input
// pixel only: invert, brightness, contrast, gamma, threshold, levels (one
// sample at a time, through a table), grayscale and sepia (one pixel at a
// time, and they change the channel count). Alpha is never touched.
//
// A per-sample filter is a table of 256 or 65536 samples built at bind
// time: exact, as fast as a load, and the same bytes in every band.
// Arguments are on the 0-255 scale; a 16-bit image scales them by 257.
#include <array>
#include <cmath>
#include <cstdint>

#include "filter_args.h"
#include "filter_registry.h"
#include "samples.h"

namespace conc::image {
namespace {

enum class Op { kInvert, kBrightness, kContrast, kGamma, kThreshold, kLevels, kGrayscale, kSepia };

/// Samples through a table; alpha copied.
template <Sample T>
class TableFilter final : public Filter {
 public:
  TableFilter(const Geometry& g, std::vector<T> table) : Filter(g, g), table_(std::move(table)) {}

  [[nodiscard]] RowRange needs(RowRange out) const override { return out; }
  [[nodiscard]] bool streams() const noexcept override { return true; }

  void apply(const RowWindow& src, RowRange out, std::byte* dst) const override {
    const auto c = static_cast<std::size_t>(input().format.channels);
    const std::size_t n = std::size_t{input().width} * c;
    const T* table = table_.data();
    for (std::uint32_t y = out.begin; y < out.end; ++y) {
      const T* in = src.row_as<T>(y);
      T* o = reinterpret_cast<T*>(dst + (y - out.begin) * output().row_bytes());
      if (!input().format.has_alpha()) {
        for (std::size_t j = 0; j < n; ++j) o[j] = table[in[j]];
        continue;
      }
      for (std::size_t p = 0; p < n; p += c) {
        for (std::size_t i = 0; i + 1 < c; ++i) o[p + i] = table[in[p + i]];
        o[p + c - 1] = in[p + c - 1];
      }
    }
  }

 private:
  std::vector<T> table_;
};

/// Rec. 709 luma in 16-bit fixed point: the weights sum to exactly 65536,
/// so grey stays grey and white stays white.
constexpr std::uint32_t kLumaR = 13933;  // 0.2126
constexpr std::uint32_t kLumaG = 46871;  // 0.7152
constexpr std::uint32_t kLumaB = 4732;   // 0.0722

/// grayscale (RGB to grey, RGBA to grey+alpha) and sepia (any to RGB or
/// RGBA): one pixel at a time.
template <Sample T>
class PixelFilter final : public Filter {
 public:
  PixelFilter(const Geometry& in, const Geometry& out, Op op) : Filter(in, out), op_(op) {}

  [[nodiscard]] RowRange needs(RowRange out) const override { return out; }
  [[nodiscard]] bool streams() const noexcept override { return true; }

  void apply(const RowWindow& src, RowRange out, std::byte* dst) const override {
    const int ci = input().format.channels;
    const int co = output().format.channels;
    const bool alpha = input().format.has_alpha();
    const std::uint32_t w = input().width;
    for (std::uint32_t y = out.begin; y < out.end; ++y) {
      const T* in = src.row_as<T>(y);
      T* o = reinterpret_cast<T*>(dst + (y - out.begin) * output().row_bytes());
      for (std::uint32_t x = 0; x < w; ++x, in += ci, o += co) {
        const std::uint32_t r = in[0];
        const std::uint32_t g = ci >= 3 ? in[1] : r;
        const std::uint32_t b = ci >= 3 ? in[2] : r;
        if (op_ == Op::kGrayscale) {
          o[0] = static_cast<T>((kLumaR * r + kLumaG * g + kLumaB * b + 32768) >> 16);
        } else {
          const auto fr = static_cast<float>(r), fg = static_cast<float>(g), fb = static_cast<float>(b);
          o[0] = to_sample<T>(0.393f * fr + 0.769f * fg + 0.189f * fb);
          o[1] = to_sample<T>(0.349f * fr + 0.686f * fg + 0.168f * fb);
          o[2] = to_sample<T>(0.272f * fr + 0.534f * fg + 0.131f * fb);
        }
        if (alpha) o[co - 1] = in[ci - 1];
      }
    }
  }

 private:
  Op op_;
};

/// The lookup table's entry for sample `v` under `op` with arguments `a`, `b`.
/// A free function: clang 16 does not instantiate a member template called
/// only from the templated lambda in PointSpec::bind (-Wundefined-internal).
template <Sample T>
T table_entry(Op op, double a, double b, double v) noexcept {
  const double max = kSampleMax<T>;
  const double scale = max / 255.0;  // 1 or 257
  double r = v;
  switch (op) {
    case Op::kInvert: r = max - v; break;
    case Op::kBrightness: r = v + a * scale; break;
    case Op::kContrast: r = (v - max / 2) * a + max / 2; break;
    case Op::kGamma: r = max * std::pow(v / max, 1.0 / a); break;
    case Op::kThreshold: r = v >= a * scale ? max : 0.0; break;
    case Op::kLevels: r = (v - a * scale) / ((b - a) * scale) * max; break;
    case Op::kGrayscale:
    case Op::kSepia: break;
  }
  return to_sample<T>(static_cast<float>(r));
}

class PointSpec final : public SpecBase {
 public:
  PointSpec(const std::string& text, Op op, double a = 0, double b = 0) : SpecBase(text), op_(op), a_(a), b_(b) {}

  [[nodiscard]] std::unique_ptr<Filter> bind(const Geometry& input, const BindContext&) const override {
    return with_sample_type(input.format.depth == Depth::k16, [&]<Sample T>() -> std::unique_ptr<Filter> {
      if (op_ == Op::kGrayscale || op_ == Op::kSepia) {
        Geometry out = input;
        const int alpha = input.format.has_alpha() ? 1 : 0;
        out.format.channels = (op_ == Op::kGrayscale ? 1 : 3) + alpha;
        return std::make_unique<PixelFilter<T>>(input, out, op_);
      }
      std::vector<T> table(std::size_t{std::numeric_limits<T>::max()} + 1);
      for (std::size_t v = 0; v < table.size(); ++v) table[v] = table_entry<T>(op_, a_, b_, static_cast<double>(v));
      return std::make_unique<TableFilter<T>>(input, std::move(table));
    });
  }

 private:
  Op op_;
  double a_;
  double b_;
};

template <Op kOp>
std::unique_ptr<FilterSpec> parse_plain(const std::string& text, std::string_view args) {
  constexpr std::array<std::string_view, 3> kNames = {"invert", "grayscale", "sepia"};
  const std::string_view name = kOp == Op::kInvert ? kNames[0] : kOp == Op::kGrayscale ? kNames[1] : kNames[2];
  expect_args(text, args, 0, 0, name);
  return std::make_unique<PointSpec>(text, kOp);
}

std::unique_ptr<FilterSpec> parse_brightness(const std::string& text, std::string_view args) {
  const auto a = expect_args(text, args, 1, 1, "brightness:DELTA");
  return std::make_unique<PointSpec>(text, Op::kBrightness, parse_number(text, a[0], "DELTA", -255, 255));
}

std::unique_ptr<FilterSpec> parse_contrast(const std::string& text, std::string_view args) {
  const auto a = expect_args(text, args, 1, 1, "contrast:FACTOR");
  return std::make_unique<PointSpec>(text, Op::kContrast, parse_number(text, a[0], "FACTOR", 0, 100));
}

std::unique_ptr<FilterSpec> parse_gamma(const std::string& text, std::string_view args) {
  const auto a = expect_args(text, args, 1, 1, "gamma:G");
  return std::make_unique<PointSpec>(text, Op::kGamma, parse_number(text, a[0], "G", 0.01, 100));
}

std::unique_ptr<FilterSpec> parse_threshold(const std::string& text, std::string_view args) {
  const auto a = expect_args(text, args, 1, 1, "threshold:T");
  return std::make_unique<PointSpec>(text, Op::kThreshold, parse_number(text, a[0], "T", 0, 255));
}

std::unique_ptr<FilterSpec> parse_levels(const std::string& text, std::string_view args) {
  const auto a = expect_args(text, args, 2, 2, "levels:BLACK,WHITE");
  const double black = parse_number(text, a[0], "BLACK", 0, 255);
  const double white = parse_number(text, a[1], "WHITE", 0, 255);
  if (!(black < white)) bad_filter(text, "BLACK must be less than WHITE");
  return std::make_unique<PointSpec>(text, Op::kLevels, black, white);
}

constexpr std::array kEntries = {
    FilterEntry{"grayscale", "",
                "Rec. 709 luma 0.2126R+0.7152G+0.0722B; the output is grey (RGB to grey, RGBA to grey+alpha)",
                parse_plain<Op::kGrayscale>},
    FilterEntry{"invert", "", "max - v on each colour channel", parse_plain<Op::kInvert>},
    FilterEntry{"brightness", "DELTA", "v + DELTA, clamped; DELTA -255 to 255 (0-255 scale, x257 for 16-bit)",
                parse_brightness},
    FilterEntry{"contrast", "FACTOR", "(v - mid) * FACTOR + mid, mid = max/2; FACTOR 0 to 100", parse_contrast},
    FilterEntry{"gamma", "G", "max * (v/max)^(1/G): G > 1 brightens; G 0.01 to 100", parse_gamma},
    FilterEntry{"threshold", "T", "max where v >= T, else 0, on each colour channel; T 0 to 255 (x257 for 16-bit)",
                parse_threshold},
    FilterEntry{"sepia", "", "the classic sepia matrix (R' = .393R+.769G+.189B, ...); grey becomes RGB",
                parse_plain<Op::kSepia>},
    FilterEntry{"levels", "BLACK,WHITE",
                "stretch BLACK..WHITE to 0..max, clamped; 0 to 255 each, BLACK < WHITE (x257 for 16-bit)",
                parse_levels},
};

}  // namespace

std::span<const FilterEntry> point_filter_entries() { return kEntries; }

}  // namespace conc::image
