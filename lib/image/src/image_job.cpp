#include "image_job.h"

#include <algorithm>

#include "image/image_error.h"
#include "image/pixels.h"
#include "orientation.h"

namespace conc::image {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kBandBytes = std::size_t{1} << 20;  // a band of output stays in L2 between filters

}  // namespace

std::uint32_t fair_share(std::uint32_t rows, std::size_t workers) noexcept {
  const std::uint64_t bands = 2 * std::uint64_t{std::max<std::size_t>(1, workers)};
  return static_cast<std::uint32_t>(std::max<std::uint64_t>(8, (rows + bands - 1) / bands));
}

namespace {

std::string pixels_text(const Geometry& g) { return std::to_string(g.width) + "x" + std::to_string(g.height); }

}  // namespace

ImageJob::ImageJob(const Options& options, const PlannedImage& plan, StageClock& clock)
    : options_(options), plan_(plan), clock_(clock) {}

void ImageJob::open() {
  started_ = Clock::now();
  ReadOptions read = options_.read;
  read.shrink = 1;
  reader_ = open_reader(plan_.input, read);
  const ImageInfo& first = reader_->info();
  const int orientation = options_.auto_orient ? first.metadata.orientation : 1;
  const bool turned = orientation >= 5 && orientation <= 8;  // the quarter turns swap the sides
  const std::uint32_t stored_w = turned ? first.stored_height : first.stored_width;
  const std::uint32_t stored_h = turned ? first.stored_width : first.stored_height;

  if (!options_.filters.empty() && first.type == ImageType::kJpeg && options_.read.decoder == Decoder::kNative) {
    const int shrink = options_.filters.front()->shrink_on_load(stored_w, stored_h);
    if (shrink > 1) {
      read.shrink = shrink;
      reader_ = open_reader(plan_.input, read);
    }
  }

  std::vector<std::unique_ptr<FilterSpec>> turns;
  if (orientation > 1 && orientation <= 8) turns = orientation_filters(orientation);
  oriented_ = !turns.empty();
  Geometry g = reader_->info().geometry;
  auto bind = [&](const FilterSpec& spec, std::uint32_t sw, std::uint32_t sh) {
    auto f = spec.bind(g, BindContext{options_.edge, sw, sh, options_.read.max_pixels});
    if (f->output().pixels() > options_.read.max_pixels) {
      throw ImageError("filter '" + spec.text() + "' would make " + pixels_text(f->output()) +
                       " pixels, more than --max-pixels " + std::to_string(options_.read.max_pixels));
    }
    g = f->output();
    chain_.push_back(std::move(f));
  };
  for (const auto& t : turns) bind(*t, g.width, g.height);
  for (std::size_t i = 0; i < options_.filters.size(); ++i) {
    if (i == 0) {
      bind(*options_.filters[i], stored_w, stored_h);
    } else {
      bind(*options_.filters[i], g.width, g.height);
    }
  }
}

bool ImageJob::can_stream() const noexcept {
  if (!reader_->streams() || oriented_) return false;
  return std::all_of(chain_.begin(), chain_.end(), [](const auto& f) { return f->streams(); });
}

std::uint32_t ImageJob::band_rows(const Geometry& g) const noexcept {
  if (options_.band_rows != 0) return options_.band_rows;
  const auto rows = static_cast<std::uint32_t>(
      std::clamp<std::size_t>(kBandBytes / std::max<std::size_t>(1, g.row_bytes()), 8, 1024));
  return std::min(rows, std::max<std::uint32_t>(1, g.height));
}

std::uint32_t ImageJob::filter_band_rows(const Filter& filter, std::size_t workers) const noexcept {
  const Geometry& g = filter.output();
  if (options_.band_rows != 0) return options_.band_rows;
  const std::uint32_t fair = fair_share(g.height, workers);
  std::uint32_t rows = std::min(band_rows(g), fair);
  if (filter.streams() && g.height > 1) {
    const std::uint32_t mid = g.height / 2;
    const std::uint32_t reach = filter.needs({mid, mid + 1}).size();
    rows = std::max(rows, std::min({4 * reach, std::uint32_t{4096}, fair}));
  }
  return std::clamp<std::uint32_t>(rows, 1, std::max<std::uint32_t>(1, g.height));
}

