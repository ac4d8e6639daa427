// image_job.h: one image's reader, bound filter chain and output file, as
// every strategy drives them.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "batch_plan.h"
#include "conc/executor.h"
#include "common/output.h"
#include "image/codec.h"
#include "image/filter.h"
#include "image/image.h"
#include "image/pixels.h"

namespace conc::image {

/// Time and pixels per stage, summed over images and threads. Relaxed
/// atomics: statistics read once the run is over.
struct StageClock {
  std::atomic<std::int64_t> decode_ns{0};
  std::atomic<std::int64_t> filter_ns{0};
  std::atomic<std::int64_t> encode_ns{0};
  std::atomic<std::uint64_t> pixels_decoded{0};
  std::atomic<std::uint64_t> pixels_filtered{0};
  std::atomic<std::uint64_t> pixels_encoded{0};
  std::atomic<std::uint64_t> whole_images{0};

  static void add(std::atomic<std::int64_t>& to, std::chrono::steady_clock::time_point since) noexcept {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - since);
    to.fetch_add(ns.count(), std::memory_order_relaxed);  // relaxed: a total read after the run
  }
  static void add(std::atomic<std::uint64_t>& to, std::uint64_t n) noexcept {
    to.fetch_add(n, std::memory_order_relaxed);  // relaxed: a total read after the run
  }
  [[nodiscard]] StageTotals totals() const noexcept;
};

/// An output file that appears whole or not at all (common::Output: a
/// temporary in the target's directory, renamed by commit), as the sink
/// an encoder writes to. Creates the missing directories above it.
class OutputFile final : public ByteSink {
 public:
  OutputFile(const std::string& path, const std::stop_token& stop);
  void write(std::span<const std::byte> bytes) override {
    out_.write(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  }
  void commit() { out_.commit(); }

 private:
  static const std::string& make_parents(const std::string& path);
  common::Output out_;
};

/// One image on its way through the chain.
///
/// Thread contract: `open()` runs first, on one thread; after it the
/// reader's info() and the chain never change, so any thread may read them
/// (the filters' apply() is const and runs on many threads). The reader
/// is then used by one thread only (the decoder), the output
/// (begin_output ... commit or abandon) by one thread only (the encoder):
/// under the channels strategy those are two different stage threads.
class ImageJob {
 public:
  ImageJob(const Options& options, const PlannedImage& plan, StageClock& clock);

  /// Opens the reader (with shrink-on-load when the chain starts with a
  /// large downscale of a JPEG) and binds the chain, EXIF orientation
  /// first. Throws ImageError or std::system_error.
  void open();

  [[nodiscard]] const PlannedImage& plan() const noexcept { return plan_; }
  [[nodiscard]] ImageReader& reader() noexcept { return *reader_; }
  [[nodiscard]] const std::vector<std::unique_ptr<Filter>>& chain() const noexcept { return chain_; }
  [[nodiscard]] const Geometry& decoded() const noexcept { return reader_->info().geometry; }
  [[nodiscard]] const Geometry& output() const noexcept { return chain_.empty() ? decoded() : chain_.back()->output(); }
  /// Whether the image can run as a stream of strips: the reader decodes
  /// row by row, no orientation turn was needed, and every filter streams.
  [[nodiscard]] bool can_stream() const noexcept;
  /// Rows per strip of an image of geometry `g` (decoding, encoding,
  /// handing rows between stages): about a megabyte.
  [[nodiscard]] std::uint32_t band_rows(const Geometry& g) const noexcept;
  /// Rows per band of `filter`'s output when the image is processed whole:
  /// band_rows, but at least four times the filter's vertical reach (a band
  /// recomputes its reach, so that keeps the overhead about a quarter).
  [[nodiscard]] std::uint32_t filter_band_rows(const Filter& filter) const noexcept;

  /// Opens the output file and the encoder.
  void begin_output(const std::stop_token& stop);
  /// Encodes `rows` rows (output geometry).
  void write_rows(const std::byte* rows, std::uint32_t count);
  /// Completes the file and renames it into place.
  void commit();
  /// Drops the output (its temporary is removed).
  void abandon() noexcept;

  [[nodiscard]] std::chrono::steady_clock::time_point started() const noexcept { return started_; }
  StageClock& clock() noexcept { return clock_; }

 private:
  const Options& options_;
  PlannedImage plan_;
  StageClock& clock_;
  std::unique_ptr<ImageReader> reader_;
  std::vector<std::unique_ptr<Filter>> chain_;
  bool oriented_ = false;  // orientation filters were prepended
  std::optional<OutputFile> file_;
  std::unique_ptr<ImageWriter> writer_;
  std::chrono::steady_clock::time_point started_;
};

/// Fills `record` for an image that is done: its output size and time when
/// `error` is empty, else the failure, reported to `diag` naming the input.
void finish_record(ImageRecord& record, const ImageJob& job, const std::string& error, bool streamed,
                   common::Diagnostics& diag);

/// How the bands of one filter step are run: in order on the calling
/// thread, or as tasks on an executor (parallel_for).
class BandRunner {
 public:
  virtual ~BandRunner() = default;
  /// Calls `body(band)` for consecutive bands of `band_rows` rows covering
  /// [0, rows), each exactly once, and returns when all are done.
  virtual void run(std::uint32_t rows, std::uint32_t band_rows, const std::function<void(RowRange)>& body) = 0;
};

/// The bands one after another on the calling thread.
class SequentialBands final : public BandRunner {
 public:
  void run(std::uint32_t rows, std::uint32_t band_rows, const std::function<void(RowRange)>& body) override;
};

/// Runs `body` over bands through an executor (parallel_for): the bands
/// of one step in parallel.
class ExecutorBands final : public BandRunner {
 public:
  explicit ExecutorBands(Executor& executor) : executor_(executor) {}
  void run(std::uint32_t rows, std::uint32_t band_rows, const std::function<void(RowRange)>& body) override;

 private:
  Executor& executor_;
};

/// Decodes every row of `job` (opened) and runs each filter over the whole
/// image in bands through `bands`. Nothing when `stop` was requested first.
/// Throws ImageError and std::system_error for the image.
std::optional<Image> render_whole(ImageJob& job, BandRunner& bands, const std::stop_token& stop);

/// render_whole, then encodes and commits. Returns false, with nothing
/// written, when `stop` was requested first; throws as render_whole and
/// for the output (nothing written).
bool run_whole(ImageJob& job, BandRunner& bands, const std::stop_token& stop);

}  // namespace conc::image
