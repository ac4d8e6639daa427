// conc/thread_pool.h: the classic pool, one shared FIFO queue.
#pragma once

#include <cstddef>
#include <deque>
#include <mutex>
#include <string_view>
#include <thread>

#include "conc/worker_pool.h"

namespace conc {

/// A pool of workers taking tasks from one mutex-protected FIFO queue.
///
/// The textbook design and the baseline the work-stealing pool is compared
/// with: simple and fair (tasks start in submission order), but every post
/// and every pop contends on one lock. Idle workers park (no spinning).
///
/// One exception to FIFO: a worker blocked in a TaskGroup wait helps by
/// taking the newest task instead of the oldest. Taking the oldest would run
/// the biggest unrelated subtrees nested on the waiter's stack, which in deep
/// fork-join overflows it; the newest is usually the waiter's own child.
class ThreadPool final : public WorkerPool {
 public:
  explicit ThreadPool(std::size_t threads = std::thread::hardware_concurrency());
  ~ThreadPool() override;

  void post(Task task) override;
  [[nodiscard]] std::string_view name() const noexcept override { return "pool"; }

 private:
  Task::Node* find_task(std::size_t self, bool nested) override;
  [[nodiscard]] bool has_visible_work() const override;

  mutable std::mutex mutex_;
  std::deque<Task::Node*> queue_;
};

}  // namespace conc
