#include "strip_pipeline.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include "conc/channel.h"
#include "conc/work_stealing_pool.h"
#include "image/image_error.h"

namespace conc::image {
namespace {

using Clock = std::chrono::steady_clock;

/// Strips queued between two stages: enough to keep both busy, few enough
/// that memory stays a small multiple of one strip.
constexpr std::size_t kChannelStrips = 4;

/// One image as it flows through the stages.
struct StreamJob {
  StreamJob(const Options& o, const PlannedImage& p, StageClock& c) : job(o, p, c) {}
  ImageJob job;
  /// Rendered whole by the decoder: its strips are finished output rows.
  bool whole = false;
  /// Why the decoder gave up on it, or "" when the run is stopping. Written
  /// by the decoder before it sends the aborting strip, and read only by
  /// the stage that receives that strip: the channel orders the two.
  std::string error;
};

struct Strip {
  std::shared_ptr<StreamJob> job;
  std::uint32_t first = 0;  ///< the first row, in the geometry of the stage it goes to
  std::uint32_t rows = 0;
  PixelBuffer data;
  bool last = false;  ///< the image's final strip for this stage (possibly empty)
  /// With `last`: the image ends early (its decoder failed or the run is
  /// stopping): nothing of it is written.
  bool abort = false;
};

using StripSender = Sender<Strip>;
using StripReceiver = Receiver<Strip>;

/// Busy and blocked time of one stage thread.
struct StageTimer {
  StageStats stats;
  Clock::time_point t = Clock::now();
  void begin_wait() { t = Clock::now(); }
  void end_wait_input() {
    stats.wait_input += Clock::now() - t;
    t = Clock::now();
  }
  void busy_since(Clock::time_point since) { stats.busy += Clock::now() - since; }
  void send(StripSender& tx, Strip s) {
    stats.items += 1;
    stats.bytes_out += s.data.size();
    const auto since = Clock::now();
    (void)tx.send(std::move(s));  // fails only once the next stage is gone: the run is over
    stats.wait_output += Clock::now() - since;
  }
};

// Decodes an image strip by strip and sends the strips on. False when the
// run stopped first (the caller aborts the image).
bool stream_rows(const std::shared_ptr<StreamJob>& sj, StageClock& clock, const std::stop_token& stop,
                 StripSender& tx, StageTimer& timer) {
  const Geometry& g = sj->job.decoded();
  const std::uint32_t step = sj->job.band_rows(nullptr);
  for (std::uint32_t first = 0; first < g.height;) {
    if (stop.stop_requested()) return false;
    const auto t = Clock::now();
    const std::uint32_t n = std::min(step, g.height - first);
    Strip s{sj, first, n, PixelBuffer(std::size_t{n} * g.row_bytes()), first + n == g.height, false};
    sj->job.reader().read_rows(s.data.data(), n);
    StageClock::add(clock.decode_ns, t);
    StageClock::add(clock.pixels_decoded, std::uint64_t{n} * g.width);
    timer.stats.pixels += std::uint64_t{n} * g.width;
    timer.stats.bytes_in += s.data.size();
    first += n;
    timer.busy_since(t);
    timer.send(tx, std::move(s));
  }
  return true;
}

// Renders an image that cannot stream whole, on the pool, and sends its
// finished rows in strips (the filter stages pass them through). False
// when the run stopped first.
bool send_whole(const std::shared_ptr<StreamJob>& sj, BandRunner& bands, StageClock& clock,
                const std::stop_token& stop, StripSender& tx, StageTimer& timer) {
  sj->whole = true;
  StageClock::add(clock.whole_images, 1);
  const auto t = Clock::now();
  const std::optional<Image> image = render_whole(sj->job, bands, stop);
  if (!image) return false;
  timer.stats.pixels += image->geometry().pixels();
  timer.busy_since(t);
  const std::uint32_t step = sj->job.band_rows(nullptr);
  const std::size_t rb = image->geometry().row_bytes();
  const std::uint32_t h = image->geometry().height;
  for (std::uint32_t y = 0; y < h; y += step) {
    const std::uint32_t n = std::min(step, h - y);
    timer.send(tx, Strip{sj, y, n, PixelBuffer(image->row(y), n * rb), y + n == h, false});
  }
  return true;
}

// The decoder stage: opens each image, then sends its rows in strips (or
// renders it whole on the pool when it cannot stream).
void decode_stage(const Options& options, BatchPlan& plan, StageClock& clock, WorkStealingPool& pool,
                  const std::stop_token& stop, StripSender tx, StageTimer& timer) {
  ExecutorBands bands(pool);
  for (const PlannedImage& planned : plan.images) {
    if (stop.stop_requested()) break;
    auto sj = std::make_shared<StreamJob>(options, planned, clock);
    bool aborted = false;
    try {
      sj->job.open();
      if (sj->job.can_stream()) {
        aborted = !stream_rows(sj, clock, stop, tx, timer);
      } else {
        aborted = !send_whole(sj, bands, clock, stop, tx, timer);
      }
    } catch (const std::exception& e) {
      sj->error = common::exception_reason(e);
      aborted = true;
    }
    if (aborted) timer.send(tx, Strip{sj, 0, 0, PixelBuffer(), true, true});
  }
}

// One filter stage: keeps a window of its input rows and computes every
// output band as soon as the rows it needs have arrived.
class FilterStage {
 public:
  FilterStage(std::size_t index, WorkStealingPool& pool, StageTimer& timer)
      : index_(index), pool_(pool), bands_(pool), timer_(timer) {}

