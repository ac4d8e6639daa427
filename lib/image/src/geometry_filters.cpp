// geometry_filters.cpp: the geometry family of the registry (resize, fit,
// flip, flop, rotate, crop): parsing their arguments, choosing the output
// size per image, and the EXIF orientations expressed with them.
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "filter_args.h"
#include "filter_registry.h"
#include "image/image_error.h"
#include "orientation.h"
#include "resize.h"
#include "transforms.h"

namespace conc::image {
namespace {

constexpr std::int64_t kMaxSide = 1'000'000;  // resize and fit targets
constexpr std::int64_t kMaxCoordinate = std::numeric_limits<std::uint32_t>::max();

struct Size {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
};

/// "WxH", each side in [min, max].
Size parse_size(const std::string& text, std::string_view arg, std::string_view usage, std::int64_t max) {
  const auto fields = split_args(arg, 'x');
  if (fields.size() != 2) bad_filter(text, "expected " + std::string(usage));
  return {static_cast<std::uint32_t>(parse_whole(text, fields[0], "W", 1, max)),
          static_cast<std::uint32_t>(parse_whole(text, fields[1], "H", 1, max))};
}

/// resize:WxH, resize:P% and fit:WxH. Sizes are computed from the stored
/// size, so a shrink-on-load before the filter changes nothing but speed.
class ResizeSpec final : public SpecBase {
 public:
  enum class Mode { kExact, kPercent, kFit };

  ResizeSpec(std::string text, Mode mode, Size size, double percent)
      : SpecBase(std::move(text)), mode_(mode), size_(size), percent_(percent) {}

  [[nodiscard]] std::unique_ptr<Filter> bind(const Geometry& input, const BindContext& context) const override {
    const std::uint32_t sw = context.stored_width != 0 ? context.stored_width : input.width;
    const std::uint32_t sh = context.stored_height != 0 ? context.stored_height : input.height;
    const auto [w, h] = target(sw, sh);
    if (w > kMaxSide || h > kMaxSide) {
      throw ImageError("filter '" + text() + "' would make a " + std::to_string(w) + "x" + std::to_string(h) +
                       " image, more than " + std::to_string(kMaxSide) + " pixels a side");
    }
    if (context.max_pixels != 0 && w * h > context.max_pixels) {  // before the weight tables for that size
      throw ImageError("filter '" + text() + "' would make " + std::to_string(w) + "x" + std::to_string(h) +
                       " pixels, more than --max-pixels " + std::to_string(context.max_pixels));
    }
    return bind_resize(input, static_cast<std::uint32_t>(w), static_cast<std::uint32_t>(h), context.edge);
  }

  /// libvips's rule: the largest JPEG scale that still leaves at least a 2x
  /// reduction to the resampler, which then removes the DCT scaling's
  /// aliasing and blockiness.
  [[nodiscard]] int shrink_on_load(std::uint32_t width, std::uint32_t height) const noexcept override {
    const auto [w, h] = target(width, height);
    for (const int d : {8, 4, 2}) {
      if (std::uint64_t{width} >= 2 * w * static_cast<std::uint64_t>(d) &&
          std::uint64_t{height} >= 2 * h * static_cast<std::uint64_t>(d)) {
        return d;
      }
    }
    return 1;
  }

 private:
  /// The output size for an image stored at sw x sh (unbounded above for
  /// P%; the caller checks).
  [[nodiscard]] std::pair<std::uint64_t, std::uint64_t> target(std::uint32_t sw, std::uint32_t sh) const noexcept {
    switch (mode_) {
      case Mode::kExact: return {size_.width, size_.height};
      case Mode::kPercent: {
        const auto side = [&](std::uint32_t s) {
          return std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::llround(s * percent_ / 100.0)));
        };
        return {side(sw), side(sh)};
      }
      case Mode::kFit: {
        // Whichever side binds is exact; the other is rounded (half up) in
        // integers, so the same image always gets the same size.
        const std::uint64_t bw = size_.width, bh = size_.height;
        if (bw * sh <= bh * sw) {
          return {bw, std::max<std::uint64_t>(1, (2 * sh * bw + sw) / (2 * std::uint64_t{sw}))};
        }
        return {std::max<std::uint64_t>(1, (2 * sw * bh + sh) / (2 * std::uint64_t{sh})), bh};
      }
    }
    return {1, 1};
  }

  Mode mode_;
  Size size_;
  double percent_;
};

/// flip, flop, rotate: nothing to choose per image.
class MoveSpec final : public SpecBase {
 public:
  enum class Kind { kFlip, kFlop, kRotate };
  MoveSpec(std::string text, Kind kind, int degrees = 0) : SpecBase(std::move(text)), kind_(kind), degrees_(degrees) {}
  [[nodiscard]] std::unique_ptr<Filter> bind(const Geometry& input, const BindContext&) const override {
    switch (kind_) {
      case Kind::kFlip: return bind_flip(input);
      case Kind::kFlop: return bind_flop(input);
      case Kind::kRotate: break;
    }
    return bind_rotate(input, degrees_);
  }

 private:
  Kind kind_;
  int degrees_;
};

