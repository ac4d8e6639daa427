#include "conc/task_group.h"

namespace conc {

void TaskGroup::record(std::exception_ptr error) {
  {
    MutexLock lock(error_mutex_);
    if (!error_) error_ = std::move(error);
  }
  stop_.request_stop();
}

void TaskGroup::finish_one() {
  // Copy what we need first: once pending_ reaches zero the waiter may
  // return and destroy this group while we are still here.
  Executor& executor = executor_;
  // acq_rel: release publishes this task's effects to the waiter, acquire
  // makes the last finisher see the others' (the waiter acquires in wait).
  if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) executor.notify_waiters();
}

void TaskGroup::wait() {
  // acquire: pairs with finish_one's release so the tasks' writes are visible.
  executor_.wait_until([this] { return pending_.load(std::memory_order_acquire) == 0; });
  std::exception_ptr error;
  {
    MutexLock lock(error_mutex_);
    error = std::exchange(error_, nullptr);
  }
  if (error) std::rethrow_exception(error);
}

void TaskGroup::wait_quietly() noexcept {
  try {
    wait();
  } catch (...) {  // NOLINT(bugprone-empty-catch): documented: destructor swallows
  }
}

}  // namespace conc
