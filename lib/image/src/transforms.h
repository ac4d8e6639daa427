// transforms.h: the bound filters that move pixels without computing new
// ones (flip, flop, the quarter turns, crop). Exact for any sample type.
#pragma once

#include <cstdint>
#include <memory>

#include "image/filter.h"

namespace conc::image {

/// Upside down: output row y is input row height - 1 - y.
std::unique_ptr<Filter> bind_flip(const Geometry& input);

/// Left-right mirror: output (x, y) is input (width - 1 - x, y).
std::unique_ptr<Filter> bind_flop(const Geometry& input);

/// Clockwise by `degrees`, 90, 180 or 270. For 90, output (x, y) of the
/// height x width result is input (y, height - 1 - x); for 270 it is input
/// (width - 1 - y, x).
std::unique_ptr<Filter> bind_rotate(const Geometry& input, int degrees);

/// The `width` x `height` region whose top left is input (x, y). Throws
/// ImageError "crop WxH+X+Y reaches outside the IWxIH image".
std::unique_ptr<Filter> bind_crop(const Geometry& input, std::uint32_t width, std::uint32_t height, std::uint32_t x,
                                  std::uint32_t y);

}  // namespace conc::image
