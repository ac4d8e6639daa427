// image_job.h: one image's reader, bound filter chain and output file, as
// every strategy drives them.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "band_runner.h"
#include "batch_plan.h"
#include "image/codec.h"
#include "image/filter.h"
#include "image/image.h"
#include "image/pixels.h"
#include "output_file.h"
#include "stage_clock.h"

namespace conc::image {

/// Rows per band that give each of `workers` threads two bands of `rows`
/// (so a band that runs long still leaves the others something), at least 8.
std::uint32_t fair_share(std::uint32_t rows, std::size_t workers) noexcept;

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
  /// What the reader tolerated (ImageReader::warning), "" without a reader.
  [[nodiscard]] std::string reader_warning() const { return reader_ ? reader_->warning() : std::string(); }
  [[nodiscard]] const std::vector<std::unique_ptr<Filter>>& chain() const noexcept { return chain_; }
  [[nodiscard]] const Geometry& decoded() const noexcept { return reader_->info().geometry; }
  [[nodiscard]] const Geometry& output() const noexcept { return chain_.empty() ? decoded() : chain_.back()->output(); }
  /// Whether the image can run as a stream of strips: the reader decodes
  /// row by row, no orientation turn was needed, and every filter streams.
  [[nodiscard]] bool can_stream() const noexcept;
  /// Rows per strip of an image of geometry `g` (decoding, encoding,
  /// handing rows between stages): about a megabyte.
  [[nodiscard]] std::uint32_t band_rows(const Geometry& g) const noexcept;
  /// Rows per band of `filter`'s output when the image is processed whole
  /// by `workers` threads: band_rows, but at least four times the filter's
  /// vertical reach (a band recomputes its reach, so that keeps the
  /// overhead about a quarter), and never so many that a worker gets fewer
  /// than two bands (a wide filter must not idle most of a big pool).
  [[nodiscard]] std::uint32_t filter_band_rows(const Filter& filter, std::size_t workers) const noexcept;

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

/// Decodes every row of `job` (opened) and runs each filter over the whole
/// image in bands through `bands`. Nothing when `stop` was requested first.
/// Throws ImageError and std::system_error for the image.
std::optional<Image> render_whole(ImageJob& job, BandRunner& bands, const std::stop_token& stop);

/// render_whole, then encodes and commits. Returns false, with nothing
/// written, when `stop` was requested first; throws as render_whole and
/// for the output (nothing written).
bool run_whole(ImageJob& job, BandRunner& bands, const std::stop_token& stop);

}  // namespace conc::image
