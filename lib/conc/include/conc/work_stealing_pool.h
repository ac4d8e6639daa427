// conc/work_stealing_pool.h: one Chase-Lev deque per worker, random stealing.
#pragma once

#include <atomic>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <random>
#include <string_view>
#include <thread>
#include <vector>

#include "conc/chase_lev_deque.h"
#include "conc/mutex.h"
#include "conc/thread_annotations.h"
#include "conc/worker_pool.h"

namespace conc {

/// A work-stealing pool.
///
/// Each worker owns a Chase-Lev deque: tasks a worker posts go to the bottom
/// of its own deque and it pops them LIFO (hot in cache, depth-first); an idle
/// worker first takes from the global injector queue (where threads outside
/// the pool post), then steals FIFO from the top of a randomly chosen victim's
/// deque (the oldest, usually biggest, piece of work). Idle workers park on an
/// event count and use no CPU; every post wakes one if any is parked.
class WorkStealingPool final : public WorkerPool {
 public:
  explicit WorkStealingPool(std::size_t threads = std::thread::hardware_concurrency());
  ~WorkStealingPool() override;

  void post(Task task) override;
  [[nodiscard]] std::string_view name() const noexcept override { return "steal"; }

 private:
  struct alignas(kCacheLine) Worker {
    ChaseLevDeque<Task::Node*> deque;
    std::minstd_rand rng;
    explicit Worker(unsigned seed) : rng(seed) {}
  };

  Task::Node* find_task(std::size_t self, bool nested) override;
  [[nodiscard]] bool has_visible_work() const override;
  Task::Node* pop_injector();

  std::vector<std::unique_ptr<Worker>> workers_;
  mutable Mutex injector_mutex_;
  std::deque<Task::Node*> injector_ GUARDED_BY(injector_mutex_);  ///< posts from outside threads, FIFO
  // Mirrors injector_.size() so workers can skip the lock when it is empty.
  std::atomic<std::size_t> injector_size_{0};
};

}  // namespace conc
