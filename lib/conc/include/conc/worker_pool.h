// conc/worker_pool.h: what ThreadPool and WorkStealingPool share.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

#include "conc/event_count.h"
#include "conc/executor.h"
#include "conc/run_stats.h"
#include "conc/task.h"
#include "conc/tsan.h"

namespace conc {

/// What a pool's tasks mostly do, which decides whether more workers than
/// cores may run at once.
enum class Workload {
  kCompute,   ///< they use the CPU: at most one awake worker per core (the cap below)
  kBlocking,  ///< they wait (on the network): every worker may run, -j transfers at once
};

/// The machinery common to conc's pools: worker threads, per-worker counters,
/// parking idle workers on an EventCount (so an idle pool uses no CPU), and
/// waits that help. A subclass supplies only its queueing discipline through
/// `find_task` and `has_visible_work`, and calls `start()` at the end of its
/// constructor and `stop()` at the start of its destructor.
///
/// Oversubscription. A pool with more workers than the cores the process
/// may run on (`-j 256` on one core) wakes no more workers for new work than
/// there are cores: the others stay parked, and the running ones take the
/// next task when they finish theirs. Every woken worker would only take time
/// slices from the others and build its own per-worker state (a table, a
/// buffer). Workers blocked in a task (waiting on I/O, a child process, a
/// latch) would then hold the cores' places while work waits, so a watchdog
/// thread, running only while a wake-up was held back, looks every few
/// milliseconds at the tasks finished and the CPU the process used, and lets
/// more workers run when the running ones look blocked
/// (detail::StarvationGuard has the rule).
///
/// Guarantee: while tasks are queued, if for StarvationGuard's number of
/// consecutive ticks (about 12 ms) no task finishes and the process leaves
/// at least half a core unused, more workers are allowed to run, and so on
/// while that lasts, up to all -j. So tasks that block (without using CPU) until
/// other queued tasks have run make progress whenever -j workers suffice for
/// them, as on a pool of -j threads without the cap.
///
/// Not guaranteed: blocked tasks that use CPU while they wait (spinning) look
/// busy, so no more than the cores' number of workers may be awake for them;
/// and, as on any pool of N threads, work that needs more than N tasks
/// running at once deadlocks. The watchdog reacts after milliseconds, not at
/// once.
///
/// A pool with no more workers than cores behaves as if none of this were
/// there (every post may wake a worker), and so does a pool made for
/// Workload::kBlocking.
class WorkerPool : public Executor {
 public:
  [[nodiscard]] std::size_t concurrency() const noexcept final { return counters_.size(); }
  [[nodiscard]] int current_worker() const noexcept final;
  void wait_until(const std::function<bool()>& done) final;
  void notify_waiters() final;
  [[nodiscard]] std::vector<WorkerStats> worker_stats() const final;

 protected:
  WorkerPool(std::size_t threads, Workload workload);
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
    // The poster's half of the Dekker pair on awake_ (see leave_awake): if
    // this load misses a worker's leaving, that worker's re-check after it
    // sees the task just published. relaxed on allowed_: a stale limit errs
    // harmlessly either way: too low hands the wake-up to the watchdog, too
    // high wakes a worker whose claim_awake then fails and parks again.
    if (capped_ && detail::fence_then_load(awake_) >= allowed_.load(std::memory_order_relaxed)) {
      starved_.notify_one();  // held back: the watchdog decides whether it must not be
      return;
    }
    if (!idle_.notify_one()) helpers_.notify_one();
  }
  WorkerCounters& counters(std::size_t worker) { return counters_[worker]; }

 private:
  void worker_main(std::size_t self);
  bool await_work(std::size_t self);
  bool claim_awake() noexcept;
  void leave_awake() noexcept;
  void watchdog_main();
  void watch_while_starved();
  [[nodiscard]] std::uint64_t tasks_finished() const noexcept;
  void run(std::size_t self, Task::Node* node);
  bool try_run_one(std::size_t self, bool nested);

  std::vector<WorkerCounters> counters_;
  const std::size_t cores_;  ///< available_cores() at construction
  const bool capped_;        ///< more workers than cores: wake-ups are limited
  /// Workers not parked (running tasks, looking for them, or helping).
  std::atomic<std::size_t> awake_{0};
  /// How many workers may be awake for new work: the cores, plus what the
  /// watchdog grants while cores go unused; every worker once stopping.
  std::atomic<std::size_t> allowed_;
  // Four kinds of sleeper, so that each wake-up reaches only those who can
  // use it: new work wakes idle workers (or else helpers), or the watchdog
  // when the cap holds the wake-up back; a finished wait condition wakes
  // helpers and outsiders, never idle workers.
  EventCount idle_;       ///< workers with nothing to do
  EventCount helpers_;    ///< workers blocked in wait_until with nothing to run
  EventCount outsiders_;  ///< non-worker threads blocked in wait_until
  EventCount starved_;    ///< the watchdog, until a wake-up is held back
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
  std::atomic<bool> watchdog_exit_{false};
  std::thread watchdog_;  ///< only when capped_
};

}  // namespace conc
