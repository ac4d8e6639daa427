// conc/thread_pool.h: the classic pool, one shared FIFO queue.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string_view>
#include <thread>
#include <vector>

#include "conc/adaptive_mutex.h"
#include "conc/cache_line.h"
#include "conc/thread_annotations.h"
#include "conc/worker_pool.h"

namespace conc {

/// A pool of workers taking tasks from one shared FIFO queue.
///
/// The textbook design and the baseline the work-stealing pool is compared
/// with: simple and fair. Idle workers park (no spinning beyond a few yields,
/// none when oversubscribed).
///
/// The queue is a bounded lock-free multi-producer multi-consumer ring
/// (Vyukov's, as the bounded channel's) of `ring_capacity` tasks, so that a
/// post and a pop are a CAS each instead of a lock. When the ring is full,
/// tasks go to an overflow list behind a mutex, and new posts follow them
/// there while it is non-empty. Consumers take from the overflow only once
/// the ring is empty (every ticket handed out has been claimed); the consumer
/// that does so takes the oldest overflow task and moves as many of the rest
/// as fit into the ring, in order, under the lock, so the lock-free path
/// returns as soon as the overflow drains.
///
/// Order guarantee: if `post(a)` happens-before `post(b)` (for instance, both
/// from one thread), `a` is dequeued before `b`: a worker claims `a`'s ring
/// ticket, or removes `a` from the overflow, before it does `b`'s. Dequeued
/// is not started: with several workers `b` may start, or finish, first.
/// Posts not ordered by happens-before (racing posters) get no order among
/// themselves; in particular one that read the overflow as empty just before
/// another filled it may land in the ring ahead of the other's older task.
///
/// One exception to the order: a worker blocked in a TaskGroup wait helps by
/// running the newest task it posted itself (its own child, depth-first, as
/// a work-stealing owner would), and only when it has none, the oldest task.
/// Helping with whatever is newest instead nests other workers' small tasks
/// on the waiter's stack again and again, which in deep fork-join overflows
/// it. Each worker remembers the ring tickets of its last `kRecent` posts;
/// a helper takes its newest still-queued one straight out of its cell
/// (an exchange on the cell's task pointer: whoever gets it non-null, helper
/// or the consumer whose ticket it is, runs it, so each task runs once). If
/// the cell moved on a lap between the helper's check and its exchange, the
/// helper runs that later task instead, out of order but still exactly once.
/// In the overflow, a helper looks for its own task among the newest
/// `kRecent` entries only (tasks moved from the overflow into the ring are no
/// longer known as its own).
class ThreadPool final : public WorkerPool {
 public:
  /// Starts `threads` workers (at least one). `ring_capacity` is the number
  /// of cells of the lock-free ring, a power of two (each cell is 16 bytes);
  /// throws std::invalid_argument otherwise. `workload`: see WorkerPool.
  explicit ThreadPool(std::size_t threads = std::thread::hardware_concurrency(),
                      std::size_t ring_capacity = kDefaultRingCapacity, Workload workload = Workload::kCompute);
  ~ThreadPool() override;

  void post(Task task) override;
  [[nodiscard]] std::string_view name() const noexcept override { return "pool"; }
  /// The lock-free ring's number of cells.
  [[nodiscard]] std::size_t ring_capacity() const noexcept { return static_cast<std::size_t>(mask_ + 1); }

  static constexpr std::size_t kDefaultRingCapacity = std::size_t{1} << 16;  ///< 1 MiB of cells
  static constexpr std::size_t kRecent = 64;                                 ///< own posts a helper can find

 private:
  Task::Node* find_task(std::size_t self, bool nested) override;
  [[nodiscard]] bool has_visible_work() const override;

  /// One slot of the ring.
  struct Cell {
    /// Whose turn: 2*pos while empty, waiting for the producer of ticket
    /// `pos`; 2*pos+1 while it holds that producer's task, waiting for the
    /// consumer of ticket `pos`. Release by whoever finishes with the cell,
    /// acquire by whoever wants it next.
    std::atomic<std::uint64_t> seq{0};
    /// The task, or nullptr once taken (by its consumer, or by a helper
    /// that posted it). Stored with release, taken by exchange with acquire,
    /// so whoever takes it sees the task's contents.
    std::atomic<Task::Node*> node{nullptr};
  };
  /// A worker's last posts (ring tickets), newest last; owner only.
  struct alignas(kCacheLine) Recent {
    std::array<std::uint64_t, kRecent> tickets{};
    std::size_t top = 0;     ///< pushes minus pops, all time
    std::size_t bottom = 0;  ///< top - kRecent when older tickets were dropped
  };
  struct Entry {
    Task::Node* task;
    int poster;  ///< the worker that posted it, or -1 for outside threads
  };

  bool ring_push(Task::Node* node, std::uint64_t& ticket);
  Task::Node* ring_pop();
  Task::Node* take_ticket(std::uint64_t ticket);
  Task::Node* pop_overflow(int own) EXCLUDES(overflow_mutex_);
  /// True when every ticket handed out so far has been claimed by a consumer.
  [[nodiscard]] bool ring_drained() const;

  static constexpr std::uint64_t producer_turn(std::uint64_t pos) noexcept { return 2 * pos; }
  static constexpr std::uint64_t consumer_turn(std::uint64_t pos) noexcept { return 2 * pos + 1; }

  /// ring_capacity - 1; ticket `pos` uses cell `pos & mask_`.
  const std::uint64_t mask_;
  /// The ring, `ring_capacity` cells.
  std::unique_ptr<Cell[]> cells_;
  /// The next producer ticket (tasks ever put in the ring). Claimed by CAS.
  alignas(kCacheLine) std::atomic<std::uint64_t> tail_{0};
  /// The next consumer ticket. Claimed by CAS. `tail_ - head_` cells are
  /// queued (some possibly emptied already by helpers).
  alignas(kCacheLine) std::atomic<std::uint64_t> head_{0};
  /// Tasks posted while the ring was full or this was non-empty, FIFO.
  alignas(kCacheLine) mutable AdaptiveMutex overflow_mutex_;
  std::deque<Entry> overflow_ GUARDED_BY(overflow_mutex_);
  /// overflow_.size(), readable without the lock: posts and pops skip the
  /// lock while it is 0. Stored under the lock (seq_cst by posts, release by
  /// pops), loaded with acquire: a post that reads 0 sees the ring tickets of
  /// any overflow tasks moved there before, so its own ticket is later.
  std::atomic<std::size_t> overflow_size_{0};
  /// One per worker.
  std::vector<Recent> recent_;
};

}  // namespace conc
