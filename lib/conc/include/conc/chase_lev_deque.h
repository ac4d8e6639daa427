// conc/chase_lev_deque.h: the per-worker deque of the work-stealing pool.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <type_traits>
#include <vector>

#include "conc/cache_line.h"

namespace conc {

/// A Chase-Lev work-stealing deque, following Lê, Pop, Cohen and Zappa
/// Nardelli, "Correct and Efficient Work-Stealing for Weak Memory Models"
/// (PPoPP 2013).
///
/// One owner thread calls `push` and `pop` at the bottom (LIFO, for locality);
/// any number of thieves call `steal` at the top (FIFO, taking the oldest and
/// usually largest piece of work). `T` must be trivially copyable: slots are
/// atomics, so a thief reading a slot the owner is overwriting is not a race.
///
/// Every ordering is stated on the atomic operations themselves, with no
/// standalone fence, so the ThreadSanitizer build checks the very
/// instructions that ship (see conc/tsan.h).
///
/// Indices are signed 64-bit and only grow, so they never wrap in practice.
/// When the ring is full the owner copies it into one twice as large;
/// the old ring is retired, not freed, because a thief may still be reading
/// from it. Retired rings are freed with the deque.
template <class T>
class ChaseLevDeque {
  static_assert(std::is_trivially_copyable_v<T>, "slots are std::atomic<T>");

 public:
  explicit ChaseLevDeque(std::int64_t capacity = 256) {
    std::int64_t cap = 1;
    while (cap < capacity) cap <<= 1;
    rings_.push_back(std::make_unique<Ring>(cap));
    ring_.store(rings_.back().get(), std::memory_order_relaxed);
  }

  ChaseLevDeque(const ChaseLevDeque&) = delete;
  ChaseLevDeque& operator=(const ChaseLevDeque&) = delete;

  /// Owner only. Never fails: grows the ring when full.
  void push(T item) {
    // relaxed: only the owner writes bottom_.
    const std::int64_t b = bottom_.load(std::memory_order_relaxed);
    // acquire: pairs with thieves' CAS on top_, so slots they freed are reusable.
    const std::int64_t t = top_.load(std::memory_order_acquire);
    Ring* ring = ring_.load(std::memory_order_relaxed);  // relaxed: owner wrote it
    if (b - t > ring->capacity - 1) ring = grow(ring, t, b);
    ring->put(b, item);
    // release: publishes the slot (and a grown ring) to thieves that load
    // bottom_ (seq_cst, so acquire). The same mov on x86 as Taskflow's
    // release fence + relaxed store, and one TSan can check.
    bottom_.store(b + 1, std::memory_order_release);
  }

  /// Owner only. Takes the most recently pushed item, or nullopt when empty.
  std::optional<T> pop() {
    const std::int64_t b = bottom_.load(std::memory_order_relaxed) - 1;
    Ring* ring = ring_.load(std::memory_order_relaxed);
    // seq_cst store then seq_cst load: the reservation of slot b precedes the
    // read of top_ in the single total order, against a thief's seq_cst read
    // of top_ then bottom_ (so owner and thief cannot both miss each other;
    // the last item is then decided by the CAS on top_). This is the
    // store-load barrier the paper writes as a seq_cst fence; a seq_cst
    // store gives it itself (xchg on x86, stlr+ldar on AArch64).
    bottom_.store(b, std::memory_order_seq_cst);
    std::int64_t t = top_.load(std::memory_order_seq_cst);
    if (t > b) {  // was empty: undo the reservation
      // release: a thief that reads this value must also see the pushes
      // before it; a relaxed store would end push's release sequence (C++20:
      // only RMWs continue one). Free on x86 (a plain mov either way).
      bottom_.store(b + 1, std::memory_order_release);
      return std::nullopt;
    }
    T item = ring->get(b);
    if (t == b) {
      // The last item: race the thieves for it through top_.
      // seq_cst: total order with thieves' CAS; relaxed on failure (we give up).
      const bool won = top_.compare_exchange_strong(t, t + 1, std::memory_order_seq_cst, std::memory_order_relaxed);
      // release: as the restore above, so a thief reading it synchronises
      // with the pushes of the slots it may then take.
      bottom_.store(b + 1, std::memory_order_release);
      if (!won) return std::nullopt;
    }
    return item;
  }