class CropSpec final : public SpecBase {
 public:
  CropSpec(std::string text, Size size, std::uint32_t x, std::uint32_t y)
      : SpecBase(std::move(text)), size_(size), x_(x), y_(y) {}
  [[nodiscard]] std::unique_ptr<Filter> bind(const Geometry& input, const BindContext&) const override {
    return bind_crop(input, size_.width, size_.height, x_, y_);
  }

 private:
  Size size_;
  std::uint32_t x_, y_;
};

std::unique_ptr<FilterSpec> parse_resize(const std::string& text, std::string_view args) {
  constexpr std::string_view usage = "resize:WxH or resize:P%";
  if (args.ends_with('%')) {
    const double p = parse_number(text, args.substr(0, args.size() - 1), "P", 0.01, 10000);
    return std::make_unique<ResizeSpec>(text, ResizeSpec::Mode::kPercent, Size{}, p);
  }
  return std::make_unique<ResizeSpec>(text, ResizeSpec::Mode::kExact, parse_size(text, args, usage, kMaxSide), 0.0);
}

std::unique_ptr<FilterSpec> parse_fit(const std::string& text, std::string_view args) {
  return std::make_unique<ResizeSpec>(text, ResizeSpec::Mode::kFit, parse_size(text, args, "fit:WxH", kMaxSide), 0.0);
}

std::unique_ptr<FilterSpec> parse_flip(const std::string& text, std::string_view args) {
  expect_args(text, args, 0, 0, "flip");
  return std::make_unique<MoveSpec>(text, MoveSpec::Kind::kFlip);
}

std::unique_ptr<FilterSpec> parse_flop(const std::string& text, std::string_view args) {
  expect_args(text, args, 0, 0, "flop");
  return std::make_unique<MoveSpec>(text, MoveSpec::Kind::kFlop);
}

std::unique_ptr<FilterSpec> parse_rotate(const std::string& text, std::string_view args) {
  const auto fields = expect_args(text, args, 1, 1, "rotate:90|180|270");
  for (const int degrees : {90, 180, 270}) {
    if (fields[0] == std::to_string(degrees)) return std::make_unique<MoveSpec>(text, MoveSpec::Kind::kRotate, degrees);
  }
  bad_filter(text, "the angle must be 90, 180 or 270, not '" + std::string(fields[0]) + "'");
}

std::unique_ptr<FilterSpec> parse_crop(const std::string& text, std::string_view args) {
  constexpr std::string_view usage = "crop:WxH+X+Y";
  const auto fields = split_args(args, '+');
  if (fields.size() != 3) bad_filter(text, "expected " + std::string(usage));
  const Size size = parse_size(text, fields[0], usage, kMaxCoordinate);
  const auto x = static_cast<std::uint32_t>(parse_whole(text, fields[1], "X", 0, kMaxCoordinate));
  const auto y = static_cast<std::uint32_t>(parse_whole(text, fields[2], "Y", 0, kMaxCoordinate));
  return std::make_unique<CropSpec>(text, size, x, y);
}

constexpr std::array kEntries = {
    FilterEntry{"resize", "WxH|P%",
                "Lanczos-3 resample to exactly W x H (W, H 1-1000000) or to P% of the stored size (P 0.01-10000)",
                parse_resize},
    FilterEntry{"fit", "WxH",
                "the largest size with the image's aspect ratio that fits in W x H (1-1000000 each; may enlarge), "
                "Lanczos-3",
                parse_fit},
    FilterEntry{"flip", "", "upside down (mirror top to bottom)", parse_flip},
    FilterEntry{"flop", "", "mirror left to right", parse_flop},
    FilterEntry{"rotate", "90|180|270", "turn clockwise by 90, 180 or 270 degrees", parse_rotate},
    FilterEntry{"crop", "WxH+X+Y",
                "the W x H region whose top left is X,Y (W, H at least 1; X, Y at least 0; must lie inside the image)",
                parse_crop},
};

}  // namespace

std::span<const FilterEntry> geometry_filter_entries() { return kEntries; }

// EXIF orientation N says where the stored rows and columns belong:
//   2: row 0 at the top, column 0 at the right   -> flop
//   3: row 0 at the bottom, column 0 at the right -> rotate:180
//   4: row 0 at the bottom, column 0 at the left  -> flip
//   5: row 0 at the left, column 0 at the top     -> transpose = rotate:90 then flop
//   6: row 0 at the right, column 0 at the top    -> rotate:90
//   7: row 0 at the right, column 0 at the bottom -> transverse = rotate:270 then flop
//   8: row 0 at the left, column 0 at the bottom  -> rotate:270
std::vector<std::unique_ptr<FilterSpec>> orientation_filters(int orientation) {
  static constexpr std::array<std::array<std::string_view, 2>, 9> kTurns = {{
      {},
      {},
      {"flop"},
      {"rotate:180"},
      {"flip"},
      {"rotate:90", "flop"},
      {"rotate:90"},
      {"rotate:270", "flop"},
      {"rotate:270"},
  }};
  std::vector<std::unique_ptr<FilterSpec>> out;
  if (orientation < 1 || orientation > 8) return out;
  for (const std::string_view spec : kTurns[static_cast<std::size_t>(orientation)]) {
    if (!spec.empty()) out.push_back(parse_filter(spec));
  }
  return out;
}

}  // namespace conc::image
