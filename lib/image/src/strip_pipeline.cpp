#include "strip_pipeline.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "conc/channel.h"
#include "conc/mutex.h"
#include "conc/work_stealing_pool.h"
#include "image/image_error.h"

namespace conc::image {
namespace {

using Clock = std::chrono::steady_clock;

/// Strips queued between two stages: enough to keep both busy, few enough
/// that memory stays a small multiple of one strip.
constexpr std::size_t kChannelStrips = 4;

/// One image as it flows through the stages. Everything here is written by
/// the decoder before it sends the image's first strip, and only read
/// after: the channels order the two.
struct StreamJob {
  StreamJob(const Options& o, const PlannedImage& p, StageClock& c) : job(o, p, c) {}
  ImageJob job;
  /// Rendered whole by the decoder: its strips are finished output rows
  /// that the filter stages pass on untouched.
  bool whole = false;
};

/// What travels on the channels: rows of one image, or the end of one.
struct Strip {
  std::shared_ptr<StreamJob> job;
  std::uint32_t first = 0;  ///< the first row, in the geometry of the stage it goes to
  std::uint32_t rows = 0;
  PixelBuffer data;
  /// The image's input is complete: no more strips of it follow. A filter
  /// stage sends its own (empty) `last` once its input's has arrived, so
  /// the encoder commits only an image every stage has read to the end.
  bool last = false;
  /// With `last`: the image ends early and nothing of it is written, for
  /// `error`, or because the run is stopping (`stopped`: no report).
  bool abort = false;
  bool stopped = false;
  std::string error;

  static Strip end(std::shared_ptr<StreamJob> job) { return Strip{std::move(job), 0, 0, {}, true, false, false, {}}; }
  static Strip aborted(std::shared_ptr<StreamJob> job, std::string error) {
    if (error.empty()) error = "unknown error";
    return Strip{std::move(job), 0, 0, {}, true, true, false, std::move(error)};
  }
  static Strip stop(std::shared_ptr<StreamJob> job) { return Strip{std::move(job), 0, 0, {}, true, true, true, {}}; }
};

/// The run's own stop, and the first exception that escaped a stage thread
/// (out of memory while reporting an image). A throwing stage would
/// otherwise end the process through std::terminate, leaving temporaries
/// behind: instead it stops the run, its channels close as it ends (the
/// stages next to it then end too), and the exception is rethrown once
/// every stage thread has been joined.
class RunGuard {
 public:
  explicit RunGuard(std::stop_token user) : forward_(std::move(user), [this] { stop_.request_stop(); }) {}
  [[nodiscard]] std::stop_token token() const noexcept { return stop_.get_token(); }

  /// Runs `body`; an exception it throws is kept (the first one) and stops the run.
  template <class Body>
  void run(Body&& body) noexcept {
    try {
      body();
    } catch (...) {
      {
        MutexLock lock(mutex_);
        if (!failure_) failure_ = std::current_exception();
      }
      stop_.request_stop();
    }
  }

  /// After the join: rethrows the kept exception, if any.
  void rethrow() {
    MutexLock lock(mutex_);
    if (failure_) std::rethrow_exception(failure_);
  }

