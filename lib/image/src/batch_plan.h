// batch_plan.h: which files are images, and where each one's output goes,
// decided for the whole batch before any pixel is read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/diagnostics.h"
#include "image/codec.h"
#include "image/image.h"

namespace conc::image {

/// One image to process.
struct PlannedImage {
  std::size_t record = 0;  ///< its index in BatchPlan::records
  std::string input;
  std::string output;
  ImageType output_type = ImageType::kPng;
  std::uint64_t size = 0;  ///< the input's bytes, at the walk
};

struct BatchPlan {
  /// Every input in order: images (status kOk until processed), files
  /// that are no image (kSkipped inside a walk, kFailed when named or
  /// when their name claims an image type: already reported to `diag`).
  std::vector<ImageRecord> records;
  std::vector<PlannedImage> images;
};

/// Walks the inputs, recognises images by their first bytes, and names
/// every output. Throws PlanError when two outputs collide, an output
/// would replace an input without --in-place, or -o is an existing file
/// while several inputs need a directory.
BatchPlan plan_batch(const Options& options, common::Diagnostics& diag);

}  // namespace conc::image
