#include "conc/worker_pool.h"

#include <algorithm>

namespace conc {
namespace {

// Which pool, if any, the current thread works for, and its index there.
thread_local const WorkerPool* t_pool = nullptr;
thread_local int t_index = -1;

// Rounds of yielding re-checks before parking: in fork-join, work usually
// reappears within microseconds and a futex round trip costs more than that.
// Only when every worker can have a core: oversubscribed (more workers than
// the cores the process may use, as with -j 256 on one core), a yielding
// worker only takes time slices from the workers that have work.
constexpr int kSpinRounds = 4;

}  // namespace

WorkerPool::WorkerPool(std::size_t threads)
    : counters_(std::max<std::size_t>(threads, 1)),
      spin_rounds_(counters_.size() <= available_cores() ? kSpinRounds : 0) {}

WorkerPool::~WorkerPool() = default;

void WorkerPool::start() {
  threads_.reserve(counters_.size());
  for (std::size_t i = 0; i < counters_.size(); ++i) {
    threads_.emplace_back([this, i] { worker_main(i); });
  }
}

void WorkerPool::stop() {
  // seq_cst: a worker re-checks stopping_ after registering with idle_.
  stopping_.store(true, std::memory_order_seq_cst);
  idle_.notify_all();
  helpers_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

int WorkerPool::current_worker() const noexcept { return t_pool == this ? t_index : -1; }

void WorkerPool::run(std::size_t self, Task::Node* node) {
  Task task = Task::adopt(node);
  WorkerCounters& c = counters_[self];
  try {
    task();
  } catch (...) {
    // A posted task has nobody to report to; count it and keep the worker.
    WorkerCounters::bump(c.failed_tasks);
  }
  WorkerCounters::bump(c.tasks_run);
}

bool WorkerPool::try_run_one(std::size_t self, bool nested) {
  Task::Node* node = find_task(self, nested);
  if (node == nullptr) return false;
  run(self, node);
  return true;
}

void WorkerPool::worker_main(std::size_t self) {
  t_pool = this;
  t_index = static_cast<int>(self);
  for (;;) {
    if (try_run_one(self, false)) continue;
    bool found = false;
    for (int i = 0; i < spin_rounds_ && !found; ++i) {
      std::this_thread::yield();
      found = try_run_one(self, false);
    }
    if (found) continue;

    const EventCount::Key key = idle_.prepare_wait();
    if (has_visible_work()) {
      idle_.cancel_wait();
      continue;
    }
    // seq_cst: pairs with stop(); checked after registering as a sleeper.
    if (stopping_.load(std::memory_order_seq_cst)) {
      idle_.cancel_wait();
      break;  // nothing visible and nothing more will be posted
    }
    counters_[self].park_begin();
    idle_.commit_wait(key);
    counters_[self].park_end();
  }
  t_pool = nullptr;
  t_index = -1;
}

void WorkerPool::wait_until(const std::function<bool()>& done) {
  const int self = current_worker();
  if (self >= 0) {
    // A worker helps: it runs whatever is pending (its own spawned tasks
    // first), so a parent waiting for children it spawned cannot deadlock.
    const auto me = static_cast<std::size_t>(self);
    int spins = 0;
    while (!done()) {
      if (try_run_one(me, true)) {
        spins = 0;
        continue;
      }
      if (spins++ < spin_rounds_) {  // the awaited task often ends within microseconds
        std::this_thread::yield();
        continue;
      }
      const EventCount::Key key = helpers_.prepare_wait();
      if (done() || has_visible_work()) {
        helpers_.cancel_wait();
        continue;
      }
      helpers_.commit_wait(key);
    }
    return;
  }
  while (!done()) {
    const EventCount::Key key = outsiders_.prepare_wait();
    if (done()) {
      outsiders_.cancel_wait();
      return;
    }
    outsiders_.commit_wait(key);
  }
}

void WorkerPool::notify_waiters() {
  helpers_.notify_all();
  outsiders_.notify_all();
}

std::vector<WorkerStats> WorkerPool::worker_stats() const {
  std::vector<WorkerStats> out;
  out.reserve(counters_.size());
  for (const auto& c : counters_) out.push_back(c.snapshot());
  return out;
}

}  // namespace conc
