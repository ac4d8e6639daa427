// resize.h: the bound resize filter behind `resize` and `fit`.
#pragma once

#include <cstdint>
#include <memory>

#include "image/filter.h"

namespace conc::image {

/// A filter resampling `input` to `width` x `height` (each at least 1) with
/// separable Lanczos-3 on premultiplied colour, after a box pre-shrink on
/// an axis reduced by more than 2x (resample_plan.h). `edge` says what the
/// taps past the border read.
std::unique_ptr<Filter> bind_resize(const Geometry& input, std::uint32_t width, std::uint32_t height, EdgeMode edge);

}  // namespace conc::image
