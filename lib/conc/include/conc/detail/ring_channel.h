// conc/detail/ring_channel.h: the bounded channel, a lock-free ring.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <vector>

#include "conc/cache_line.h"
#include "conc/detail/channel_core.h"
#include "conc/event_count.h"
#include "conc/run_stats.h"

namespace conc::detail {

/// A bounded multi-producer multi-consumer channel on Dmitry Vyukov's bounded
/// MPMC queue: a ring of cells, each with a sequence number that says whose
/// turn it is, and two tickets, `tail_` for producers and `head_` for
/// consumers, claimed by CAS. Ticket `pos` uses cell `pos % capacity`; the
/// cell's sequence is 2*pos while it waits for that producer and 2*pos+1
/// while it waits for that consumer. (Vyukov's original uses pos and pos+1,
/// which cannot tell the two apart when the capacity is 1.)
///
/// Capacity is exact (any N >= 1, not rounded up). Neither side takes a lock;
/// a sender finding the ring full, or a receiver finding it empty, spins
/// briefly and then parks on an EventCount, which the other side notifies
/// after each operation (a fence and a load when nobody sleeps).
template <class T>
class RingChannel final : public ChannelCore<T> {
 public:
  explicit RingChannel(std::size_t capacity) : capacity_(capacity), cells_(new Cell[capacity]) {
    for (std::uint64_t i = 0; i < capacity_; ++i) cells_[i].seq.store(producer_turn(i), std::memory_order_relaxed);
  }
  ~RingChannel() override {
    while (try_pop()) {}
  }

  SendResult<T> send(T&& value, Deadline deadline) override {
    if (this->no_receivers()) return SendResult<T>::rejected(SendStatus::kDisconnected, std::move(value));
    if (try_push(value)) return sent();
    if (spin_until([&] { return this->no_receivers() || try_push(value); })) {
      if (this->no_receivers()) return SendResult<T>::rejected(SendStatus::kDisconnected, std::move(value));
      return sent();
    }
    const auto start = ChannelClock::now();
    for (;;) {
      const EventCount::Key key = not_full_.prepare_wait();
      if (this->no_receivers()) {
        not_full_.cancel_wait();
        add_blocked(send_blocked_ns_, start);
        return SendResult<T>::rejected(SendStatus::kDisconnected, std::move(value));
      }
      if (try_push(value)) {
        not_full_.cancel_wait();
        add_blocked(send_blocked_ns_, start);
        return sent();
      }
      if (deadline) {
        if (!not_full_.commit_wait_until(key, *deadline) && ChannelClock::now() >= *deadline) {
          add_blocked(send_blocked_ns_, start);
          if (try_push(value)) return sent();
          return SendResult<T>::rejected(SendStatus::kTimeout, std::move(value));
        }
      } else {
        not_full_.commit_wait(key);
      }
    }
  }

  SendResult<T> try_send(T&& value) override {
    if (this->no_receivers()) return SendResult<T>::rejected(SendStatus::kDisconnected, std::move(value));
    if (try_push(value)) return sent();
    return SendResult<T>::rejected(SendStatus::kFull, std::move(value));
  }

  std::optional<T> recv(bool wait, Deadline deadline) override {
    if (auto v = take()) return v;
    if (!wait) return std::nullopt;
    std::optional<T> v;
    if (spin_until([&] { return (v = take()).has_value() || this->no_senders(); })) {
      if (v) return v;
    }
    const auto start = ChannelClock::now();
    for (;;) {
      const EventCount::Key key = not_empty_.prepare_wait();
      if ((v = take()) || this->no_senders()) {  // NOLINT(bugprone-assignment-in-if-condition): take, then test
        not_empty_.cancel_wait();
        add_blocked(recv_blocked_ns_, start);
        if (!v) v = take();  // a last item may have landed before the sender left
        return v;
      }
      if (deadline) {
        if (!not_empty_.commit_wait_until(key, *deadline) && ChannelClock::now() >= *deadline) {
          add_blocked(recv_blocked_ns_, start);
          return take();
        }
      } else {
        not_empty_.commit_wait(key);
      }
    }
  }

  std::size_t recv_batch(std::vector<T>& out, std::size_t max) override {
    auto first = recv(true, std::nullopt);
    if (!first) return 0;
    out.push_back(std::move(*first));
    std::size_t n = 1;
    for (; n < max; ++n) {
      auto v = try_pop();
      if (!v) break;
      out.push_back(std::move(*v));
    }
    if (n > 1) not_full_.notify_all();
    return n;
  }

  [[nodiscard]] bool empty() const override {
    // seq_cst: paired with the tickets' CAS; a snapshot, exact when quiet.
    return head_.load(std::memory_order_seq_cst) >= tail_.load(std::memory_order_seq_cst);
  }

  [[nodiscard]] ChannelStats stats() const override {
    ChannelStats s;
    s.capacity = capacity_;
    // relaxed: a report. Every claimed ticket is an item sent or received.
    s.sent = tail_.load(std::memory_order_relaxed);
    s.received = head_.load(std::memory_order_relaxed);
    s.send_blocked = std::chrono::nanoseconds(send_blocked_ns_.load(std::memory_order_relaxed));
    s.recv_blocked = std::chrono::nanoseconds(recv_blocked_ns_.load(std::memory_order_relaxed));
    return s;
  }

