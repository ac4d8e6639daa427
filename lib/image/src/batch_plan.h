// batch_plan.h: which files are images, and where each one's output goes,
// decided for the whole batch before any pixel is read.
#pragma once

#include <cstdint>
#include <stop_token>
#include <string>
#include <vector>

#include "common/diagnostics.h"
#include "common/shard.h"
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
  /// Every input in order: images (status kPending until processed), files
  /// that are no image (kSkipped inside a walk, kFailed when named or
  /// when their name claims an image type: already reported to `diag`).
  std::vector<ImageRecord> records;
  std::vector<PlannedImage> images;
  /// Entries the walk could not read (a vanished file, a loop under -L),
  /// reported to `diag` by the walk itself: not in `records`.
  std::size_t walk_errors = 0;
  /// Directories above the outputs that did not exist when the plan was
  /// made, deepest first: the run creates them as its images need them.
  std::vector<std::string> new_directories;
};

/// Walks the inputs, recognises images by their first bytes, and names
/// every output. Throws PlanError when two outputs collide, an output
/// would replace an input without --in-place, or -o is an existing file
/// while several inputs need a directory; `diag` has then heard nothing
/// from the plan (the walk's own errors aside). A stop request ends the
/// plan early: the files not looked at yet are left out.
BatchPlan plan_batch(const Options& options, common::Diagnostics& diag, const std::stop_token& stop);

/// Keeps shard `shard`'s images of the plan, dealt by pixels (each image's
/// header is read; an unreadable one counts its bytes, and fails later
/// when processed), and their records; shard 0 keeps the records of the
/// inputs that are no image too.
void keep_shard(BatchPlan& plan, common::Shard shard, const ReadOptions& read);

/// Removes the plan's new directories that are still empty once the run
/// is over (every image in them failed, or the run stopped first).
void remove_unused_directories(const BatchPlan& plan) noexcept;

}  // namespace conc::image
