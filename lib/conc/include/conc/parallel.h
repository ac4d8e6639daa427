// conc/parallel.h: parallel_for and map_reduce over any executor.
#pragma once

#include <cstddef>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "conc/executor.h"
#include "conc/task_group.h"
#include "conc/worker_local.h"

namespace conc {

/// Calls `f` over [begin, end) split into pieces of at most `grain` indices.
///
/// `f` is either `f(std::size_t i)` (called once per index) or
/// `f(std::size_t lo, std::size_t hi)` (called once per piece). The range is
/// split recursively in halves, each half a task, so a work-stealing pool
/// balances it by stealing the biggest remaining halves and a shared-queue
/// pool sees O(n / grain) tasks. Returns when every index is done; rethrows
/// the first exception (the remaining pieces are skipped).
template <class F>
void parallel_for(Executor& executor, std::size_t begin, std::size_t end, std::size_t grain, F&& f) {
  if (begin >= end) return;
  if (grain == 0) grain = 1;
  auto body = [&f](std::size_t lo, std::size_t hi) {
    if constexpr (std::is_invocable_v<F&, std::size_t, std::size_t>) {
      f(lo, hi);
    } else {
      for (std::size_t i = lo; i < hi; ++i) f(i);
    }
  };
  TaskGroup group(executor);
  // Splits [lo, hi): hands the upper half to the group, keeps the lower.
  struct Splitter {
    TaskGroup& group;
    decltype(body)& leaf;
    std::size_t grain;
    void operator()(std::size_t lo, std::size_t hi) const {
      while (hi - lo > grain) {
        const std::size_t mid = lo + (hi - lo) / 2;
        group.run([self = *this, mid, hi] { self(mid, hi); });
        hi = mid;
      }
      leaf(lo, hi);
    }
  };
  const Splitter split{group, body, grain};
  group.run([split, begin, end] { split(begin, end); });
  group.wait();
}

/// Map-reduce with per-worker local state (a combiner per worker).
///
/// Each worker gets its own `Local` (a `WorkerLocal`), a copy of `init`, made on first use; `map(local, item)`
/// folds inputs into it with no synchronisation; at the end `reduce(acc,
/// std::move(local))` merges the workers' states one by one, on the calling
/// thread, into `init`, which is returned. `inputs` is any random-access
/// range; `grain` inputs make one task.
///
/// The same worker never runs two `map` calls at once unless `map` itself
/// waits on nested parallel work of this executor (a helping wait may then run
/// another of this call's items on the same Local): keep `map` flat.
template <class Inputs, class Local, class Map, class Reduce>
Local map_reduce(Executor& executor, const Inputs& inputs, Local init, Map&& map, Reduce&& reduce,
                 std::size_t grain = 1) {
  WorkerLocal<Local> locals(executor, init);
  const auto first = std::begin(inputs);
  const auto n = static_cast<std::size_t>(std::distance(first, std::end(inputs)));
  parallel_for(executor, 0, n, grain, [&](std::size_t lo, std::size_t hi) {
    Local& local = locals.local();
    for (std::size_t i = lo; i < hi; ++i) map(local, first[static_cast<std::ptrdiff_t>(i)]);
  });
  locals.for_each([&](Local& local) { reduce(init, std::move(local)); });
  return init;
}

}  // namespace conc
