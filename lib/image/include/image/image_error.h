// image/image_error.h: the one exception an image's processing throws.
#pragma once

#include <stdexcept>
#include <string>

namespace conc::image {

/// Something is wrong with one image: corrupt or truncated data, a header
/// over the pixel guard, a filter that cannot apply (crop outside the
/// image), a write that failed. The message is the reason only, without the
/// file name (the engine prefixes it), e.g. "not a JPEG file: starts with
/// 0x89 0x50", "declares 100000x100000 pixels, more than --max-pixels
/// 268435456". The engine reports it and goes on with the other images.
class ImageError : public std::runtime_error {
 public:
  explicit ImageError(const std::string& reason) : std::runtime_error(reason) {}
};

/// The file holds no image conc reads: it is empty, or its first bytes
/// match no format. Inside a walk such a file is skipped, not an error,
/// unless its name claims an image type.
class NotAnImage : public ImageError {
 public:
  using ImageError::ImageError;
};

}  // namespace conc::image
