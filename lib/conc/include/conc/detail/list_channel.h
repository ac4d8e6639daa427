// conc/detail/list_channel.h: the unbounded channel, a deque behind a mutex.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "conc/detail/channel_core.h"
#include "conc/mutex.h"
#include "conc/run_stats.h"
#include "conc/thread_annotations.h"

namespace conc::detail {

/// An unbounded multi-producer multi-consumer channel: a `std::deque` guarded
/// by a mutex, with a condition variable for receivers (senders never wait).
/// A send happens-before the receive that returns its value (the mutex).
///
/// Senders never block, so the lock is held only for a push or a pop; a
/// receiver that finds it empty spins briefly on a size hint before sleeping,
/// and a sender signals the condition variable only when someone sleeps.
template <class T>
class ListChannel final : public ChannelCore<T> {
 public:
  SendResult<T> send(T&& value, Deadline /*never blocks*/) override { return try_send(std::move(value)); }

  SendResult<T> try_send(T&& value) override {
    if (this->no_receivers()) return SendResult<T>::rejected(SendStatus::kDisconnected, std::move(value));
    MutexLock lock(mutex_);
    items_.push_back(std::move(value));
    publish_size();
    ++sent_;
    const bool wake = sleepers_ > 0;
    lock.unlock();
    if (wake) not_empty_.notify_one();
    return SendResult<T>::sent();
  }

  std::optional<T> recv(bool wait, Deadline deadline) override {
    std::vector<T> one;
    if (take(one, 1, wait, deadline) == 0) return std::nullopt;
    return std::optional<T>(std::move(one.front()));
  }

  std::size_t recv_batch(std::vector<T>& out, std::size_t max) override { return take(out, max, true, std::nullopt); }

  [[nodiscard]] bool empty() const override {
    MutexLock lock(mutex_);
    return items_.empty();
  }

  [[nodiscard]] ChannelStats stats() const override {
    MutexLock lock(mutex_);
    ChannelStats s;
    s.capacity = 0;
    s.sent = sent_;
    s.received = received_;
    s.recv_blocked = recv_blocked_;
    return s;
  }

 protected:
  void senders_gone() override {
    // Taking the lock orders the disconnect against a receiver between its
    // check of the predicate and its wait (no lost wake-up).
    { MutexLock lock(mutex_); }
    not_empty_.notify_all();
  }
  void receivers_gone() override {
    std::deque<T> orphans;  // destroyed outside the lock
    MutexLock lock(mutex_);
    orphans.swap(items_);
    publish_size();
  }

 private:
  std::size_t take(std::vector<T>& out, std::size_t max, bool wait, Deadline deadline) {
    MutexLock lock(mutex_);
    if (items_.empty()) {
      if (!wait || this->no_senders()) return 0;
      const auto start = ChannelClock::now();
      lock.unlock();
      // relaxed: a hint; the state is re-checked under the mutex.
      spin_until([&] { return size_hint_.load(std::memory_order_relaxed) != 0 || this->no_senders(); });
      lock.lock();
      // The predicate runs with mutex_ held (CondVar's contract); the
      // assertion tells the analysis, which does not follow into lambdas.
      const auto ready = [&] {
        mutex_.assert_held();
        return !items_.empty() || this->no_senders();
      };
      if (!ready()) {
        ++sleepers_;
        if (deadline) {
          not_empty_.wait_until(lock, *deadline, ready);
        } else {
          not_empty_.wait(lock, ready);
        }
        --sleepers_;
      }
      recv_blocked_ += ChannelClock::now() - start;
      if (items_.empty()) return 0;
    }
    std::size_t n = 0;
    for (; n < max && !items_.empty(); ++n) {
      out.push_back(std::move(items_.front()));
      items_.pop_front();
    }
    publish_size();
    received_ += n;
    return n;
  }

  // relaxed: only a hint for spinning receivers (written under the mutex).
  void publish_size() noexcept REQUIRES(mutex_) { size_hint_.store(items_.size(), std::memory_order_relaxed); }

  mutable Mutex mutex_;
  CondVar not_empty_;  ///< receivers sleep here; used with mutex_
  std::deque<T> items_ GUARDED_BY(mutex_);
  std::atomic<std::size_t> size_hint_{0};  ///< items_.size(), readable without the lock
  int sleepers_ GUARDED_BY(mutex_) = 0;    ///< receivers waiting on not_empty_
  std::uint64_t sent_ GUARDED_BY(mutex_) = 0;
  std::uint64_t received_ GUARDED_BY(mutex_) = 0;
  std::chrono::nanoseconds recv_blocked_ GUARDED_BY(mutex_){0};
};

}  // namespace conc::detail
