// conc/executor.h: the one interface every pool implements.
#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <future>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "conc/run_stats.h"
#include "conc/task.h"

namespace conc {

/// `requested` worker threads, or one per core when it is 0 (and at least
/// one: hardware_concurrency may not know).
inline std::size_t thread_count(std::size_t requested) noexcept {
  return requested != 0 ? requested : std::max<std::size_t>(1, std::thread::hardware_concurrency());
}

/// The number of cores this process may run on (its CPU affinity mask, as
/// `taskset` sets it), at least 1. `std::thread::hardware_concurrency` counts
/// every core of the machine instead.
[[nodiscard]] std::size_t available_cores() noexcept;

class Executor;
/// How many parts to cut a partitioned phase into (a merge by hash
/// partition, a sharded table): one per worker, but no more than the cores
/// the process may run on. Workers beyond the cores (`-j 256` on two) add no
/// parallelism, while each part costs a pass over shared data and memory.
[[nodiscard]] std::size_t useful_parallelism(const Executor& executor) noexcept;

/// Runs tasks on a fixed set of worker threads.
///
/// Guarantees shared by every implementation:
/// - A task that throws never kills a worker. Through `submit` the exception
///   reaches the future; a `post`ed task that throws is counted in
///   `WorkerStats::failed_tasks` (nobody waits for it).
/// - Everything a thread did before `post`/`submit` happens-before the task runs.
/// - The destructor runs every task already posted (and what those spawn),
///   then joins the workers: no future is left broken.
class Executor {
 public:
  Executor() = default;
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;
  virtual ~Executor() = default;

  /// Schedules `task` to run once on some worker.
  virtual void post(Task task) = 0;

  /// Schedules `f` and returns a future for its result or exception.
  template <class F>
  auto submit(F&& f) -> std::future<std::invoke_result_t<std::decay_t<F>&>> {
    using R = std::invoke_result_t<std::decay_t<F>&>;
    std::packaged_task<R()> job(std::forward<F>(f));
    auto result = job.get_future();
    post(Task(std::move(job)));
    return result;
  }

  /// Number of worker threads.
  [[nodiscard]] virtual std::size_t concurrency() const noexcept = 0;

  /// Index in [0, concurrency()) of the calling thread if it is one of this
  /// executor's workers, otherwise -1. Lets algorithms keep per-worker state.
  [[nodiscard]] virtual int current_worker() const noexcept = 0;

  /// Blocks until `done()` returns true. A worker of this executor runs other
  /// pending tasks meanwhile, so nested fork-join cannot deadlock even with a
  /// single worker; any other thread sleeps. Whoever makes `done()` true must
  /// then call `notify_waiters()`. `done` must be safe to call concurrently.
  virtual void wait_until(const std::function<bool()>& done) = 0;

  /// Wakes the threads blocked in `wait_until` so they re-check their
  /// condition.
  virtual void notify_waiters() = 0;

  /// A snapshot of every worker's counters.
  [[nodiscard]] virtual std::vector<WorkerStats> worker_stats() const = 0;

  /// The design's short name: "pool", "steal".
  [[nodiscard]] virtual std::string_view name() const noexcept = 0;
};

inline std::size_t useful_parallelism(const Executor& executor) noexcept {
  return std::max<std::size_t>(1, std::min(executor.concurrency(), available_cores()));
}

}  // namespace conc
