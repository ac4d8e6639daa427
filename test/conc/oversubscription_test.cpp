// Pools with more workers than cores (-j 256 on one core): wake-ups are
// limited to the cores, and a watchdog lets more workers run when the
// running ones block, so blocked tasks still reach all the workers (what
// exactly is guaranteed: worker_pool.h).
#include <sched.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <latch>
#include <thread>
#include <vector>

#include "conc/parallel.h"
#include "conc/task_group.h"
#include "conc/thread_pool.h"
#include "conc/work_stealing_pool.h"

using namespace std::chrono_literals;

namespace {

// Pins the calling thread to one core of its affinity mask while alive, as
// `taskset -c N` would pin the process. Threads started meanwhile (a pool's
// workers) inherit the mask, and conc::available_cores() reads 1.
class PinnedToOneCore {
 public:
  PinnedToOneCore() {
    REQUIRE(sched_getaffinity(0, sizeof(old_), &old_) == 0);
    cpu_set_t one;
    CPU_ZERO(&one);
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (CPU_ISSET(cpu, &old_)) {
        CPU_SET(cpu, &one);
        break;
      }
    }
    REQUIRE(sched_setaffinity(0, sizeof(one), &one) == 0);
  }
  ~PinnedToOneCore() { sched_setaffinity(0, sizeof(old_), &old_); }
  PinnedToOneCore(const PinnedToOneCore&) = delete;
  PinnedToOneCore& operator=(const PinnedToOneCore&) = delete;

 private:
  cpu_set_t old_{};
};

// Waits for `done` or gives up after a minute: a deadlocked pool would hang
// the test (and its destructor) forever, so report and end the process.
void await_or_abort(std::latch& done, const char* what) {
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (!done.try_wait()) {
    if (std::chrono::steady_clock::now() > deadline) {
      FAIL_CHECK(what);
      std::_Exit(1);
    }
    std::this_thread::sleep_for(1ms);
  }
}

}  // namespace

TEMPLATE_TEST_CASE("an oversubscribed pool runs every task once, on few of its workers", "[pool][oversubscribed]",
                   conc::ThreadPool, conc::WorkStealingPool) {
  const PinnedToOneCore pinned;
  REQUIRE(conc::available_cores() == 1);
  constexpr int kWorkers = 64;
  constexpr int kTasks = 4000;
  std::vector<std::atomic<int>> runs(kTasks);
  std::vector<conc::WorkerStats> stats;
  {
    TestType pool(kWorkers);
    for (int i = 0; i < kTasks; ++i) {
      pool.post([&runs, i] { runs[static_cast<std::size_t>(i)].fetch_add(1, std::memory_order_relaxed); });
    }
    pool.submit([] {}).get();
    stats = pool.worker_stats();
  }
  int wrong = 0;
  for (auto& r : runs) wrong += r.load() != 1;
  CHECK(wrong == 0);
  // Every post used to wake a parked worker, so nearly all 64 ran tasks
  // (each then building its own per-worker state). Now one core's worth
  // runs them; the watchdog may add a few when the core is taken by other
  // processes meanwhile, far from 64.
  int ran_tasks = 0;
  for (const auto& s : stats) ran_tasks += s.tasks_run > 0;
  CHECK(ran_tasks >= 1);
  CHECK(ran_tasks <= kWorkers / 4);
}

// The case the watchdog is for: every task blocks until all of them have
// started, so it needs all the workers running at once, on one core whose
// wake-up limit is one. Without the watchdog the first task blocks forever.
TEMPLATE_TEST_CASE("an oversubscribed pool whose tasks block reaches all its workers", "[pool][oversubscribed]",
                   conc::ThreadPool, conc::WorkStealingPool) {
  const PinnedToOneCore pinned;
  const int workers = GENERATE(2, 8, 48);
  std::latch all_started(workers);
  std::latch done(workers);
  TestType pool(static_cast<std::size_t>(workers));
  for (int i = 0; i < workers; ++i) {
    pool.post([&] {
      all_started.arrive_and_wait();
      done.count_down();
    });
  }
  await_or_abort(done, "blocked tasks never all ran: the pool kept its parked workers parked");
  CHECK(done.try_wait());
}

// Fork-join (tasks that spawn tasks and help while they wait) on an
// oversubscribed pool: helpers that park leave room for others to run.
TEMPLATE_TEST_CASE("fork-join on an oversubscribed pool", "[pool][oversubscribed]", conc::ThreadPool,
                   conc::WorkStealingPool) {
  const PinnedToOneCore pinned;
  TestType pool(32);
  constexpr std::size_t kN = 100000;
  std::vector<std::atomic<int>> seen(kN);
  conc::parallel_for(pool, 0, kN, 64, [&](std::size_t i) { seen[i].fetch_add(1, std::memory_order_relaxed); });
  int wrong = 0;
  for (auto& s : seen) wrong += s.load() != 1;
  CHECK(wrong == 0);

  std::atomic<int> leaves{0};
  std::function<void(int)> tree = [&](int depth) {
    if (depth == 0) {
      leaves.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    conc::TaskGroup group(pool);
    group.run([&, depth] { tree(depth - 1); });
    group.run([&, depth] { tree(depth - 1); });
    group.wait();
  };
  pool.submit([&] { tree(10); }).get();
  CHECK(leaves.load() == 1024);
}

TEST_CASE("a pool made for blocking work runs every worker at once, even past the cores") {
  PinnedToOneCore pinned;
  // Tasks that sleep 1 ms keep finishing, so a compute pool never looks
  // starved and keeps its one awake worker; a blocking one spreads them.
  const auto workers_used = [](conc::Workload workload) {
    conc::ThreadPool pool(8, conc::ThreadPool::kDefaultRingCapacity, workload);
    std::latch done(64);
    for (int i = 0; i < 64; ++i) {
      pool.post([&done] {
        std::this_thread::sleep_for(1ms);
        done.count_down();
      });
    }
    await_or_abort(done, "64 sleeping tasks never finished");
    std::size_t used = 0;
    for (const auto& w : pool.worker_stats()) used += w.tasks_run > 0 ? 1 : 0;
    return used;
  };
  const std::size_t blocking = workers_used(conc::Workload::kBlocking);
  const std::size_t compute = workers_used(conc::Workload::kCompute);
  CHECK(blocking >= 4);
  CHECK(compute < blocking);
}