 private:
  std::stop_source stop_;
  std::stop_callback<std::function<void()>> forward_;
  Mutex mutex_;
  std::exception_ptr failure_ GUARDED_BY(mutex_);
};

using StripSender = Sender<Strip>;
using StripReceiver = Receiver<Strip>;

/// Busy and blocked time of one stage thread, and its channel's counters
/// once it is done with them.
struct StageTimer {
  StageStats stats;
  ChannelStats input;  ///< the channel this stage receives from (not the decoder's)
  Clock::time_point t = Clock::now();
  void begin_wait() { t = Clock::now(); }
  void end_wait_input() {
    stats.wait_input += Clock::now() - t;
    t = Clock::now();
  }
  void busy_since(Clock::time_point since) { stats.busy += Clock::now() - since; }
  /// Receives every strip until `rx` closes and hands each to
  /// `take(strip, busy_from)`, timing the waits; keeps `rx`'s counters.
  template <class Take>
  void drain(StripReceiver& rx, Take&& take) {
    begin_wait();
    for (;;) {
      std::optional<Strip> got = rx.recv();
      end_wait_input();
      if (!got) break;
      stats.bytes_in += got->data.size();
      take(std::move(*got), Clock::now());
      begin_wait();
    }
    input = rx.stats();
  }
  void send(StripSender& tx, Strip s) {
    stats.items += 1;
    stats.bytes_out += s.data.size();
    const auto since = Clock::now();
    // Fails only when the next stage is gone, which it never is before its
    // input closes: every stage drains its channel to the end.
    (void)tx.send(std::move(s));
    stats.wait_output += Clock::now() - since;
  }
};

// Decodes an image strip by strip and sends the strips on. False when the
// run stopped first (the caller aborts the image).
bool stream_rows(const std::shared_ptr<StreamJob>& sj, StageClock& clock, const std::stop_token& stop, StripSender& tx,
                 StageTimer& timer) {
  const Geometry& g = sj->job.decoded();
  const std::uint32_t step = sj->job.band_rows(g);
  for (std::uint32_t first = 0; first < g.height;) {
    if (stop.stop_requested()) return false;
    const auto t = Clock::now();
    const std::uint32_t n = std::min(step, g.height - first);
    Strip s{sj, first, n, PixelBuffer(std::size_t{n} * g.row_bytes()), first + n == g.height, false, false, {}};
    sj->job.reader().read_rows(s.data.data(), n);
    StageClock::add(clock.decode_ns, t);
    StageClock::add(clock.pixels_decoded, std::uint64_t{n} * g.width);
    timer.stats.units += std::uint64_t{n} * g.width;
    timer.stats.bytes_in += s.data.size();
    first += n;
    timer.busy_since(t);
    timer.send(tx, std::move(s));
  }
  return true;
}

// Renders an image that cannot stream whole, on the pool, and sends its
// finished rows in strips. False when the run stopped first.
bool send_whole(const std::shared_ptr<StreamJob>& sj, BandRunner& bands, const std::stop_token& stop, StripSender& tx,
                StageTimer& timer) {
  const auto t = Clock::now();
  const std::optional<Image> image = render_whole(sj->job, bands, stop);
  if (!image) return false;
  timer.stats.units += image->geometry().pixels();
  timer.busy_since(t);
  const Geometry& g = image->geometry();
  const std::uint32_t step = sj->job.band_rows(g);
  for (std::uint32_t y = 0; y < g.height; y += step) {
    const std::uint32_t n = std::min(step, g.height - y);
    timer.send(tx, Strip{sj, y, n, PixelBuffer(image->row(y), n * g.row_bytes()), y + n == g.height, false, false, {}});
  }
  return true;
}

// The decoder stage of one lane: takes the next image no lane has taken,
// opens it, then sends its rows in strips (or renders it whole on the pool
// when it cannot stream).
void decode_stage(const Options& options, BatchPlan& plan, std::atomic<std::size_t>& next_image, StageClock& clock,
                  WorkStealingPool& pool, common::Diagnostics& diag, common::ProgressBar* progress,
                  const std::stop_token& stop, StripSender tx, StageTimer& timer) {
  ExecutorBands bands(pool, stop);
  for (;;) {
    // Relaxed: the counter only hands out distinct indices; the plan it
    // indexes was complete before any lane's thread started.
    const std::size_t i = next_image.fetch_add(1, std::memory_order_relaxed);
    if (i >= plan.images.size() || stop.stop_requested()) break;
    const PlannedImage& planned = plan.images[i];
    std::shared_ptr<StreamJob> sj;
    std::string error;
    bool sent = false;
    bool failed = false;
    try {
      sj = std::make_shared<StreamJob>(options, planned, clock);
      sj->job.open();
      sj->whole = !sj->job.can_stream();
      if (sj->whole) StageClock::add(clock.whole_images, 1);
      sent = sj->whole ? send_whole(sj, bands, stop, tx, timer) : stream_rows(sj, clock, stop, tx, timer);
    } catch (const std::exception& e) {
      error = common::exception_reason(e);
      failed = true;
    }
    if (sent) continue;
    if (!sj) {  // out of memory before the job existed: nothing downstream knows of it
      plan.records[planned.record].status = Status::kFailed;
      plan.records[planned.record].reason = error;
      diag.error(planned.input, error);
      if (progress != nullptr) progress->add(1, planned.size);
      continue;
    }
    timer.send(tx, failed ? Strip::aborted(sj, std::move(error)) : Strip::stop(sj));
  }
}

// One filter stage: keeps a window of its input rows and computes every
// output band as soon as the rows it needs have arrived.
class FilterStage {
 public:
  /// `share`: the pool's workers this stage's bands can expect, the
  /// others serving the other lanes.
  FilterStage(std::size_t index, WorkStealingPool& pool, std::size_t share, const std::stop_token& stop,
              StageTimer& timer)
      // A stop skips the band's pieces not yet started; the half-computed
      // band is then dropped and the image ends there, unwritten.
      : index_(index), share_(std::max<std::size_t>(1, share)), bands_(pool, stop), stop_(stop), timer_(timer) {}