void ImageJob::begin_output(const std::stop_token& stop) {
  file_.emplace(plan_.output, stop);
  WriteOptions w;
  w.type = plan_.output_type;
  w.quality = options_.quality;
  w.lossless = reader_->info().lossless && plan_.output_type == ImageType::kWebp;
  if (!options_.strip) {
    w.metadata = reader_->info().metadata;
    // With --no-auto-orient the pixels stay as stored, so the tag must too.
    w.keep_orientation = !options_.auto_orient;
  }
  writer_ = make_writer(output(), w, *file_);
}

void ImageJob::write_rows(const std::byte* rows, std::uint32_t count) {
  const auto t = Clock::now();
  writer_->write_rows(rows, count);
  StageClock::add(clock_.encode_ns, t);
  StageClock::add(clock_.pixels_encoded, std::uint64_t{count} * output().width);
}

void ImageJob::commit() {
  const auto t = Clock::now();
  writer_->finish();
  writer_.reset();
  file_->commit();
  file_.reset();
  StageClock::add(clock_.encode_ns, t);
}

void ImageJob::abandon() noexcept {
  writer_.reset();
  file_.reset();  // removes the temporary
}

void finish_record(ImageRecord& record, const ImageJob& job, const std::string& error, bool streamed,
                   common::Diagnostics& diag) {
  record.elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - job.started());
  record.streamed = streamed;
  if (error.empty()) {
    record.status = Status::kOk;
    record.width = job.output().width;
    record.height = job.output().height;
    // The decoder is done with this image (its last rows were read before
    // they reached the encoder), so its state can be read here.
    if (const std::string w = job.reader_warning(); !w.empty()) diag.warning(job.plan().input, w);
    return;
  }
  record.status = Status::kFailed;
  record.reason = error;
  record.output.clear();
  diag.error(job.plan().input, error);
}

std::optional<Image> render_whole(ImageJob& job, BandRunner& bands, const std::stop_token& stop) {
  StageClock& clock = job.clock();
  Image current(job.decoded());
  {
    const auto t = Clock::now();
    const std::uint32_t step = job.band_rows(current.geometry());
    for (std::uint32_t y = 0; y < current.geometry().height; y += step) {
      if (stop.stop_requested()) return std::nullopt;
      job.reader().read_rows(current.row(y), std::min(step, current.geometry().height - y));
    }
    StageClock::add(clock.decode_ns, t);
    StageClock::add(clock.pixels_decoded, current.geometry().pixels());
  }
  for (const auto& filter : job.chain()) {
    if (stop.stop_requested()) return std::nullopt;
    Image next(filter->output());
    const RowWindow src = current.window();
    bands.run(next.geometry().height, job.filter_band_rows(*filter, bands.workers()), [&](RowRange band) {
      const auto t = Clock::now();
      filter->apply(src, band, next.row(band.begin));
      StageClock::add(clock.filter_ns, t);
    });
    if (stop.stop_requested()) return std::nullopt;  // some bands were skipped
    StageClock::add(clock.pixels_filtered, next.geometry().pixels());
    current = std::move(next);
  }
  return current;
}

bool run_whole(ImageJob& job, BandRunner& bands, const std::stop_token& stop) {
  std::optional<Image> rendered = render_whole(job, bands, stop);
  if (!rendered || stop.stop_requested()) return false;
  const Image& current = *rendered;
  job.begin_output(stop);
  try {
    const std::uint32_t step = job.band_rows(current.geometry());
    for (std::uint32_t y = 0; y < current.geometry().height; y += step) {
      if (stop.stop_requested()) {
        job.abandon();
        return false;
      }
      job.write_rows(current.row(y), std::min(step, current.geometry().height - y));
    }
    job.commit();
  } catch (...) {
    job.abandon();
    throw;
  }
  return true;
}

}  // namespace conc::image
