// orientation.h: the EXIF orientation as filters that turn the pixels upright.
#pragma once

#include <memory>
#include <vector>

#include "image/filter.h"

namespace conc::image {

/// The filters that bring an image stored with EXIF orientation
/// `orientation` (1-8) upright, in order; none for 1 or a value out of range.
std::vector<std::unique_ptr<FilterSpec>> orientation_filters(int orientation);

}  // namespace conc::image
