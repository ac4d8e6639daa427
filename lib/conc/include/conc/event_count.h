// conc/event_count.h: park threads without lost wake-ups.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "conc/tsan.h"

namespace conc {

/// An event count: lets a thread sleep until "something may have changed"
/// without a lost wake-up, while keeping the notify side free of locks and
/// system calls whenever nobody sleeps.
///
/// Waiter protocol:
///
///     auto key = ec.prepare_wait();
///     if (condition_now_true()) { ec.cancel_wait(); return; }
///     ec.commit_wait(key);          // sleeps unless notified since prepare
///
/// Notifier protocol: make the condition true (publish the work), then call
/// `notify_one()` or `notify_all()`.
///
/// Guarantee: a waiter that re-checks its condition after `prepare_wait()` and
/// finds it false is woken by any notify issued after the condition became
/// true. This is Dekker's pattern: the waiter's increment of `waiters_` and the
/// notifier's publication are both followed by sequentially consistent
/// operations, so at least one side sees the other.
class EventCount {
 public:
  using Key = std::uint64_t;

  Key prepare_wait() noexcept {
    // seq_cst: orders this registration before the caller's re-check of its
    // condition, against the notifier's publication (the Dekker pair).
    waiters_.fetch_add(1, std::memory_order_seq_cst);
    // seq_cst: a notify after this load bumps the epoch and so ends the wait.
    return epoch_.load(std::memory_order_seq_cst);
  }

  void cancel_wait() noexcept {
    // relaxed: only a counter; a stale non-zero merely costs a notifier a lock.
    waiters_.fetch_sub(1, std::memory_order_relaxed);
  }

  void commit_wait(Key key) {
    {
      std::unique_lock lock(mutex_);
      // relaxed: epoch_ only changes under mutex_, which orders it.
      cv_.wait(lock, [&] { return epoch_.load(std::memory_order_relaxed) != key; });
    }
    // relaxed: see cancel_wait.
    waiters_.fetch_sub(1, std::memory_order_relaxed);
  }

  /// Like commit_wait, but gives up at `deadline`: returns false on timeout.
  template <class Clock, class Duration>
  bool commit_wait_until(Key key, const std::chrono::time_point<Clock, Duration>& deadline) {
    bool woken = false;
    {
      std::unique_lock lock(mutex_);
      // relaxed: as in commit_wait.
      woken = cv_.wait_until(lock, deadline, [&] { return epoch_.load(std::memory_order_relaxed) != key; });
    }
    waiters_.fetch_sub(1, std::memory_order_relaxed);  // relaxed: see cancel_wait
    return woken;
  }

  /// Each returns false, cheaply, when nobody was waiting.
  bool notify_one() { return notify(false); }
  bool notify_all() { return notify(true); }

  /// Threads between prepare_wait and the end of their wait (approximate).
  [[nodiscard]] int waiters() const noexcept {
    return waiters_.load(std::memory_order_relaxed);  // relaxed: a report only
  }

 private:
  bool notify(bool all) {
    // The store-load barrier between the caller's publication and the load
    // of waiters_ (the other half of the Dekker pair in prepare_wait).
    if (detail::fence_then_load(waiters_) == 0) return false;
    {
      std::lock_guard lock(mutex_);
      // relaxed: the mutex publishes the new epoch to commit_wait.
      epoch_.fetch_add(1, std::memory_order_relaxed);
    }
    if (all) {
      cv_.notify_all();
    } else {
      cv_.notify_one();
    }
    return true;
  }

  std::atomic<int> waiters_{0};
  std::atomic<Key> epoch_{0};
  std::mutex mutex_;
  std::condition_variable cv_;
};

}  // namespace conc
