// image/image.h: the image engine: filter chains over files and trees.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <vector>

#include "common/diagnostics.h"
#include "common/file_walk.h"
#include "common/progress.h"
#include "common/shard.h"
#include "common/strategy.h"
#include "conc/run_stats.h"
#include "image/codec.h"
#include "image/filter.h"

namespace conc::image {

/// The concurrency designs of DESIGN.md §3 as they apply to images. Every
/// one writes byte-identical files: a filter's output row never depends on
/// the band it was computed in (filter.h).
enum class Strategy {
  kChannels,  ///< lanes of decode -> each filter -> encode stages joined by bounded channels of row strips
  kSeq,       ///< one thread: images one after another, bands one after another
  kImages,    ///< one image per task on the ThreadPool, each filtered on one thread
  kPool,      ///< images one after another, each split into row bands on the ThreadPool
  kSteal,     ///< images as tasks and row bands as sub-tasks on the WorkStealingPool
};

/// Every strategy, in the order `--strategy help` lists them.
std::span<const common::StrategyInfo<Strategy>> strategies() noexcept;

struct Options {
  /// Files and directories (walked recursively). Every image is recognised
  /// by its content.
  std::vector<std::string> inputs;
  /// The chain, applied in order (parse_filter). Shared, read-only.
  std::vector<std::shared_ptr<const FilterSpec>> filters;
  /// Where images go: a file for a single named input file (or a directory
  /// to write it into), else a directory that mirrors the input trees
  /// (created when missing). Empty with `in_place`.
  std::string output;
  bool in_place = false;          ///< replace each input (same name, same type)
  std::optional<ImageType> type;  ///< output type; default: the input's when writable, else PNG
  int quality = 90;               ///< JPEG and WebP, 1-100
  std::string suffix;             ///< added to each output's stem ("-small")
  EdgeMode edge = EdgeMode::kClamp;
  ReadOptions read;         ///< decoder and the pixel guard (shrink is decided per image)
  bool auto_orient = true;  ///< apply the EXIF orientation, then write orientation 1
  bool strip = false;       ///< drop ICC and EXIF from the outputs
  Strategy strategy = Strategy::kChannels;
  std::size_t threads = 0;  ///< 0: every core
  /// Rows per strip (channels) and per band (the other strategies); 0 picks
  /// one from the image's width and the chain's reach.
  std::uint32_t band_rows = 0;
  common::WalkOptions walk;  ///< its `skip` holds the run's own files
  /// Process only this shard's images (one task of a job array): the whole
  /// batch is planned alike on every node, then its images are dealt by
  /// pixels (from their headers) biggest first to the least-loaded shard.
  /// The report lists the shard's images; shard 0's also the inputs that
  /// are no image.
  std::optional<common::Shard> shard;
  /// Files the run writes besides images (--stats-json): an image output
  /// there, or an input replaced by one, is a PlanError.
  std::vector<std::string> reserved;
};

/// kPending until the image is done: a stopped run leaves some so.
enum class Status : std::uint8_t { kPending, kOk, kFailed, kSkipped };

/// One input's outcome, in input order.
struct ImageRecord {
  std::string input;
  std::string output;       ///< "" when skipped
  std::uint32_t width = 0;  ///< of the written image
  std::uint32_t height = 0;
  std::chrono::nanoseconds elapsed{0};
  Status status = Status::kPending;
  std::string reason;     ///< why it failed or was skipped
  bool streamed = false;  ///< processed as a stream of strips (channels)
};

/// Where the time went, summed over images and threads (--stats).
struct StageTotals {
  std::chrono::nanoseconds decode{0};
  std::chrono::nanoseconds filter{0};
  std::chrono::nanoseconds encode{0};
  std::uint64_t pixels_decoded = 0;
  std::uint64_t pixels_filtered = 0;  ///< output pixels of every filter
  std::uint64_t pixels_encoded = 0;
  std::uint64_t whole_images = 0;  ///< images the channels strategy could not stream
};

struct Result {
  std::vector<ImageRecord> images;
  /// Entries inside the input trees that could not be read (reported to
  /// diag when met): failures with no record, as they have no image.
  std::size_t unreadable = 0;
  StageTotals stages;
  conc::RunStats stats;
};

/// The plan could not be made: an output would collide with another output
/// or with an input, -o is a file for several inputs, the output directory
/// cannot be created. Nothing has been written; the CLI exits 2.
class PlanError : public std::runtime_error {
 public:
  explicit PlanError(const std::string& message) : std::runtime_error(message) {}
};

/// Processes every image of `options.inputs`. A bad image is reported to
/// `diag` (one line naming it), gets no output, and the others go on.
/// Throws PlanError before any work when the outputs cannot be planned;
/// `diag` has then heard nothing of the plan. A stop request ends the run
/// early: images not finished are not written, and every file that is
/// written is whole (written to a temporary name, then renamed).
///
/// Threads: the call blocks until every worker it starts has ended.
/// `diag` and `progress` (may be null) are called from those workers,
/// concurrently, in the order images finish; both are thread-safe. The
/// records in the Result are in input order whatever the strategy.
/// Throws what a worker could not report as an image's failure (out of
/// memory while reporting one), after every worker has ended.
Result process_images(const Options& options, common::Diagnostics& diag, std::stop_token stop,
                      common::ProgressBar* progress);

}  // namespace conc::image
