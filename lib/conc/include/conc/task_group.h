// conc/task_group.h: structured fork-join on any executor.
#pragma once

#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <optional>
#include <stop_token>
#include <type_traits>
#include <utility>

#include "conc/executor.h"
#include "conc/mutex.h"
#include "conc/thread_annotations.h"

namespace conc {

/// Runs tasks on an executor and waits for all of them.
///
///     TaskGroup group(pool);
///     for (auto& f : files) group.run([&f] { hash(f); });
///     group.wait();   // rethrows the first exception
///
/// Guarantees:
/// - `wait()` returns once every task run so far has finished and its
///   callable has been destroyed, and everything those tasks did (their
///   captures' destructors included) happens-before `wait()` returns.
/// - The first exception thrown by a task is kept; it also requests stop:
///   tasks that have not started yet are skipped, and running ones can watch
///   `stop_token()` (or take a `std::stop_token` parameter). `wait()` then
///   rethrows it. Later exceptions are dropped.
/// - A worker of the executor that calls `wait()` runs pending tasks instead
///   of blocking, so nested fork-join never deadlocks, even on one thread.
/// - Tasks may call `run()` on their own group (recursive splitting).
/// - The destructor waits too, but swallows an exception nobody collected:
///   call `wait()` to see it.
class TaskGroup {
 public:
  explicit TaskGroup(Executor& executor) : executor_(executor) {}
  TaskGroup(const TaskGroup&) = delete;
  TaskGroup& operator=(const TaskGroup&) = delete;
  ~TaskGroup() { wait_quietly(); }

  /// Schedules `f()` or `f(std::stop_token)` on the executor.
  template <class F>
  void run(F&& f) {
    // relaxed: the matching decrement is an RMW on the same counter, and the
    // task (posted below) is ordered after this by post's happens-before.
    pending_.fetch_add(1, std::memory_order_relaxed);
    executor_.post(Task([this, fn = std::optional<std::decay_t<F>>(std::forward<F>(f))]() mutable {
      if (!stop_.stop_requested()) {
        try {
          if constexpr (std::is_invocable_v<std::decay_t<F>&, std::stop_token>) {
            (*fn)(stop_.get_token());
          } else {
            (*fn)();
          }
        } catch (...) {
          record(std::current_exception());
        }
      }
      // The callable and its captures are destroyed before finish_one(): once
      // wait() returns, nothing of the task may still run (a capture's
      // destructor may touch the caller's stack). Destroyed in place, not
      // moved out: moving would only copy a const capture and leave it here.
      fn.reset();
      finish_one();
    }));
  }

  /// Waits for every task, then rethrows the first exception, if any.
  void wait();

  /// Asks running tasks to stop and skips those not yet started.
  void request_stop() noexcept { stop_.request_stop(); }
  [[nodiscard]] std::stop_token stop_token() const noexcept { return stop_.get_token(); }

 private:
  void record(std::exception_ptr error);
  void finish_one();
  void wait_quietly() noexcept;

  Executor& executor_;
  std::atomic<std::size_t> pending_{0};
  std::stop_source stop_;
  Mutex error_mutex_;
  std::exception_ptr error_ GUARDED_BY(error_mutex_);  ///< the first exception, until wait() takes it
};

}  // namespace conc
