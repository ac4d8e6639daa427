// pipeline/src/sink.h: where the concurrent strategies hand their batches
// to the output, in input order.
#pragma once

#include <deque>
#include <exception>
#include <map>
#include <semaphore>

#include "run_state.h"

namespace conc::pipeline::detail {

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
    if (b.piece) {
      // A piece of the head batch (or unordered) is written at once; one
      // behind the head waits here, bounded by the emitter's PieceBudget.
      if (!st_.options.ordered || b.seq == order_.next()) {
        write_piece(b);
      } else {
        early_pieces_[b.seq].push_back(std::move(b));
      }
      return;
    }
    finished_.push(b.seq, true);
    while (finished_.pop()) st_.report_failures(finished_.next() - 1);
    if (!st_.options.ordered) {
      write(b);
      return;
    }
    push_batch(order_, std::move(b));
    while (auto next = order_.pop()) {
      write(*next);
      // The next batch is the head now: its early pieces go out at once, so
      // its streaming stage never waits on the sink.
      if (const auto it = early_pieces_.find(order_.next()); it != early_pieces_.end()) {
        for (const Batch& p : it->second) write_piece(p);
        early_pieces_.erase(it);
      }
    }
  }

  void finish() {
    if (failure_) std::rethrow_exception(failure_);
  }

 private:
  void write(const Batch& b) {
    if (!failure_) failure_ = st_.write(b, sink_);
    tokens_.release();
  }

  void write_piece(const Batch& p) {  // pieces hold no in-flight token
    if (!failure_) failure_ = st_.write(p, sink_);
    st_.budget.release(p.seq, p.data.size());
  }

  RunState& st_;
  const OutputSink& sink_;
  std::counting_semaphore<>& tokens_;
  SeqBuffer order_;
  ReorderBuffer<bool> finished_;  // batches done, for failure reports in input order (ordered or not)
  std::map<std::uint64_t, std::deque<Batch>> early_pieces_;  // pieces of batches behind the head
  std::exception_ptr failure_;
};

}  // namespace conc::pipeline::detail