 protected:
  void senders_gone() override { not_empty_.notify_all(); }
  void receivers_gone() override {
    while (try_pop()) {  // nobody will receive them: free them now
    }
    not_full_.notify_all();
  }

 private:
  /// One slot of the ring, on its own cache line so that a producer filling
  /// one cell and a consumer emptying the next do not share a line.
  struct alignas(kCacheLine) Cell {
    /// Whose turn the cell is: `producer_turn(pos)` while it is empty and
    /// waits for the producer holding ticket `pos`, `consumer_turn(pos)`
    /// while it holds that producer's item and waits for the consumer with
    /// ticket `pos`. Stored with release by whoever finishes with the cell,
    /// loaded with acquire (seq_cst) by whoever wants it next: this, not the
    /// tickets, is what publishes the item.
    std::atomic<std::uint64_t> seq{0};
    /// Raw storage for the item; a live `T` exactly while `seq` is a
    /// consumer's turn (constructed by the producer, destroyed by the
    /// consumer that moves it out).
    alignas(T) unsigned char storage[sizeof(T)];
    T* item() noexcept { return std::launder(reinterpret_cast<T*>(storage)); }
  };

  SendResult<T> sent() {
    not_empty_.notify_one();
    return SendResult<T>::sent();
  }

  std::optional<T> take() {
    auto v = try_pop();
    if (v) not_full_.notify_one();
    return v;
  }

  // Moves from `value` only on success.
  bool try_push(T& value) {
    // relaxed: the ticket is only a hint here; the CAS below decides.
    std::uint64_t pos = tail_.load(std::memory_order_relaxed);
    for (;;) {
      Cell& cell = cells_[pos % capacity_];
      // seq_cst (free on x86): acquire pairs with the consumer's release of
      // the cell; seq_cst also serves sleepers re-checking after prepare_wait.
      const std::uint64_t seq = cell.seq.load(std::memory_order_seq_cst);
      const auto diff = static_cast<std::int64_t>(seq - producer_turn(pos));
      if (diff == 0) {
        // relaxed: the cell's seq, not the ticket, publishes the item.
        if (tail_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          ::new (static_cast<void*>(cell.storage)) T(std::move(value));
          // release: the item is constructed before a consumer may take it.
          cell.seq.store(consumer_turn(pos), std::memory_order_release);
          return true;
        }
      } else if (diff < 0) {
        return false;  // the cell still holds last lap's item: full
      } else {
        pos = tail_.load(std::memory_order_relaxed);  // another producer got it
      }
    }
  }

  std::optional<T> try_pop() {
    std::uint64_t pos = head_.load(std::memory_order_relaxed);  // relaxed: see try_push
    for (;;) {
      Cell& cell = cells_[pos % capacity_];
      // seq_cst: acquire pairs with the producer's release (see try_push).
      const std::uint64_t seq = cell.seq.load(std::memory_order_seq_cst);
      const auto diff = static_cast<std::int64_t>(seq - consumer_turn(pos));
      if (diff == 0) {
        if (head_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          T* item = cell.item();
          std::optional<T> v(std::move(*item));
          item->~T();
          // release: the slot is free for the producer one lap later.
          cell.seq.store(producer_turn(pos + capacity_), std::memory_order_release);
          return v;
        }
      } else if (diff < 0) {
        return std::nullopt;  // nothing published here yet: empty
      } else {
        pos = head_.load(std::memory_order_relaxed);
      }
    }
  }

  static constexpr std::uint64_t producer_turn(std::uint64_t pos) noexcept { return 2 * pos; }
  static constexpr std::uint64_t consumer_turn(std::uint64_t pos) noexcept { return 2 * pos + 1; }

  static void add_blocked(std::atomic<std::int64_t>& total, ChannelClock::time_point start) {
    // relaxed: a statistic.
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(ChannelClock::now() - start);
    total.fetch_add(ns.count(), std::memory_order_relaxed);
  }

  /// The number of cells, fixed at construction: the most items the channel
  /// holds. Any value >= 1 (not rounded to a power of two: `pos % capacity_`).
  const std::uint64_t capacity_;
  /// The ring itself, `capacity_` cells. Ticket `pos` uses cell
  /// `pos % capacity_`, lap after lap.
  std::unique_ptr<Cell[]> cells_;
  /// The next producer ticket: the number of sends ever claimed. Only grows,
  /// by CAS (64 bits never wrap in practice). On its own cache line: every
  /// sender writes it, no receiver does.
  alignas(kCacheLine) std::atomic<std::uint64_t> tail_{0};
  /// The next consumer ticket: the number of receives ever claimed. As
  /// `tail_`, for receivers. `tail_ - head_` is the number of items queued
  /// or being moved (a snapshot).
  alignas(kCacheLine) std::atomic<std::uint64_t> head_{0};
  /// Total nanoseconds senders spent parked on a full ring (statistics,
  /// relaxed). Off the tickets' lines: only parked senders write it.
  alignas(kCacheLine) std::atomic<std::int64_t> send_blocked_ns_{0};
  /// Total nanoseconds receivers spent parked on an empty ring (as above).
  std::atomic<std::int64_t> recv_blocked_ns_{0};
  /// Where senders park when the ring is full; notified after every receive
  /// (free when nobody sleeps) and when the last Receiver goes.
  EventCount not_full_;
  /// Where receivers park when the ring is empty; notified after every send
  /// and when the last Sender goes.
  EventCount not_empty_;
};

}  // namespace conc::detail
