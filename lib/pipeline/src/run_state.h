// pipeline/src/run_state.h: what every strategy of run_pipeline shares.
#pragma once

#include <algorithm>
#include <atomic>
#include <exception>
#include <chrono>
#include <mutex>
#include <semaphore>
#include <optional>
#include <stop_token>
#include <vector>

#include "conc/reorder_buffer.h"
#include "pipeline/pipeline.h"

namespace conc::pipeline::detail {

/// Batches back in input order (keyed by `Batch::seq`).
using SeqBuffer = ReorderBuffer<Batch>;

/// Adds `b` to `order` under its own sequence number.
inline void push_batch(SeqBuffer& order, Batch&& b) {
  const auto seq = b.seq;
  order.push(seq, std::move(b));
}

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
  RunState(const Options& run_options, std::vector<std::unique_ptr<Stage>>& run_stages, common::Diagnostics& diagnostics,
           std::stop_token stop)
      : options(run_options), stages(run_stages), diag(diagnostics), counters(run_stages.size()),
        forward_(std::move(stop), [this] { halt_all(); }) {
    control.stop = halt.get_token();
    control.stop_input = [this] { input.request_stop(); };
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
  void apply(std::size_t k, Batch& b) {
    if (b.dropped || halt.stop_requested()) {
      b.data.clear();
      return;
    }
    auto& c = counters[k];
    c.bytes_in.fetch_add(b.data.size(), std::memory_order_relaxed);
    const auto start = std::chrono::steady_clock::now();
    try {
      stages[k]->process(b, control);
    } catch (const BatchFailure& e) {
      fail(k, b, e.what());
    } catch (const std::exception& e) {  // bad_alloc, a regex engine error: still one batch's failure
      fail(k, b, e.what());
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
  StageControl control;

 private:
  void fail(std::size_t k, Batch& b, const std::string& why) {
    b.dropped = true;
    b.data.clear();
    if (halt.stop_requested()) return;  // killed because the run is stopping: not a failure of the batch
    failures_.fetch_add(1, std::memory_order_relaxed);  // relaxed: a count read after the run
    const auto last = b.first_line + (b.lines == 0 ? 0 : b.lines - 1);
    diag.error("stage " + std::to_string(k + 1) + " '" + stages[k]->text() + "'",
               why + " (input lines " + std::to_string(b.first_line) + "-" + std::to_string(last) + ")");
    if (options.on_error == OnError::kStop) input.request_stop();
  }

  std::atomic<std::uint64_t> failures_{0};
  bool stopped_output_ = false;  // sink thread only
  std::stop_callback<std::function<void()>> forward_;
};

/// The end of every concurrent strategy: batches arrive as they finish and
/// are written in input order (or at once, unordered). Each batch that
/// leaves gives back its in-flight token (`tokens`, acquired by the reader),
/// so the reorder buffer is bounded too. After a sink failure it keeps
/// accepting batches, so the run drains, and `finish()` rethrows.
class Sink {
 public:
  Sink(RunState& st, const OutputSink& sink, std::counting_semaphore<>& tokens)
      : st_(st), sink_(sink), tokens_(tokens) {}

  void arrive(Batch&& b) {
    if (!st_.options.ordered) {
      write(b);
      return;
    }
    push_batch(order_, std::move(b));
    while (auto next = order_.pop()) write(*next);
  }

  void finish() {
    if (failure_) std::rethrow_exception(failure_);
  }

 private:
  void write(const Batch& b) {
    if (!failure_) failure_ = st_.write(b, sink_);
    tokens_.release();
  }

  RunState& st_;
  const OutputSink& sink_;
  std::counting_semaphore<>& tokens_;
  SeqBuffer order_;
  std::exception_ptr failure_;
};

}  // namespace conc::pipeline::detail