  void run(StripReceiver rx, StripSender tx) {
    timer_.drain(rx, [&](Strip s, Clock::time_point busy) {
      if (s.job->whole) {
        timer_.busy_since(busy);
        timer_.send(tx, std::move(s));  // finished rows, or their end: pass through
        return;
      }
      std::shared_ptr<StreamJob> job = s.job;
      try {
        take(std::move(s), tx, busy);
      } catch (const std::exception& e) {  // out of memory: this image fails, the run goes on
        finish(Strip::aborted(job, common::exception_reason(e)), tx, busy);
      }
    });
  }

 private:
  void take(Strip s, StripSender& tx, Clock::time_point busy) {
    if (s.job != job_) start(s.job);
    if (finished_) return;  // this stage already ended the image (it failed here)
    if (s.abort) {
      finish(std::move(s), tx, busy);
      return;
    }
    if (stop_.stop_requested()) {
      finish(Strip::stop(job_), tx, busy);
      return;
    }
    if (filter_ == nullptr) throw ImageError("rows of an image that never opened (internal error)");
    const Geometry& out = filter_->output();
    const std::size_t in_rb = filter_->input().row_bytes();
    if (s.rows > 0 && next_out_ < out.height) {
      // Rows dropped from the front are reclaimed only once they are at
      // least half the buffer: each byte is moved about once, not once a strip.
      if (window_skip_ > 0 && window_skip_ >= window_.size() - window_skip_) {
        window_.erase(window_.begin(), window_.begin() + static_cast<std::ptrdiff_t>(window_skip_));
        window_skip_ = 0;
      }
      window_.insert(window_.end(), s.data.data(), s.data.data() + s.data.size());
      window_rows_ += s.rows;
      // Rows above what the next band needs are never read again (a crop
      // far down the image must not hold everything above it).
      drop_below(filter_->needs({next_out_, next_out_ + 1}).begin, in_rb);
    }
    if (!produce(tx, s.last, busy)) return;
    if (s.last) {
      if (next_out_ != out.height) throw ImageError("incomplete image (internal error)");
      finish(Strip::end(job_), tx, busy);
      job_.reset();  // nothing more of it comes: let its reader and file go now
      filter_ = nullptr;
    }
  }

  void start(const std::shared_ptr<StreamJob>& job) {
    job_ = job;
    finished_ = false;
    window_.clear();
    window_skip_ = 0;
    window_first_ = 0;
    window_rows_ = 0;
    next_out_ = 0;
    filter_ = job->job.chain().size() > index_ ? job->job.chain()[index_].get() : nullptr;
    if (filter_ == nullptr) return;  // an aborted image that never opened: only its end comes
    const Geometry& in = filter_->input();
    const Geometry& out = filter_->output();
    const std::uint32_t mid = out.height / 2;
    const std::uint32_t reach = filter_->needs({mid, mid + 1}).size();  // input rows per output row
    // A piece recomputes its vertical reach: make it about four reaches tall
    // (counted in output rows: a downscale reaches over many input rows per
    // output row), unless that leaves a worker fewer than two pieces of the
    // image; a band gives every worker two pieces.
    const auto reach_out = static_cast<std::uint32_t>(
        std::min<std::uint64_t>(out.height, (std::uint64_t{4} * reach * out.height + in.height - 1) / in.height));
    const auto pieces = 2 * std::uint64_t{share_};
    piece_ = std::max<std::uint32_t>({8, static_cast<std::uint32_t>(job->job.band_rows(out) / pieces),
                                      std::min(reach_out, fair_share(out.height, share_))});
    band_ = static_cast<std::uint32_t>(std::min<std::uint64_t>(piece_ * pieces, out.height));
    // The window holds the input rows of one band: keep that bounded (a
    // many-core pool must not turn bands into the whole image).
    const std::size_t budget = std::size_t{32} << 20;
    while (band_ > piece_ &&
           std::size_t{filter_->needs({mid - std::min(mid, band_ / 2), std::min(out.height, mid + band_ / 2)}).size()} *
                   in.row_bytes() >
               budget) {
      band_ = std::max(piece_, band_ / 2);
    }
  }

