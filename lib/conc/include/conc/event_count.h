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
/// Waiter protocol, in this order, on every attempt:
///
///     auto key = ec.prepare_wait();
///     if (condition_now_true()) { ec.cancel_wait(); return; }
///     ec.commit_wait(key);          // sleeps unless notified since prepare
///     // then loop: re-check the condition (a wake-up is only a hint)
///
/// The waiter's duties:
/// - Check the condition only after `prepare_wait()`, never only before: a
///   check before it can miss a notify that comes between the two.
/// - Read the atomics the condition depends on with seq_cst loads (or
///   under the lock the notifier published with): the guarantee below rests
///   on the single total order of seq_cst operations, which weaker loads
///   are not part of.
/// - End every `prepare_wait()` with exactly one `cancel_wait()` or
///   `commit_wait*()`, on the same thread, before the next `prepare_wait()`
///   on this EventCount; pass `commit_wait` the key that prepare returned.
/// - Treat a return from `commit_wait` as "look again", not as "the
///   condition holds": another waiter may have taken what was published,
///   and a notify for any other change wakes too.
///
/// Notifier protocol: make the condition true (publish the work with any
/// atomic store or RMW, or under a lock), then call `notify_one()` or
/// `notify_all()`; the notify must come after the publication in program
/// order, on the publishing thread. `notify_one()` wakes at most one
/// committed sleeper, so use it only when any single waiter can act on the
/// change; if several may each need it, use `notify_all()`.
///
/// Guarantee: a waiter that follows the protocol and finds the condition
/// false after `prepare_wait()` is woken (or does not sleep) if any notify
/// comes after the publication that made it true. This is Dekker's
/// pattern: the waiter's increment of `waiters_` and the notifier's
/// publication are both followed by sequentially consistent operations, so
/// at least one side sees the other. Nothing more: no fairness among
/// waiters, and a waiter may wake with nothing changed.
///
/// Order: `notify_one()` wakes the most recently committed sleeper (LIFO).
/// A pool or a channel then keeps handing work to the threads that just
/// ran, whose caches, stacks and per-thread state are warm, while the
/// others stay asleep: with more threads than cores, a FIFO wake-up would
/// rotate the work through every thread in turn (the LifoSem rationale).
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
      if (epoch_.load(std::memory_order_relaxed) == key) {
        Sleeper me;
        push(me);
        me.cv.wait(lock, [&] { return me.woken; });  // a notifier pops and flags it
      }
    }
    // relaxed: see cancel_wait.
    waiters_.fetch_sub(1, std::memory_order_relaxed);
  }

  /// Like commit_wait, but gives up at `deadline`: returns false on timeout.
  template <class Clock, class Duration>
  bool commit_wait_until(Key key, const std::chrono::time_point<Clock, Duration>& deadline) {
    bool woken = true;
    {
      std::unique_lock lock(mutex_);
      // relaxed: as in commit_wait.
      if (epoch_.load(std::memory_order_relaxed) == key) {
        Sleeper me;
        push(me);
        woken = me.cv.wait_until(lock, deadline, [&] { return me.woken; });
        if (!woken) unlink(me);  // still on the stack: no notifier took it
      }
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
    std::lock_guard lock(mutex_);
    // relaxed: the mutex publishes the new epoch to commit_wait. Sleepers
    // not yet committed see it and do not sleep; committed ones are woken
    // below, the newest first.
    epoch_.fetch_add(1, std::memory_order_relaxed);
    do {
      Sleeper* s = top_;
      if (s == nullptr) break;
      top_ = s->next;
      s->woken = true;
      // Under the lock: once it sees `woken` the sleeper returns and its
      // Sleeper (on its stack) is gone.
      s->cv.notify_one();
    } while (all);
    return true;
  }

  // One committed sleeper: a node of the LIFO stack, on the sleeper's own
  // stack, guarded by mutex_.
  struct Sleeper {
    Sleeper* next = nullptr;
    bool woken = false;
    std::condition_variable cv;
  };

  void push(Sleeper& s) {
    s.next = top_;
    top_ = &s;
  }
  void unlink(Sleeper& s) {
    for (Sleeper** at = &top_; *at != nullptr; at = &(*at)->next) {
      if (*at == &s) {
        *at = s.next;
        return;
      }
    }
  }

  std::atomic<int> waiters_{0};
  std::atomic<Key> epoch_{0};
  std::mutex mutex_;
  Sleeper* top_ = nullptr;  ///< the newest committed sleeper; guarded by mutex_
};

}  // namespace conc
