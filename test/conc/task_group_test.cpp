#include "conc/task_group.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <latch>
#include <stdexcept>
#include <stop_token>
#include <thread>
#include <utility>

#include "conc/thread_pool.h"
#include "conc/work_stealing_pool.h"
#include "test_error.h"

using namespace std::chrono_literals;

namespace {
// Naive recursive fork-join: every call forks one child and waits for it.
long fib(conc::Executor& ex, int n) {
  if (n < 2) return n;
  long a = 0;
  conc::TaskGroup g(ex);
  g.run([&] { a = fib(ex, n - 1); });
  const long b = fib(ex, n - 2);
  g.wait();
  return a + b;
}
}  // namespace

TEMPLATE_TEST_CASE("wait sees every task's effects", "[group]", conc::ThreadPool, conc::WorkStealingPool) {
  TestType pool(2);
  conc::TaskGroup g(pool);
  std::vector<int> out(1000, 0);
  for (int i = 0; i < 1000; ++i) g.run([&out, i] { out[static_cast<std::size_t>(i)] = i * 2; });
  g.wait();
  for (int i = 0; i < 1000; ++i) REQUIRE(out[static_cast<std::size_t>(i)] == i * 2);
}

TEMPLATE_TEST_CASE("captures are destroyed before wait returns", "[group]", conc::ThreadPool, conc::WorkStealingPool) {
  TestType pool(2);
  // A capture whose destructor writes to the caller's frame: it must have run
  // when wait() returns (ASan reports a use-after-scope otherwise).
  struct Marks {
    std::atomic<int>* destroyed;
    explicit Marks(std::atomic<int>& d) : destroyed(&d) {}
    Marks(Marks&& o) noexcept : destroyed(std::exchange(o.destroyed, nullptr)) {}
    Marks(const Marks&) = delete;
    ~Marks() {
      if (destroyed != nullptr) destroyed->fetch_add(1);
    }
  };
  for (int round = 0; round < 50; ++round) {
    std::atomic<int> destroyed{0};
    {
      conc::TaskGroup g(pool);
      for (int i = 0; i < 8; ++i) g.run([m = Marks(destroyed)] { (void)m; });
      g.wait();
      REQUIRE(destroyed.load() == 8);
    }
  }
}

TEMPLATE_TEST_CASE("a const capture is destroyed before wait returns too", "[group]", conc::ThreadPool,
                   conc::WorkStealingPool) {
  TestType pool(2);
  // A by-copy capture of a const object is a const member: moving the
  // callable copies it, so the moved-from callable still owns one. Its
  // destructor is slow, so a wait() that returned before it ran would see
  // the object still alive.
  struct Slow {
    std::atomic<int>* alive;
    explicit Slow(std::atomic<int>& a) : alive(&a) { alive->fetch_add(1); }
    Slow(const Slow& o) : alive(o.alive) { alive->fetch_add(1); }
    ~Slow() {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      alive->fetch_sub(1);
    }
  };
  std::atomic<int> alive{0};
  {
    const Slow slow(alive);
    conc::TaskGroup g(pool);
    for (int i = 0; i < 4; ++i) g.run([slow] { (void)slow; });
    g.wait();
    CHECK(alive.load() == 1);  // only `slow` itself
  }
  CHECK(alive.load() == 0);
}

TEMPLATE_TEST_CASE("nested fork-join cannot deadlock, even on one thread", "[group]", conc::ThreadPool,
                   conc::WorkStealingPool) {
  const std::size_t threads = GENERATE(1u, 2u);
  TestType pool(threads);
  CHECK(fib(pool, 18) == 2584);
  // From inside a worker, too.
  CHECK(pool.submit([&pool] { return fib(pool, 15); }).get() == 610);
}

TEMPLATE_TEST_CASE("wait rethrows the first exception and stops the rest", "[group]", conc::ThreadPool,
                   conc::WorkStealingPool) {
  TestType pool(1);  // one worker: tasks run in order, so the skip is certain
  conc::TaskGroup g(pool);
  std::atomic<int> ran{0};
  g.run([] { throw conc::test::TestError("first"); });
  for (int i = 0; i < 50; ++i) g.run([&ran] { ran.fetch_add(1); });
  CHECK_THROWS_WITH(g.wait(), "first");
  CHECK(ran.load() < 50);
  CHECK(g.stop_token().stop_requested());
}

// Two tasks throw in a known order: "second" has started (so the stop request
// cannot skip it) and waits until "first" has been recorded (recording it
// requests stop), then throws. wait() must rethrow "first", not the later one.
TEMPLATE_TEST_CASE("wait rethrows the exception thrown first, not the last", "[group]", conc::ThreadPool,
                   conc::WorkStealingPool) {
  const std::size_t threads = GENERATE(2u, 3u);
  for (int round = 0; round < 20; ++round) {
    TestType pool(threads);  // at least two workers: both tasks block, side by side
    conc::TaskGroup g(pool);
    std::latch second_started(1);
    g.run([&second_started](std::stop_token stop) {
      second_started.count_down();
      while (!stop.stop_requested()) std::this_thread::yield();
      throw conc::test::TestError("second");
    });
    g.run([&second_started] {
      second_started.wait();
      throw conc::test::TestError("first");
    });
    CHECK_THROWS_WITH(g.wait(), "first");
  }
}

TEMPLATE_TEST_CASE("running tasks see the stop request through their token", "[group]", conc::ThreadPool,
                   conc::WorkStealingPool) {
  TestType pool(2);
  conc::TaskGroup g(pool);
  std::atomic<bool> observed{false};
  // The failing task waits until the watcher runs: a task not yet started
  // when stop is requested is skipped, and would never observe anything.
  std::latch watcher_started(1);
  g.run([&observed, &watcher_started](std::stop_token st) {
    watcher_started.count_down();
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!st.stop_requested() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
    observed = st.stop_requested();
  });
  g.run([&watcher_started]() {
    watcher_started.wait();
    throw conc::test::TestError("second task fails");
  });
  CHECK_THROWS_AS(g.wait(), conc::test::TestError);
  CHECK(observed.load());
}

TEST_CASE("an exception in a nested group propagates through the outer one") {
  conc::WorkStealingPool pool(2);
  conc::TaskGroup outer(pool);
  outer.run([&pool] {
    conc::TaskGroup inner(pool);
    inner.run([] { throw conc::test::TestError("deep"); });
    inner.wait();
  });
  CHECK_THROWS_WITH(outer.wait(), "deep");
}

TEST_CASE("recursive fork-join of many tiny tasks completes on both pools", "[group][stress]") {
  conc::WorkStealingPool steal(2);
  conc::ThreadPool shared(2);
  CHECK(fib(steal, 22) == 17711);
  CHECK(fib(shared, 20) == 6765);
}