  // False when the run stopped: the image has been ended.
  bool produce(StripSender& tx, bool complete, Clock::time_point busy) {
    const Geometry& out = filter_->output();
    const std::size_t in_rb = filter_->input().row_bytes();
    const std::size_t out_rb = out.row_bytes();
    while (next_out_ < out.height) {
      const RowRange band{next_out_, std::min(out.height, next_out_ + band_)};
      if (!complete && filter_->needs(band).end > window_first_ + window_rows_) break;
      const RowWindow src{filter_->input(), window_.data() + window_skip_, in_rb, window_first_, window_rows_};
      PixelBuffer dst(std::size_t{band.size()} * out_rb);
      const auto t = Clock::now();
      bands_.run(band.size(), piece_, [&](RowRange r) {
        filter_->apply(src, {band.begin + r.begin, band.begin + r.end}, dst.data() + std::size_t{r.begin} * out_rb);
      });
      if (stop_.stop_requested()) {  // some pieces were skipped: the band is not whole
        finish(Strip::stop(job_), tx, busy);
        return false;
      }
      StageClock::add(job_->job.clock().filter_ns, t);
      StageClock::add(job_->job.clock().pixels_filtered, std::uint64_t{band.size()} * out.width);
      timer_.stats.units += std::uint64_t{band.size()} * out.width;
      next_out_ = band.end;
      if (next_out_ < out.height) {
        drop_below(filter_->needs({next_out_, next_out_ + 1}).begin, in_rb);
      } else {
        window_ = {};  // the output is complete: the rest of the input is only waited for
        window_skip_ = 0;
        window_first_ = filter_->input().height;
        window_rows_ = 0;
      }
      timer_.busy_since(busy);
      timer_.send(tx, Strip{job_, band.begin, band.size(), std::move(dst), false, false, false, {}});
      busy = Clock::now();
    }
    timer_.busy_since(busy);
    return true;
  }

  void drop_below(std::uint32_t row, std::size_t row_bytes) {
    if (row <= window_first_) return;
    const std::uint32_t n = std::min(row - window_first_, window_rows_);
    window_skip_ += std::size_t{n} * row_bytes;
    window_first_ += n;
    window_rows_ -= n;
  }

  void finish(Strip end, StripSender& tx, Clock::time_point busy) {
    job_ = end.job;
    finished_ = true;
    window_ = {};
    window_skip_ = 0;
    timer_.busy_since(busy);
    timer_.send(tx, std::move(end));
  }

  std::size_t index_;
  std::size_t share_;
  ExecutorBands bands_;
  std::stop_token stop_;
  StageTimer& timer_;
  std::shared_ptr<StreamJob> job_;
  const Filter* filter_ = nullptr;
  bool finished_ = false;  // this stage sent the image's end
  // Input rows [window_first_, window_first_ + window_rows_), from byte
  // window_skip_ on (the rows before it are no longer needed).
  std::vector<std::byte> window_;
  std::size_t window_skip_ = 0;
  std::uint32_t window_first_ = 0;
  std::uint32_t window_rows_ = 0;
  std::uint32_t next_out_ = 0;
  std::uint32_t piece_ = 8;
  std::uint32_t band_ = 8;
};

// The encoder stage: writes each image's strips, commits it after its end.
class EncodeStage {
 public:
  EncodeStage(BatchPlan& plan, common::Diagnostics& diag, const std::stop_token& stop, common::ProgressBar* progress,
              StageTimer& timer)
      : plan_(plan), diag_(diag), stop_(stop), progress_(progress), timer_(timer) {}

  void run(StripReceiver rx) {
    timer_.drain(rx, [&](Strip s, Clock::time_point busy) {
      take(std::move(s));
      timer_.busy_since(busy);
    });
  }

