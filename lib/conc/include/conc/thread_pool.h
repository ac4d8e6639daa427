// conc/thread_pool.h: the classic pool, one shared FIFO queue.
#pragma once

#include <cstddef>
#include <deque>
#include <mutex>
#include <string_view>
#include <thread>

#include "conc/adaptive_mutex.h"
#include "conc/thread_annotations.h"
#include "conc/worker_pool.h"

namespace conc {

/// A pool of workers taking tasks from one mutex-protected FIFO queue.
///
/// The textbook design and the baseline the work-stealing pool is compared
/// with: simple and fair (tasks start in submission order), but every post
/// and every pop contends on one lock. Idle workers park (no spinning).
///
/// One exception to FIFO: a worker blocked in a TaskGroup wait helps by
/// running the newest task it posted itself (its own child, depth-first, as
/// a work-stealing owner would), and only when it has none, the oldest task.
/// Helping with whatever is newest instead nests other workers' small tasks
/// on the waiter's stack again and again, which in deep fork-join overflows
/// it.
class ThreadPool final : public WorkerPool {
 public:
  explicit ThreadPool(std::size_t threads = std::thread::hardware_concurrency());
  ~ThreadPool() override;

  void post(Task task) override;
  [[nodiscard]] std::string_view name() const noexcept override { return "pool"; }

 private:
  Task::Node* find_task(std::size_t self, bool nested) override;
  [[nodiscard]] bool has_visible_work() const override;

  struct Entry {
    Task::Node* task;
    int poster;  ///< the worker that posted it, or -1 for outside threads
  };

  mutable AdaptiveMutex mutex_;
  std::deque<Entry> queue_ GUARDED_BY(mutex_);
};

}  // namespace conc
