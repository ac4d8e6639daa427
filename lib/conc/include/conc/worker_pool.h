// conc/worker_pool.h: what ThreadPool and WorkStealingPool share.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <thread>
#include <vector>

#include "conc/event_count.h"
#include "conc/executor.h"
#include "conc/run_stats.h"
#include "conc/task.h"

namespace conc {

/// The machinery common to conc's pools: worker threads, per-worker counters,
/// parking idle workers on an EventCount (so an idle pool uses no CPU), and
/// waits that help. A subclass supplies only its queueing discipline through
/// `find_task` and `has_visible_work`, and calls `start()` at the end of its
/// constructor and `stop()` at the start of its destructor.
class WorkerPool : public Executor {
 public:
  [[nodiscard]] std::size_t concurrency() const noexcept final { return counters_.size(); }
  [[nodiscard]] int current_worker() const noexcept final;
  void wait_until(const std::function<bool()>& done) final;
  void notify_waiters() final;
  [[nodiscard]] std::vector<WorkerStats> worker_stats() const final;

 protected:
  explicit WorkerPool(std::size_t threads);
  ~WorkerPool() override;

  /// Pops the next task for worker `self`, or returns nullptr. `nested` is
  /// true when the worker is helping inside `wait_until`: it should then
  /// prefer the newest work (most likely what it waits for, and depth-first,
  /// which bounds how deep helping nests on the worker's stack).
  virtual Task::Node* find_task(std::size_t self, bool nested) = 0;
  /// True when some queue holds a task (used to re-check before parking).
  [[nodiscard]] virtual bool has_visible_work() const = 0;

  void start();
  void stop();
  /// Wakes one parked worker, preferring an idle one to one blocked in a
  /// helping wait; call after publishing a task.
  void wake_one() {
    if (!idle_.notify_one()) helpers_.notify_one();
  }
  WorkerCounters& counters(std::size_t worker) { return counters_[worker]; }

 private:
  void worker_main(std::size_t self);
  void run(std::size_t self, Task::Node* node);
  bool try_run_one(std::size_t self, bool nested);

  std::vector<WorkerCounters> counters_;
  const int spin_rounds_;  ///< yields before parking: 0 when oversubscribed
  // Three kinds of sleeper, so that each wake-up reaches only those who can
  // use it: new work wakes idle workers (or else helpers); a finished wait
  // condition wakes helpers and outsiders, never idle workers.
  EventCount idle_;       ///< workers with nothing to do
  EventCount helpers_;    ///< workers blocked in wait_until with nothing to run
  EventCount outsiders_;  ///< non-worker threads blocked in wait_until
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
};

}  // namespace conc
