// pipeline/src/run_state.h: what every strategy of run_pipeline shares.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <map>
#include <stop_token>
#include <vector>

#include "conc/mutex.h"
#include "conc/reorder_buffer.h"
#include "piece_budget.h"
#include "pipeline/pipeline.h"

namespace conc::pipeline::detail {

/// Batches back in input order (keyed by `Batch::seq`).
using SeqBuffer = ReorderBuffer<Batch>;

/// Adds `b` to `order` under its own sequence number.
inline void push_batch(SeqBuffer& order, Batch&& b) {
  const auto seq = b.seq;
  order.push(seq, std::move(b));
}

/// A later stage failed on a piece a streaming stage emitted: the batch has
/// failed and was reported already (thrown through the streaming stage).
struct PieceFailed {};

/// Per-stage counters, written by the stage's workers (relaxed: statistics
/// only, read after the run).
struct StageCounters {
  std::atomic<std::uint64_t> items{0};
  std::atomic<std::uint64_t> bytes_in{0};
  std::atomic<std::uint64_t> bytes_out{0};
  std::atomic<std::int64_t> busy_ns{0};
};

/// The state of one run: the stages, the stop requests, failure handling.
class RunState {
 public:
  RunState(const Options& run_options, std::vector<std::unique_ptr<Stage>>& run_stages,
           common::Diagnostics& diagnostics, std::stop_token stop)
      : options(run_options),
        stages(run_stages),
        diag(diagnostics),
        counters(run_stages.size()),
        forward_(std::move(stop), [this] { halt_all(); }) {
    control.stop = halt.get_token();
    control.stop_input = [this] { input.request_stop(); };
    control.max_output = std::max<std::size_t>(1, options.max_batch_output);
    // Twice a batch: with stream_output, an ordinary batch's output still
    // stays whole; only an output that grows beyond streams.
    control.hold_bytes = std::max<std::size_t>(std::size_t{4} << 20, 2 * options.limits.max_bytes);
    // Only when asked: a streamed piece is written before its command's
    // exit says whether the batch succeeds (see Options::stream_output).
    for (std::size_t k = stages.size(); k-- > 0;) {
      streaming_.insert(streaming_.begin(), options.stream_output && stages[k]->streams() && stateless_after(k));
    }
  }

  /// True if stage `k` hands its output on in pieces (see StageControl::emit).
  [[nodiscard]] bool streaming(std::size_t k) const { return streaming_[k]; }

  /// The control for stage `k` on a thread whose pieces go to `deliver`
  /// (which passes them to the sink in order with the batches).
  template <class Deliver>
  StageControl control_for(std::size_t k, Deliver deliver) {
    StageControl c = control;
    if (streaming_[k]) {
      c.emit = [this, k, deliver = std::move(deliver)](const Batch& b, std::string&& data) mutable {
        emit(k, b, std::move(data), deliver);
      };
    }
    return c;
  }

  /// The batches allowed in flight between the reader and the sink:
  /// capacity x (stages + 1). This bounds memory, reorder buffers included.
  [[nodiscard]] std::ptrdiff_t in_flight_limit() const {
    return static_cast<std::ptrdiff_t>(std::max<std::size_t>(1, options.capacity) * (stages.size() + 1));
  }

  /// Stops everything at once (Ctrl-C, a broken pipe): no more input, no more output.
  void halt_all() {
    halt.request_stop();
    input.request_stop();
    budget.wake();
  }

  /// Writes `b` through `sink` if it is deliverable; on a sink exception
  /// halts the run and returns it (the caller drains, then rethrows).
  std::exception_ptr write(const Batch& b, const OutputSink& sink) {
    if (!deliverable(b)) return nullptr;
    try {
      sink(b.data);
    } catch (...) {
      halt_all();
      return std::current_exception();
    }
    return nullptr;
  }

  /// Runs stage `k` on `b` (unless `b` was dropped or the run is halting),
  /// counting, and applying --on-error to a failure.
  void apply(std::size_t k, Batch& b) { apply(k, b, control); }

  void apply(std::size_t k, Batch& b, const StageControl& ctl) {
    if (b.dropped || halt.stop_requested()) {
      b.data.clear();
      return;
    }
    auto& c = counters[k];
    c.bytes_in.fetch_add(b.data.size(), std::memory_order_relaxed);
    const auto start = std::chrono::steady_clock::now();
    try {
      stages[k]->process(b, ctl);
    } catch (const PieceFailed&) {  // reported by the later stage that failed
      b.dropped = true;
      b.data.clear();
    } catch (const BatchFailure& e) {
      fail(k, b, common::exception_reason(e));
    } catch (const std::exception& e) {  // bad_alloc, a regex engine error: still one batch's failure
      fail(k, b, common::exception_reason(e));
    }
    c.busy_ns.fetch_add((std::chrono::steady_clock::now() - start).count(), std::memory_order_relaxed);
    c.items.fetch_add(1, std::memory_order_relaxed);
    c.bytes_out.fetch_add(b.data.size(), std::memory_order_relaxed);
  }

