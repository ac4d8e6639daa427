// pipeline/src/piece_budget.h: the bytes a streaming stage may hold behind
// the head of the output order.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <stop_token>

#include "conc/mutex.h"

namespace conc::pipeline::detail {

/// Bytes of emitted pieces not written yet, per batch. An emitting stage
/// waits while its batch holds `bound` bytes or more, so output behind the
/// head of the order stays bounded (the command behind it then blocks on a
/// full pipe); the head's pieces are written as they come.
class PieceBudget {
 public:
  void add(std::uint64_t seq, std::size_t bytes) {
    const MutexLock lock(mutex_);
    held_[seq] += bytes;
  }
  void release(std::uint64_t seq, std::size_t bytes) {
    {
      const MutexLock lock(mutex_);
      const auto it = held_.find(seq);
      if (it == held_.end()) return;
      it->second -= std::min(it->second, bytes);
      if (it->second == 0) held_.erase(it);
    }
    changed_.notify_all();
  }
  /// Wakes every waiter to re-check (after a stop request).
  void wake() {
    // Through the lock: a waiter that saw no stop yet holds it until it
    // sleeps, so this notify cannot fall between its check and its sleep.
    { const MutexLock lock(mutex_); }
    changed_.notify_all();
  }
  /// Waits until batch `seq` holds less than `bound` bytes or `stop` is
  /// requested (the requester calls wake()). It blocks even a pool worker:
  /// helping the pool meanwhile could run a later batch's task on top of
  /// this one, which would then wait for this one forever.
  void wait_below(std::uint64_t seq, std::size_t bound, const std::stop_token& stop) {
    MutexLock lock(mutex_);
    // The predicate runs with mutex_ held (CondVar's contract); the
    // assertion tells the analysis, which does not follow into lambdas.
    changed_.wait(lock, [&] {
      mutex_.assert_held();
      const auto it = held_.find(seq);
      return stop.stop_requested() || it == held_.end() || it->second < bound;
    });
  }

 private:
  Mutex mutex_;
  CondVar changed_;
  std::map<std::uint64_t, std::size_t> held_ GUARDED_BY(mutex_);
};

}  // namespace conc::pipeline::detail