  void run(StripReceiver rx, StripSender tx) {
    timer_.begin_wait();
    for (;;) {
      std::optional<Strip> got = rx.recv();
      timer_.end_wait_input();
      if (!got) break;
      Strip& s = *got;
      const auto busy = Clock::now();
      timer_.stats.bytes_in += s.data.size();
      if (s.job->whole) {
        timer_.busy_since(busy);
        timer_.send(tx, std::move(s));  // finished rows: pass through
      } else {
        take(std::move(s), tx, busy);
      }
      timer_.begin_wait();
    }
  }

 private:
  void take(Strip s, StripSender& tx, Clock::time_point busy) {
    if (s.abort) {
      // Upstream gave up on the image: pass the news on, once.
      if (s.job != job_ || !done_) finish(s.job, tx, busy);
      return;
    }
    if (s.job != job_) start(s.job);
    if (done_) return;  // the output was complete before the input ended (a crop of the top)
    const Geometry& in = filter_->input();
    if (s.rows > 0) {
      window_.insert(window_.end(), s.data.data(), s.data.data() + s.data.size());
      window_rows_ += s.rows;
    }
    produce(tx, window_first_ + window_rows_ == in.height, busy);
  }

  void start(const std::shared_ptr<StreamJob>& job) {
    job_ = job;
    filter_ = job->job.chain()[index_].get();
    window_.clear();
    window_first_ = 0;
    window_rows_ = 0;
    next_out_ = 0;
    done_ = false;
    const std::uint32_t mid = filter_->output().height / 2;
    const std::uint32_t reach = filter_->needs({mid, mid + 1}).size();
    const std::size_t workers = pool_.concurrency();
    // A sub-band recomputes its vertical reach: make it about four reaches
    // tall; a band gives every worker one or two.
    piece_ = std::max<std::uint32_t>({8, 4 * reach, job->job.band_rows(filter_) / static_cast<std::uint32_t>(std::max<std::size_t>(1, 2 * workers))});
    band_ = static_cast<std::uint32_t>(std::min<std::size_t>(std::size_t{piece_} * 2 * workers, filter_->output().height));
  }

  void produce(StripSender& tx, bool complete, Clock::time_point busy) {
    const Geometry& out = filter_->output();
    const std::size_t in_rb = filter_->input().row_bytes();
    const std::size_t out_rb = out.row_bytes();
    while (next_out_ < out.height) {
      const RowRange band{next_out_, std::min(out.height, next_out_ + band_)};
      const RowRange need = filter_->needs(band);
      if (!complete && need.end > window_first_ + window_rows_) break;
      const RowWindow src{filter_->input(), window_.data(), in_rb, window_first_, window_rows_};
      PixelBuffer dst(std::size_t{band.size()} * out_rb);
      const auto t = Clock::now();
      bands_.run(band.size(), piece_, [&](RowRange r) {
        filter_->apply(src, {band.begin + r.begin, band.begin + r.end}, dst.data() + std::size_t{r.begin} * out_rb);
      });
      StageClock::add(job_->job.clock().filter_ns, t);
      StageClock::add(job_->job.clock().pixels_filtered, std::uint64_t{band.size()} * out.width);
      timer_.stats.pixels += std::uint64_t{band.size()} * out.width;
      next_out_ = band.end;
      const bool last = next_out_ == out.height;
      if (!last) drop_below(filter_->needs({next_out_, next_out_ + 1}).begin, in_rb);
      timer_.busy_since(busy);
      timer_.send(tx, Strip{job_, band.begin, band.size(), std::move(dst), last, false});
      busy = Clock::now();
      if (last) {
        done_ = true;
        window_.clear();
        window_.shrink_to_fit();
      }
    }
    timer_.busy_since(busy);
  }

  void drop_below(std::uint32_t row, std::size_t row_bytes) {
    if (row <= window_first_) return;
    const std::uint32_t n = std::min(row - window_first_, window_rows_);
    window_.erase(window_.begin(), window_.begin() + static_cast<std::ptrdiff_t>(std::size_t{n} * row_bytes));
    window_first_ += n;
    window_rows_ -= n;
  }

