// Task overhead: ThreadPool, WorkStealingPool and tbb::task_group on the same
// two jobs, each started on one of the pool's threads (for oneTBB:
// task_arena::execute, which makes the caller a participant):
// - PostWait: 100k empty tasks spawned into a task group, then wait;
// - ForkJoin: naive recursive fib(29), one fork per call: ~830k tiny tasks.
// PostWaitExternal is the same as PostWait from a thread outside the pool
// (conc only: every task crosses the injector / shared queue).
#include <benchmark/benchmark.h>
#include <tbb/global_control.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include "conc/task_group.h"
#include "conc/thread_pool.h"
#include "conc/work_stealing_pool.h"

namespace {

constexpr int kEmptyTasks = 100000;
constexpr int kFib = 29;

long conc_fib(conc::Executor& ex, int n) {
  if (n < 2) return n;
  long a = 0;
  conc::TaskGroup g(ex);
  g.run([&] { a = conc_fib(ex, n - 1); });
  const long b = conc_fib(ex, n - 2);
  g.wait();
  return a + b;
}

long tbb_fib(int n) {
  if (n < 2) return n;
  long a = 0;
  tbb::task_group g;
  g.run([&] { a = tbb_fib(n - 1); });
  const long b = tbb_fib(n - 2);
  g.wait();
  return a + b;
}

void post_and_wait(conc::Executor& ex) {
  conc::TaskGroup g(ex);
  for (int i = 0; i < kEmptyTasks; ++i) g.run([] {});
  g.wait();
}

template <class Pool>
void BM_PostWait(benchmark::State& state) {
  Pool pool(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) pool.submit([&pool] { post_and_wait(pool); }).get();
  state.SetItemsProcessed(state.iterations() * kEmptyTasks);
}

template <class Pool>
void BM_PostWaitExternal(benchmark::State& state) {
  Pool pool(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) post_and_wait(pool);
  state.SetItemsProcessed(state.iterations() * kEmptyTasks);
}

void BM_PostWait_Tbb(benchmark::State& state) {
  tbb::task_arena arena(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    arena.execute([] {
      tbb::task_group g;
      for (int i = 0; i < kEmptyTasks; ++i) g.run([] {});
      g.wait();
    });
  }
  state.SetItemsProcessed(state.iterations() * kEmptyTasks);
}

template <class Pool>
void BM_ForkJoin(benchmark::State& state) {
  Pool pool(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    auto f = pool.submit([&pool] { return conc_fib(pool, kFib); });
    benchmark::DoNotOptimize(f.get());
  }
}

void BM_ForkJoin_Tbb(benchmark::State& state) {
  tbb::task_arena arena(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    long r = 0;
    arena.execute([&r] { r = tbb_fib(kFib); });
    benchmark::DoNotOptimize(r);
  }
}

void Threads(benchmark::internal::Benchmark* b) {
  b->Arg(1)->Arg(2)->ArgName("threads")->UseRealTime()->Unit(benchmark::kMillisecond);
}

}  // namespace

BENCHMARK_TEMPLATE(BM_PostWait, conc::ThreadPool)->Apply(Threads);
BENCHMARK_TEMPLATE(BM_PostWait, conc::WorkStealingPool)->Apply(Threads);
BENCHMARK(BM_PostWait_Tbb)->Apply(Threads);
BENCHMARK_TEMPLATE(BM_PostWaitExternal, conc::ThreadPool)->Apply(Threads);
BENCHMARK_TEMPLATE(BM_PostWaitExternal, conc::WorkStealingPool)->Apply(Threads);
BENCHMARK_TEMPLATE(BM_ForkJoin, conc::ThreadPool)->Apply(Threads);
BENCHMARK_TEMPLATE(BM_ForkJoin, conc::WorkStealingPool)->Apply(Threads);
BENCHMARK(BM_ForkJoin_Tbb)->Apply(Threads);