  /// True if the sink should write `b`: with --on-error stop, nothing from
  /// the first dropped batch on (in order: the output is a clean prefix).
  bool deliverable(const Batch& b) {
    if (halt.stop_requested()) return false;
    if (b.dropped && options.on_error == OnError::kStop) stopped_output_ = true;
    return !b.dropped && !stopped_output_;
  }

  /// Reports the failures of batch `seq` and before. Called as batches
  /// finish in input order, so failures are reported in input order even
  /// when a later batch fails first.
  void report_failures(std::uint64_t seq) {
    std::vector<Report> due;
    {
      const MutexLock lock(reports_mutex_);
      const auto end = reports_.upper_bound(seq);
      for (auto it = reports_.begin(); it != end; ++it) due.push_back(std::move(it->second));
      reports_.erase(reports_.begin(), end);
    }
    for (const auto& r : due) diag.error(r.subject, r.message);
  }

  /// Fills the per-stage part of `stats`.
  void report(conc::RunStats& stats, const std::vector<std::size_t>& workers) const {
    for (std::size_t k = 0; k < stages.size(); ++k) {
      conc::StageStats s;
      s.name = stages[k]->text();
      s.workers = workers[k];
      s.items = counters[k].items.load(std::memory_order_relaxed);
      s.bytes_in = counters[k].bytes_in.load(std::memory_order_relaxed);
      s.bytes_out = counters[k].bytes_out.load(std::memory_order_relaxed);
      s.busy = std::chrono::nanoseconds(counters[k].busy_ns.load(std::memory_order_relaxed));
      stats.stages.push_back(std::move(s));
    }
  }

  [[nodiscard]] std::uint64_t failures() const noexcept { return failures_.load(std::memory_order_relaxed); }

  const Options& options;
  std::vector<std::unique_ptr<Stage>>& stages;
  common::Diagnostics& diag;
  std::vector<StageCounters> counters;
  std::stop_source halt;   // Ctrl-C or a broken pipe: stop everything, write nothing more
  std::stop_source input;  // no more input wanted (head N, --on-error stop): finish what is in flight
  StageControl control;    // without emit: for stages that do not stream
  PieceBudget budget;      // pieces emitted, not yet written

 private:
  void fail(std::size_t k, Batch& b, const std::string& why) {
    b.dropped = true;
    b.data.clear();
    if (halt.stop_requested()) return;  // killed because the run is stopping: not a failure of the batch
    failures_.fetch_add(1, std::memory_order_relaxed);  // relaxed: a count read after the run
    const auto last = b.first_line + (b.lines == 0 ? 0 : b.lines - 1);
    {
      const MutexLock lock(reports_mutex_);
      reports_.emplace(
          b.seq, Report{"stage " + std::to_string(k + 1) + " '" + stages[k]->text() + "'",
                        why + " (input lines " + std::to_string(b.first_line) + "-" + std::to_string(last) + ")"});
    }
    if (options.on_error == OnError::kStop) input.request_stop();
  }

  struct Report {
    std::string subject;
    std::string message;
  };
  Mutex reports_mutex_;
  std::multimap<std::uint64_t, Report> reports_ GUARDED_BY(reports_mutex_);  // failures not reported yet

  // Every stage after `k` is stateless, so a piece may run through them at once.
  [[nodiscard]] bool stateless_after(std::size_t k) const {
    return std::none_of(stages.begin() + static_cast<std::ptrdiff_t>(k) + 1, stages.end(),
                        [](const auto& s) { return s->serial(); });
  }

  // A piece of `b`'s output from stage `k`: through the later stages on this
  // thread, then to the sink; waits while too much of `b` is held there.
  template <class Deliver>
  void emit(std::size_t k, const Batch& b, std::string&& data, Deliver& deliver) {
    Batch p;
    p.seq = b.seq;
    p.first_line = b.first_line;
    p.lines = b.lines;
    p.data = std::move(data);
    p.piece = true;
    for (std::size_t j = k + 1; j < stages.size(); ++j) {
      apply(j, p, control_for(j, deliver));
      if (p.dropped) throw PieceFailed{};
    }
    if (halt.stop_requested()) return;
    const std::uint64_t seq = p.seq;
    budget.add(seq, p.data.size());
    deliver(std::move(p));
    budget.wait_below(seq, control.hold_bytes, halt.get_token());
  }

  std::atomic<std::uint64_t> failures_{0};
  std::vector<bool> streaming_;  // per stage: see streaming()
  bool stopped_output_ = false;  // sink thread only
  std::stop_callback<std::function<void()>> forward_;
};

}  // namespace conc::pipeline::detail