 private:
  void take(Strip s) {
    if (s.job != current_) {
      current_ = s.job;
      opened_ = false;
      error_.clear();
      written_ = 0;
    }
    ImageJob& job = s.job->job;
    if (stop_.stop_requested() && !stopped_) {
      job.abandon();  // the run is stopping: what is not committed yet never will be
      stopped_ = true;
    }
    if (stopped_) return;
    if (error_.empty() && !s.abort && s.rows > 0) {
      try {
        if (!opened_) {
          job.begin_output(stop_);
          opened_ = true;
        }
        job.write_rows(s.data.data(), s.rows);
        written_ += s.rows;
        timer_.stats.units += std::uint64_t{s.rows} * job.output().width;
      } catch (const std::exception& e) {
        error_ = common::exception_reason(e);
        job.abandon();
      }
    }
    if (!s.last) return;
    if (s.stopped) {
      job.abandon();  // the run is stopping: no report, no file
      current_.reset();
      return;
    } else {
      if (s.abort) error_ = s.error;
      if (error_.empty() && written_ != job.output().height) error_ = "incomplete image (internal error)";
      if (error_.empty()) {
        try {
          job.commit();
        } catch (const std::exception& e) {
          error_ = common::exception_reason(e);
        }
      }
      if (!error_.empty()) job.abandon();
      const bool streamed = !s.job->whole && writer_streams(job.plan().output_type);
      finish_record(plan_.records[job.plan().record], job, error_, streamed, diag_);
    }
    if (progress_ != nullptr) progress_->add(1, job.plan().size);
    current_.reset();
  }

  BatchPlan& plan_;
  common::Diagnostics& diag_;
  std::stop_token stop_;
  common::ProgressBar* progress_;
  StageTimer& timer_;
  std::shared_ptr<StreamJob> current_;
  bool stopped_ = false;  // the run is stopping: nothing more is written
  bool opened_ = false;
  std::string error_;
  std::uint32_t written_ = 0;
};

}  // namespace

std::size_t strip_lanes(std::size_t threads, std::size_t images) noexcept {
  return std::max<std::size_t>(1, std::min(threads, images));
}

void run_strip_pipeline(const Options& options, BatchPlan& plan, StageClock& clock, common::Diagnostics& diag,
                        const std::stop_token& user_stop, common::ProgressBar* progress, conc::RunStats& stats) {
  RunGuard guard(user_stop);
  const std::stop_token stop = guard.token();
  const std::size_t filters = options.filters.size();
  WorkStealingPool pool(conc::thread_count(options.threads));
  const std::size_t lanes = strip_lanes(pool.concurrency(), plan.images.size());
  std::atomic<std::size_t> next_image{0};
  std::vector<std::vector<StageTimer>> timers(lanes, std::vector<StageTimer>(filters + 2));
  {
    // Each endpoint is moved into the one stage thread that uses it: a
    // stage that ends closes its channels, and nothing else holds them open.
    std::vector<std::jthread> threads;
    threads.reserve(lanes * (filters + 2));
    for (std::vector<StageTimer>& lane : timers) {
      auto [tx, rx] = bounded<Strip>(kChannelStrips);
      threads.emplace_back([&, tx = std::move(tx)]() mutable {
        guard.run([&] {
          decode_stage(options, plan, next_image, clock, pool, diag, progress, stop, std::move(tx), lane[0]);
        });
      });
      for (std::size_t k = 0; k < filters; ++k) {
        auto [next_tx, next_rx] = bounded<Strip>(kChannelStrips);
        threads.emplace_back([&, k, rx = std::move(rx), tx = std::move(next_tx)]() mutable {
          guard.run([&] {
            FilterStage(k, pool, pool.concurrency() / lanes, stop, lane[k + 1]).run(std::move(rx), std::move(tx));
          });
        });
        rx = std::move(next_rx);
      }
      threads.emplace_back([&, rx = std::move(rx)]() mutable {
        guard.run([&] { EncodeStage(plan, diag, stop, progress, lane[filters + 1]).run(std::move(rx)); });
      });
    }
  }  // joined: every timer is final and visible here
  guard.rethrow();

  // A stage's figures are its copies' in every lane, added up.
  stats.workers = pool.worker_stats();
  for (std::size_t s = 0; s < filters + 2; ++s) {
    StageStats stage;
    stage.name = s == 0 ? "decode" : s <= filters ? "filter " + options.filters[s - 1]->text() : "encode";
    stage.unit = "pixel";
    ChannelStats input{kChannelStrips};
    for (std::vector<StageTimer>& lane : timers) {
      lane[s].stats.workers = 1;
      stage.add(lane[s].stats);
      input.add(lane[s].input);
    }
    if (s > 0) stats.channels.push_back({stats.stages.back().name + " -> " + stage.name, input});
    stats.stages.push_back(std::move(stage));
  }
}

}  // namespace conc::image
