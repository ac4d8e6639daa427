#include "conc/worker_pool.h"

#include <time.h>

#include <algorithm>
#include <chrono>

#include "conc/detail/starvation_guard.h"

namespace conc {
namespace {

// Which pool, if any, the current thread works for, and its index there.
thread_local const WorkerPool* t_pool = nullptr;
thread_local int t_index = -1;

// Rounds of yielding re-checks before parking: in fork-join, work usually
// reappears within microseconds and a futex round trip costs more than that.
// Oversubscribed too, since only about one worker per core is awake to
// yield: there, each park and wake-up is also a chance for the wake-up to
// reach a cold worker instead of the one that just parked.
constexpr int kSpinRounds = 4;

// How often the watchdog of an oversubscribed pool looks at the CPU used
// while a wake-up is held back: often enough that a pool whose running
// workers all block (I/O, a child process) reaches more workers in a few
// milliseconds, rarely enough to cost nothing (a clock read per tick).
constexpr auto kWatchdogTick = std::chrono::milliseconds(4);

// CPU time used by every thread of the process so far.
std::chrono::nanoseconds process_cpu_time() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

}  // namespace

WorkerPool::WorkerPool(std::size_t threads, Workload workload)
    : counters_(std::max<std::size_t>(threads, 1)),
      cores_(available_cores()),
      capped_(workload == Workload::kCompute && counters_.size() > cores_),
      allowed_(capped_ ? cores_ : counters_.size()) {}

WorkerPool::~WorkerPool() = default;

std::uint64_t WorkerPool::tasks_finished() const noexcept {
  std::uint64_t n = 0;
  for (const auto& c : counters_) n += c.tasks_run.load(std::memory_order_relaxed);  // relaxed: a progress sign
  return n;
}

void WorkerPool::start() {
  threads_.reserve(counters_.size());
  for (std::size_t i = 0; i < counters_.size(); ++i) {
    threads_.emplace_back([this, i] { worker_main(i); });
  }
  if (capped_) watchdog_ = std::thread([this] { watchdog_main(); });
}

void WorkerPool::stop() {
  // The watchdog goes first, so it cannot lower the limit raised below.
  if (watchdog_.joinable()) {
    // seq_cst: the watchdog re-checks it after registering with starved_.
    watchdog_exit_.store(true, std::memory_order_seq_cst);
    starved_.notify_all();
    watchdog_.join();
  }
  // Every worker may run now: the queues drain before the workers exit,
  // whether or not the running ones are blocked. relaxed: idle_.notify_all()
  // below fences it before its check for sleepers, so a parking worker is
  // either woken or sees it in its seq_cst claim_awake (the Dekker pair).
  allowed_.store(counters_.size(), std::memory_order_relaxed);
  // seq_cst: a worker re-checks stopping_ after registering with idle_.
  stopping_.store(true, std::memory_order_seq_cst);
  idle_.notify_all();
  helpers_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

// A worker may run new work only while fewer than allowed_ are awake: an
// increment only below the limit, so racing workers never pass it.
bool WorkerPool::claim_awake() noexcept {
  // seq_cst: the waiter's half of a Dekker pair with stop() and the
  // watchdog, which raise the limit and then notify idle_ (after this
  // worker's seq_cst registration there): one of the two sees the other.
  const std::size_t limit = allowed_.load(std::memory_order_seq_cst);
  // seq_cst (both orders): the waiter's half of the Dekker pair, see leave_awake.
  std::size_t n = awake_.load(std::memory_order_seq_cst);
  while (n < limit) {
    if (awake_.compare_exchange_weak(n, n + 1, std::memory_order_seq_cst)) return true;
  }
  return false;
}

// seq_cst: pairs with wake_one's fenced load. Either the poster sees this
// decrement (and wakes a worker if that makes room), or this worker's
// re-check of the queues (after the RMW) sees the poster's task.
void WorkerPool::leave_awake() noexcept { awake_.fetch_sub(1, std::memory_order_seq_cst); }

// Parks until there is work this worker may run (true) or the pool stops
// with nothing left (false). Workers start here, parked: under a cap,
// workers still starting while the first tasks are posted must not all run
// them.
bool WorkerPool::await_work(std::size_t self) {
  for (;;) {
    const EventCount::Key key = idle_.prepare_wait();
    if (has_visible_work()) {
      if (claim_awake()) {
        idle_.cancel_wait();
        return true;
      }
      // At the limit: the awake workers take it when they finish, unless
      // they are blocked, which is the watchdog's to see.
      starved_.notify_one();
    } else if (stopping_.load(std::memory_order_seq_cst)) {  // seq_cst: pairs with stop()
      idle_.cancel_wait();
      return false;  // nothing visible and nothing more will be posted
    }
    counters_[self].park_begin();
    idle_.commit_wait(key);
    counters_[self].park_end();
  }
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
  while (await_work(self)) {
    for (;;) {
      if (try_run_one(self, false)) continue;
      bool found = false;
      for (int i = 0; i < kSpinRounds && !found; ++i) {
        std::this_thread::yield();
        found = try_run_one(self, false);
      }
      if (!found) break;
    }
    leave_awake();
  }
  t_pool = nullptr;
  t_index = -1;
}

void WorkerPool::watchdog_main() {
  for (;;) {
    const EventCount::Key key = starved_.prepare_wait();
    // seq_cst: pairs with stop(), as stopping_ does for the workers.
    if (watchdog_exit_.load(std::memory_order_seq_cst)) {
      starved_.cancel_wait();
      return;
    }
    if (has_visible_work()) {
      starved_.cancel_wait();
      watch_while_starved();
    } else {
      starved_.commit_wait(key);
    }
  }
}

// While work is queued, every tick is judged by a StarvationGuard (see
// there for when it grants more workers and how many); parked workers are
// woken to fill the room granted. Once nothing is queued the limit returns
// to the cores.
void WorkerPool::watch_while_starved() {
  detail::StarvationGuard guard(cores_, counters_.size());
  auto wall = std::chrono::steady_clock::now();
  auto cpu = process_cpu_time();
  std::uint64_t finished = tasks_finished();
  while (has_visible_work() && !watchdog_exit_.load(std::memory_order_relaxed)) {  // relaxed: polled each tick
    std::this_thread::sleep_for(kWatchdogTick);
    const auto wall_now = std::chrono::steady_clock::now();
    const auto cpu_now = process_cpu_time();
    const std::uint64_t finished_now = tasks_finished();
    detail::StarvationTick tick;
    tick.progress = finished_now != finished;
    tick.cores_used = std::chrono::duration<double>(cpu_now - cpu) / std::chrono::duration<double>(wall_now - wall);
    tick.work_queued = has_visible_work();
    wall = wall_now;
    cpu = cpu_now;
    finished = finished_now;
    // relaxed: only this thread (and stop(), after joining it) stores
    // allowed_, so this reads its own last store.
    const std::size_t limit = allowed_.load(std::memory_order_relaxed);
    // relaxed: an estimate of the room to fill; a worker that leaves or
    // joins meanwhile only changes how many of the wake-ups below find use.
    const std::size_t awake = awake_.load(std::memory_order_relaxed);
    const std::size_t granted = guard.after_tick(tick, limit, awake);
    if (granted == limit) continue;
    // relaxed: idle_.notify_one() below fences it before its check for
    // sleepers, so a parking worker is either woken or sees it in its
    // seq_cst claim_awake (as in stop()).
    allowed_.store(granted, std::memory_order_relaxed);
    for (std::size_t i = awake; i < granted; ++i) {
      if (!idle_.notify_one()) break;
    }
  }
  // relaxed: a lower limit needs no wake-up, and a worker that still sees
  // the old one runs a task it may run anyway. Workers over the cores park
  // when they next look for work.
  allowed_.store(cores_, std::memory_order_relaxed);
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
      if (spins++ < kSpinRounds) {  // the awaited task often ends within microseconds
        std::this_thread::yield();
        continue;
      }
      // A parked helper holds no core: it leaves awake_ (so another worker
      // may run) and returns to it unconditionally (it finishes its task).
      leave_awake();
      const EventCount::Key key = helpers_.prepare_wait();
      if (done() || has_visible_work()) {
        helpers_.cancel_wait();
        // relaxed: no data is published through the count, and an RMW loses
        // no count; a poster that misses this rise wakes a worker whose
        // claim_awake then fails: a wasted wake-up, never a lost one.
        awake_.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      helpers_.commit_wait(key);
      awake_.fetch_add(1, std::memory_order_relaxed);  // relaxed: as in the return above
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
