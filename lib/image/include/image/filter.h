// image/filter.h: the filters of a chain (`-f blur:2 -f resize:50%`).
//
// A filter is parsed once from its spec (FilterSpec, shared by every
// worker) and bound to each image's geometry (Filter). A bound filter
// computes any band of output rows from the input rows it `needs()`, and the
// same output row always gets the same bytes whatever band it is computed
// in: that is what lets every strategy (whole image, row bands, fine tiles
// on a stealing pool, streamed strips) produce byte-identical files.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "image/geometry.h"
#include "image/pixels.h"

namespace conc::image {

/// How a neighbourhood reaches past the image's border (`--edge`).
enum class EdgeMode : std::uint8_t {
  kClamp,    ///< repeat the border pixel (ImageMagick's default)
  kReflect,  ///< mirror without repeating the border: -1 -> 1
  kWrap,     ///< the opposite border: -1 -> size - 1
};

/// A spec that does not parse (`blur:-1`, `resize:0x0`, an unknown name):
/// a usage error. The message names the spec and what is wrong with it.
class FilterSyntaxError : public std::invalid_argument {
 public:
  explicit FilterSyntaxError(const std::string& message) : std::invalid_argument(message) {}
};

/// What a filter is bound with besides its input geometry.
struct BindContext {
  EdgeMode edge = EdgeMode::kClamp;
  /// The image's size as stored in the file. Differs from the input
  /// geometry only for the first filter after a shrink-on-load: a
  /// `resize:50%` still means half the stored size.
  std::uint32_t stored_width = 0;
  std::uint32_t stored_height = 0;
  /// --max-pixels: a filter whose output would be bigger throws ImageError
  /// from bind, before it allocates anything for that size (0: no limit).
  std::uint64_t max_pixels = 0;
};

/// A filter bound to one input geometry. `apply` is const and thread-safe:
/// many workers compute different bands of the same image at once.
class Filter {
 public:
  Filter(const Geometry& input, const Geometry& output) : input_(input), output_(output) {}
  virtual ~Filter() = default;
  Filter(const Filter&) = delete;
  Filter& operator=(const Filter&) = delete;

  [[nodiscard]] const Geometry& input() const noexcept { return input_; }
  [[nodiscard]] const Geometry& output() const noexcept { return output_; }

  /// The input rows that output rows `out` are computed from, clipped to
  /// the input (edge modes map outside rows back inside).
  [[nodiscard]] virtual RowRange needs(RowRange out) const = 0;

  /// True when `needs` moves forward with `out` (both ends never decrease as
  /// `out` moves down), so the filter can run on a stream of strips. False
  /// for flip and the quarter turns, and for vertical neighbourhoods with
  /// `--edge wrap` (the top rows need the bottom ones).
  [[nodiscard]] virtual bool streams() const noexcept = 0;

  /// Computes output rows `out` into `dst` (`output().row_bytes()` apart).
  /// `src` holds at least `needs(out)`. Throws nothing but std::bad_alloc.
  virtual void apply(const RowWindow& src, RowRange out, std::byte* dst) const = 0;

 private:
  Geometry input_;
  Geometry output_;
};

/// A parsed filter spec, immutable and shared by every worker.
class FilterSpec {
 public:
  virtual ~FilterSpec() = default;
  /// The spec as the user wrote it ("blur:2").
  [[nodiscard]] virtual const std::string& text() const noexcept = 0;
  /// Binds to one image. Throws ImageError when the filter cannot apply to
  /// this image (a crop outside it, a resize to more than --max-pixels is
  /// the engine's check).
  [[nodiscard]] virtual std::unique_ptr<Filter> bind(const Geometry& input, const BindContext& context) const = 0;
  /// For the first filter of a chain: the largest JPEG shrink-on-load
  /// factor (1, 2, 4 or 8) that loses nothing this filter keeps, for an
  /// image stored at `width` x `height`. 1 for every filter but a large
  /// downscale (resize, fit).
  [[nodiscard]] virtual int shrink_on_load(std::uint32_t width, std::uint32_t height) const noexcept {
    (void)width;
    (void)height;
    return 1;
  }
};

/// Parses one `-f` spec, NAME or NAME:ARGS. Throws FilterSyntaxError.
std::unique_ptr<FilterSpec> parse_filter(std::string_view spec);

/// The `--filter help` listing: every filter, its arguments and their ranges.
std::string filter_help();

}  // namespace conc::image