  /// Any thread. Takes the oldest item, or nullopt when the deque is empty.
  /// A lost race with another thief or the owner is retried, never reported
  /// as empty: nullopt means the deque really was empty at some instant.
  std::optional<T> steal() {
    for (;;) {
      // seq_cst: this load precedes the load of bottom_ in the total order
      // (the paper's acquire load + seq_cst fence + acquire load; on x86 two
      // plain movs instead of an mfence). Acquire is included: slot t is
      // visible once bottom_ shows it (push's release).
      std::int64_t t = top_.load(std::memory_order_seq_cst);
      const std::int64_t b = bottom_.load(std::memory_order_seq_cst);
      if (t >= b) return std::nullopt;
      // acquire: pairs with grow's release so the ring's contents are visible.
      Ring* ring = ring_.load(std::memory_order_acquire);
      T item = ring->get(t);
      // seq_cst: total order with the owner's CAS in pop and other thieves.
      if (top_.compare_exchange_strong(t, t + 1, std::memory_order_seq_cst, std::memory_order_relaxed)) {
        return item;
      }
      // Lost the race: someone else took slot t; retry on the new top.
    }
  }

  /// Approximate number of items (exact when only the owner is active).
  [[nodiscard]] std::int64_t size() const noexcept {
    // seq_cst: callers use this to re-check for work after registering as a
    // sleeper (EventCount), which needs sequentially consistent loads.
    const std::int64_t b = bottom_.load(std::memory_order_seq_cst);
    const std::int64_t t = top_.load(std::memory_order_seq_cst);
    return b > t ? b - t : 0;
  }
  [[nodiscard]] bool empty() const noexcept { return size() == 0; }

  /// Current ring capacity (grows, never shrinks).
  [[nodiscard]] std::int64_t capacity() const noexcept {
    return ring_.load(std::memory_order_relaxed)->capacity;  // relaxed: a report
  }

 private:
  struct Ring {
    explicit Ring(std::int64_t cap)
        : capacity(cap), mask(cap - 1), slots(std::make_unique<std::atomic<T>[]>(static_cast<std::size_t>(cap))) {}
    // relaxed slot accesses: ordering comes from top_/bottom_ (see callers).
    void put(std::int64_t i, T v) noexcept {
      slots[static_cast<std::size_t>(i & mask)].store(v, std::memory_order_relaxed);
    }
    T get(std::int64_t i) const noexcept {
      return slots[static_cast<std::size_t>(i & mask)].load(std::memory_order_relaxed);
    }
    const std::int64_t capacity;
    const std::int64_t mask;
    std::unique_ptr<std::atomic<T>[]> slots;
  };

  Ring* grow(Ring* old, std::int64_t t, std::int64_t b) {
    auto bigger = std::make_unique<Ring>(old->capacity * 2);
    for (std::int64_t i = t; i < b; ++i) bigger->put(i, old->get(i));
    Ring* fresh = bigger.get();
    rings_.push_back(std::move(bigger));  // the old ring stays alive for thieves
    // release: thieves that acquire ring_ see the copied slots.
    ring_.store(fresh, std::memory_order_release);
    return fresh;
  }

  alignas(kCacheLine) std::atomic<std::int64_t> top_{0};
  alignas(kCacheLine) std::atomic<std::int64_t> bottom_{0};
  alignas(kCacheLine) std::atomic<Ring*> ring_{nullptr};
  std::vector<std::unique_ptr<Ring>> rings_;  // owner only: current and retired rings
};

}  // namespace conc