  void finish(const std::shared_ptr<StreamJob>& job, StripSender& tx, Clock::time_point busy) {
    job_ = job;
    done_ = true;
    window_.clear();
    timer_.busy_since(busy);
    timer_.send(tx, Strip{job, 0, 0, PixelBuffer(), true, true});
  }

  std::size_t index_;
  WorkStealingPool& pool_;
  ExecutorBands bands_;
  StageTimer& timer_;
  std::shared_ptr<StreamJob> job_;
  const Filter* filter_ = nullptr;
  std::vector<std::byte> window_;  // input rows [window_first_, window_first_ + window_rows_)
  std::uint32_t window_first_ = 0;
  std::uint32_t window_rows_ = 0;
  std::uint32_t next_out_ = 0;
  std::uint32_t piece_ = 8;
  std::uint32_t band_ = 8;
  bool done_ = false;
};

// The encoder stage: writes each image's strips, commits it after its last.
void encode_stage(BatchPlan& plan, common::Diagnostics& diag, const std::stop_token& stop,
                  common::ProgressBar* progress, StripReceiver rx, StageTimer& timer) {
  std::shared_ptr<StreamJob> current;
  bool opened = false;
  std::string error;
  std::uint32_t written = 0;
  timer.begin_wait();
  for (;;) {
    std::optional<Strip> got = rx.recv();
    timer.end_wait_input();
    if (!got) break;
    Strip& s = *got;
    const auto busy = Clock::now();
    timer.stats.bytes_in += s.data.size();
    if (s.job != current) {
      current = s.job;
      opened = false;
      error.clear();
      written = 0;
    }
    ImageJob& job = s.job->job;
    if (error.empty() && !s.abort && s.rows > 0) {
      try {
        if (!opened) {
          job.begin_output(stop);
          opened = true;
        }
        job.write_rows(s.data.data(), s.rows);
        written += s.rows;
        timer.stats.pixels += std::uint64_t{s.rows} * job.output().width;
      } catch (const std::exception& e) {
        error = common::exception_reason(e);
        job.abandon();
      }
    }
    if (s.last) {
      if (s.abort && s.job->error.empty()) {
        job.abandon();  // the run is stopping: no report, no file
      } else {
        if (error.empty() && s.abort) error = s.job->error;
        if (error.empty() && written != job.output().height) error = "incomplete image (internal error)";
        if (error.empty()) {
          try {
            job.commit();
          } catch (const std::exception& e) {
            error = common::exception_reason(e);
          }
        }
        if (!error.empty()) job.abandon();
        finish_record(plan.records[job.plan().record], job, error, !s.job->whole, diag);
      }
      if (progress != nullptr) progress->add(1, job.plan().size);
      current.reset();
    }
    timer.busy_since(busy);
    timer.begin_wait();
  }
}

}  // namespace

void run_strip_pipeline(const Options& options, BatchPlan& plan, StageClock& clock, common::Diagnostics& diag,
                        const std::stop_token& stop, common::ProgressBar* progress, conc::RunStats& stats) {
  const std::size_t filters = options.filters.size();
  WorkStealingPool pool(conc::thread_count(options.threads));
  std::vector<StageTimer> timers(filters + 2);
  std::vector<StripSender> senders;
  std::vector<StripReceiver> receivers;
  for (std::size_t i = 0; i < filters + 1; ++i) {
    auto [tx, rx] = bounded<Strip>(kChannelStrips);
    senders.push_back(std::move(tx));
    receivers.push_back(std::move(rx));
  }
  std::vector<ChannelStats> channel_stats;
  {
    std::vector<std::jthread> threads;
    threads.emplace_back([&, tx = std::move(senders[0])]() mutable {
      decode_stage(options, plan, clock, pool, stop, std::move(tx), timers[0]);
    });
    for (std::size_t k = 0; k < filters; ++k) {
      threads.emplace_back([&, k, rx = receivers[k], tx = std::move(senders[k + 1])]() mutable {
        FilterStage(k, pool, timers[k + 1]).run(std::move(rx), std::move(tx));
      });
    }
    threads.emplace_back([&, rx = receivers[filters]]() mutable {
      encode_stage(plan, diag, stop, progress, std::move(rx), timers[filters + 1]);
    });
  }
  for (auto& rx : receivers) channel_stats.push_back(rx.stats());

  stats.workers = pool.worker_stats();
  timers[0].stats.name = "decode";
  for (std::size_t k = 0; k < filters; ++k) timers[k + 1].stats.name = "filter " + options.filters[k]->text();
  timers[filters + 1].stats.name = "encode";
  for (auto& t : timers) {
    t.stats.workers = 1;
    stats.stages.push_back(t.stats);
  }
  for (std::size_t i = 0; i < channel_stats.size(); ++i) {
    const std::string from = stats.stages[i].name;
    const std::string to = stats.stages[i + 1].name;
    stats.channels.push_back({from + " -> " + to, channel_stats[i]});
  }
}

}  // namespace conc::image
