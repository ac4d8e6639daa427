#include "conc/thread_pool.h"

#include <algorithm>
#include <stdexcept>

#include "conc/mutex.h"

namespace conc {

namespace {
std::uint64_t ring_mask(std::size_t capacity) {
  if (capacity == 0 || (capacity & (capacity - 1)) != 0) {
    throw std::invalid_argument("ThreadPool: the ring capacity must be a power of two");
  }
  return capacity - 1;
}
}  // namespace

ThreadPool::ThreadPool(std::size_t threads, std::size_t ring_capacity, Workload workload)
    : WorkerPool(threads, workload),
      mask_(ring_mask(ring_capacity)),
      cells_(std::make_unique<Cell[]>(ring_capacity)),
      recent_(concurrency()) {
  for (std::uint64_t i = 0; i <= mask_; ++i) {
    cells_[i].seq.store(producer_turn(i), std::memory_order_relaxed);  // relaxed: before any worker starts
  }
  start();
}

ThreadPool::~ThreadPool() {
  stop();  // workers drain the queue before they exit
  while (Task::Node* node = ring_pop()) (void)Task::adopt(node);
  LockGuard lock(overflow_mutex_);  // uncontended: the workers are gone
  for (const Entry& e : overflow_) (void)Task::adopt(e.task);
}

void ThreadPool::post(Task task) {
  Task::Node* node = task.release();
  const int poster = current_worker();
  // acquire: pairs with pop_overflow's release, so a post that reads 0 after
  // tasks were moved from the overflow into the ring takes a later ticket
  // (the order guarantee in the header). While the overflow holds tasks,
  // new ones queue behind them there.
  if (overflow_size_.load(std::memory_order_acquire) == 0) {
    std::uint64_t ticket = 0;
    if (ring_push(node, ticket)) {
      if (poster >= 0) {
        Recent& r = recent_[static_cast<std::size_t>(poster)];
        r.tickets[r.top % kRecent] = ticket;
        ++r.top;
        if (r.top - r.bottom > kRecent) r.bottom = r.top - kRecent;  // forget the oldest
      }
      wake_one();
      return;
    }
  }
  {
    LockGuard lock(overflow_mutex_);
    overflow_.push_back({node, poster});
    // seq_cst: parking workers re-check this after registering as sleepers.
    overflow_size_.store(overflow_.size(), std::memory_order_seq_cst);
  }
  wake_one();
}

bool ThreadPool::ring_push(Task::Node* node, std::uint64_t& ticket) {
  // relaxed: the ticket is a guess; the CAS below decides.
  std::uint64_t pos = tail_.load(std::memory_order_relaxed);
  for (;;) {
    Cell& cell = cells_[pos & mask_];
    // acquire: pairs with the consumer's release, so the cell is free.
    const std::uint64_t seq = cell.seq.load(std::memory_order_acquire);
    const auto diff = static_cast<std::int64_t>(seq - producer_turn(pos));
    if (diff == 0) {
      // relaxed: the cell's seq, not the ticket, publishes the task.
      if (tail_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
        // release: a helper may take the task by exchange without first
        // synchronising on this ticket's seq (see take_ticket).
        cell.node.store(node, std::memory_order_release);
        // release: the task is in place before a consumer may take it.
        cell.seq.store(consumer_turn(pos), std::memory_order_release);
        ticket = pos;
        return true;
      }
    } else if (diff < 0) {
      return false;  // the cell still holds last lap's task: full
    } else {
      pos = tail_.load(std::memory_order_relaxed);  // relaxed: another producer got it; retry
    }
  }
}

Task::Node* ThreadPool::ring_pop() {
  std::uint64_t pos = head_.load(std::memory_order_relaxed);  // relaxed: as in ring_push
  for (;;) {
    Cell& cell = cells_[pos & mask_];
    // acquire: pairs with the producer's release of seq.
    const std::uint64_t seq = cell.seq.load(std::memory_order_acquire);
    const auto diff = static_cast<std::int64_t>(seq - consumer_turn(pos));
    if (diff == 0) {
      if (head_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {  // relaxed: see ring_push
        // acquire: the task's contents (published by the producer's release).
        Task::Node* node = cell.node.exchange(nullptr, std::memory_order_acquire);
        // release: the cell is free for the producer one lap later.
        cell.seq.store(producer_turn(pos + mask_ + 1), std::memory_order_release);
        if (node != nullptr) return node;
        pos = head_.load(std::memory_order_relaxed);  // a helper took it: the next one
      }
    } else if (diff < 0) {
      return nullptr;  // nothing published here yet: empty
    } else {
      pos = head_.load(std::memory_order_relaxed);  // relaxed: another consumer got it; retry
    }
  }
}

Task::Node* ThreadPool::take_ticket(std::uint64_t ticket) {
  Cell& cell = cells_[ticket & mask_];
  // acquire: a cheap check that the ticket is still queued. If the cell moves
  // on between this and the exchange, the exchange may take a later ticket's
  // task instead: still each task exactly once (one exchange gets it), and
  // the release store in ring_push makes its contents visible.
  if (cell.seq.load(std::memory_order_acquire) != consumer_turn(ticket)) return nullptr;
  return cell.node.exchange(nullptr, std::memory_order_acquire);  // acquire: see ring_push
}

bool ThreadPool::ring_drained() const {
  // seq_cst: tail before head, and both after whatever the caller ordered
  // before (the overflow lock, or a sleeper's registration). A head at or
  // past the tail read first means every ticket up to it was claimed.
  const std::uint64_t tail = tail_.load(std::memory_order_seq_cst);
  return head_.load(std::memory_order_seq_cst) >= tail;
}

// The oldest task of the overflow, or with `own` >= 0 the newest that worker
// posted there among the newest kRecent (nullptr if none). Taking the oldest
// waits for the ring to drain (the ring's tasks are older) and then moves
// what fits of the rest into the ring, in order.
Task::Node* ThreadPool::pop_overflow(int own) {
  // relaxed: a hint to skip the lock; the lock orders the real access.
  if (overflow_size_.load(std::memory_order_relaxed) == 0) return nullptr;
  Task::Node* node = nullptr;
  std::size_t moved = 0;
  {
    LockGuard lock(overflow_mutex_);
    if (overflow_.empty()) return nullptr;
    if (own >= 0) {
      // Its own posts are at or near the back; a bounded look, not a scan.
      const std::size_t look = std::min(overflow_.size(), kRecent);
      for (std::size_t i = 1; i <= look; ++i) {
        const auto at = static_cast<std::ptrdiff_t>(overflow_.size() - i);
        if (overflow_[static_cast<std::size_t>(at)].poster == own) {
          node = overflow_[static_cast<std::size_t>(at)].task;
          overflow_.erase(overflow_.begin() + at);
          break;
        }
      }
      if (node == nullptr) return nullptr;  // none of its own
    } else {
      // Every task posted to the ring before one in the overflow (by
      // happens-before: its post then the overflow post then this lock) has
      // a ticket below the tail read here; take none of these until all
      // such tickets are claimed. If not, the head's producer has yet to
      // publish it, and notifies when it does.
      if (!ring_drained()) return nullptr;
      node = overflow_.front().task;
      overflow_.pop_front();
      // Hand the rest back to the ring, oldest first, while it has room:
      // posts find the overflow empty again and return to the lock-free path.
      // Posts that find it non-empty queue behind, under this lock.
      while (!overflow_.empty()) {
        std::uint64_t ticket = 0;
        if (!ring_push(overflow_.front().task, ticket)) break;  // full
        overflow_.pop_front();
        ++moved;
      }
    }
    // release: a post that reads the new size (acquire) sees the tickets
    // taken above, so its own is later. A parking worker's seq_cst re-check
    // may see a stale non-zero, which only costs it one more look.
    overflow_size_.store(overflow_.size(), std::memory_order_release);
  }
  // The moved tasks are published (seq stored): wake workers for them, as
  // post does, after the publication.
  const std::size_t wakes = std::min(moved, concurrency());
  for (std::size_t i = 0; i < wakes; ++i) wake_one();
  return node;
}
Task::Node* ThreadPool::find_task(std::size_t self, bool nested) {
  if (nested) {
    // Own newest posts first: the overflow's are newer than the ring's.
    if (Task::Node* node = pop_overflow(static_cast<int>(self))) return node;
    Recent& r = recent_[self];
    while (r.top > r.bottom) {
      --r.top;
      if (Task::Node* node = take_ticket(r.tickets[r.top % kRecent])) return node;
    }
  }
  if (Task::Node* node = ring_pop()) return node;
  return pop_overflow(-1);
}

// Only work find_task can take now counts: a ticket claimed but not yet
// published (its producer preempted between the tail CAS and the seq store)
// does not, or oversubscribed workers would spin on it until the producer
// runs again. No lost wake-up: every publication (a cell's seq in ring_push,
// the overflow's size in post, the moved tasks in pop_overflow) is followed
// by wake_one, whose seq_cst fence pairs with the sleeper's registration
// (EventCount, Dekker's pattern). If the fence comes first, the loads below
// (seq_cst, after the registration) see the publication; otherwise the
// notify sees the sleeper. Tasks published behind an unpublished head are
// reached once that producer publishes (and wakes a worker, which then pops
// them in turn).
bool ThreadPool::has_visible_work() const {
  // seq_cst (all loads): after the sleeper's registration, see above.
  const std::uint64_t tail = tail_.load(std::memory_order_seq_cst);
  const std::uint64_t head = head_.load(std::memory_order_seq_cst);
  if (head >= tail) return overflow_size_.load(std::memory_order_seq_cst) != 0;  // ring drained
  // The head's task is published (or taken by a helper: ring_pop then skips
  // the cell, still progress).
  return cells_[head & mask_].seq.load(std::memory_order_seq_cst) == consumer_turn(head);
}

}  // namespace conc
