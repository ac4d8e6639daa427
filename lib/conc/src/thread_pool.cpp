#include "conc/thread_pool.h"

#include <iterator>

#include "conc/mutex.h"

namespace conc {

namespace {
constexpr std::uint64_t kMask = ThreadPool::kRingCapacity - 1;
static_assert((ThreadPool::kRingCapacity & kMask) == 0, "the ring's capacity is a power of two");
}  // namespace

ThreadPool::ThreadPool(std::size_t threads)
    : WorkerPool(threads), cells_(std::make_unique<Cell[]>(kRingCapacity)), recent_(concurrency()) {
  for (std::uint64_t i = 0; i < kRingCapacity; ++i) {
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
  // relaxed: a hint; while the overflow holds tasks, new ones queue behind
  // them there (FIFO). A stale 0 only lets one task into the ring early.
  if (overflow_size_.load(std::memory_order_relaxed) == 0) {
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
    Cell& cell = cells_[pos & kMask];
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
    Cell& cell = cells_[pos & kMask];
    // acquire: pairs with the producer's release of seq.
    const std::uint64_t seq = cell.seq.load(std::memory_order_acquire);
    const auto diff = static_cast<std::int64_t>(seq - consumer_turn(pos));
    if (diff == 0) {
      if (head_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {  // relaxed: see ring_push
        // acquire: the task's contents (published by the producer's release).
        Task::Node* node = cell.node.exchange(nullptr, std::memory_order_acquire);
        // release: the cell is free for the producer one lap later.
        cell.seq.store(producer_turn(pos + kRingCapacity), std::memory_order_release);
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
  Cell& cell = cells_[ticket & kMask];
  // acquire: a cheap check that the ticket is still queued. If the cell moves
  // on between this and the exchange, the exchange may take a later ticket's
  // task instead: still each task exactly once (one exchange gets it), and
  // the release store in ring_push makes its contents visible.
  if (cell.seq.load(std::memory_order_acquire) != consumer_turn(ticket)) return nullptr;
  return cell.node.exchange(nullptr, std::memory_order_acquire);  // acquire: see ring_push
}

// The oldest task of the overflow, or with `own` >= 0 the newest that worker
// posted there (nullptr if none).
Task::Node* ThreadPool::pop_overflow(int own) {
  // relaxed: a hint to skip the lock; the lock orders the real access.
  if (overflow_size_.load(std::memory_order_relaxed) == 0) return nullptr;
  LockGuard lock(overflow_mutex_);
  if (overflow_.empty()) return nullptr;
  Task::Node* node = nullptr;
  if (own >= 0) {
    // The newest task this worker posted; usually at or near the back.
    for (auto it = overflow_.rbegin(); it != overflow_.rend(); ++it) {
      if (it->poster == own) {
        node = it->task;
        overflow_.erase(std::next(it).base());
        break;
      }
    }
  }
  if (own >= 0 && node == nullptr) return nullptr;  // none of its own
  if (node == nullptr) {
    node = overflow_.front().task;
    overflow_.pop_front();
  }
  // relaxed: under the lock, which orders it for lock takers; a parking
  // worker's seq_cst re-check may see a stale non-zero, which only costs it
  // one more look.
  overflow_size_.store(overflow_.size(), std::memory_order_relaxed);
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

bool ThreadPool::has_visible_work() const {
  // seq_cst: called after registering as a sleeper (EventCount), against the
  // poster's publication then notify (Dekker's pattern).
  if (overflow_size_.load(std::memory_order_seq_cst) != 0) return true;
  return head_.load(std::memory_order_seq_cst) != tail_.load(std::memory_order_seq_cst);
}

}  // namespace conc
