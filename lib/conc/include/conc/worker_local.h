// conc/worker_local.h: one value per worker of an executor (a combiner's state).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "conc/cache_line.h"
#include "conc/executor.h"

namespace conc {

/// One `T` per worker of an executor, for tasks that fold into per-worker
/// state with no synchronisation and merge the states at the end: the state
/// of `map_reduce`, and of any map-reduce whose inputs or merge do not fit
/// its one call (wordcount streams pieces it splits as it goes, and merges
/// its tables by hash partition in parallel).
///
/// `local()` is the calling worker's value, made on its first use. A worker
/// runs one task at a time, so its value needs no lock, as long as a task
/// does not wait on nested work of the same executor while it holds a
/// reference (a helping wait may run another task of this worker on the
/// same value). Each slot has its own cache line: workers' updates never
/// share one. Read the values (`for_each`) only after the tasks are done.
template <class T>
class WorkerLocal {
 public:
  /// Values start default-constructed (T need only be movable).
  explicit WorkerLocal(const Executor& executor)
      : executor_(executor), make_([] { return T{}; }), slots_(executor.concurrency()) {}
  /// Values start as copies of `init`.
  WorkerLocal(const Executor& executor, T init)
      : executor_(executor), make_([init = std::move(init)] { return init; }), slots_(executor.concurrency()) {}

  /// The calling worker's value. Throws std::logic_error when called from a
  /// thread that is not one of the executor's workers.
  T& local() {
    const int worker = executor_.current_worker();
    if (worker < 0) throw std::logic_error("WorkerLocal: called outside the executor's workers");
    auto& slot = slots_[static_cast<std::size_t>(worker)].value;
    if (!slot) slot.emplace(make_());
    return *slot;
  }

  /// Calls `f(value)` for each value made, in worker order.
  template <class F>
  void for_each(F&& f) {
    for (auto& s : slots_) {
      if (s.value) f(*s.value);
    }
  }
  template <class F>
  void for_each(F&& f) const {
    for (const auto& s : slots_) {
      if (s.value) f(*s.value);
    }
  }

 private:
  struct alignas(kCacheLine) Slot {
    std::optional<T> value;
  };
  const Executor& executor_;
  std::function<T()> make_;  ///< called once per worker, on its first `local()`
  std::vector<Slot> slots_;
};

}  // namespace conc
