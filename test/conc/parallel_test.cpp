#include "conc/parallel.h"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <mutex>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "conc/thread_pool.h"
#include "conc/work_stealing_pool.h"
#include "test_error.h"

TEMPLATE_TEST_CASE("parallel_for visits every index exactly once", "[parallel]", conc::ThreadPool,
                   conc::WorkStealingPool) {
  const std::size_t threads = GENERATE(1u, 2u, 3u);
  const std::size_t grain = GENERATE(1u, 7u, 1000u);
  TestType pool(threads);
  std::vector<std::atomic<int>> hits(10007);
  conc::parallel_for(pool, 0, hits.size(), grain, [&](std::size_t i) { hits[i].fetch_add(1); });
  int wrong = 0;
  for (auto& h : hits) wrong += h.load() != 1;
  CHECK(wrong == 0);
}

TEST_CASE("parallel_for hands out pieces no bigger than the grain") {
  conc::WorkStealingPool pool(2);
  std::atomic<std::size_t> covered{0};
  std::atomic<bool> too_big{false};
  conc::parallel_for(pool, 5, 1005, 64, [&](std::size_t lo, std::size_t hi) {
    if (hi - lo > 64 || lo < 5 || hi > 1005) too_big = true;
    covered.fetch_add(hi - lo);
  });
  CHECK_FALSE(too_big.load());
  CHECK(covered.load() == 1000);
  conc::parallel_for(pool, 3, 3, 1, [&](std::size_t) { too_big = true; });  // empty range
  CHECK_FALSE(too_big.load());
}

// Sweeps range sizes around multiples of the grain: every piece must be
// non-empty and at most `grain` long, and the pieces must tile [begin, end)
// exactly (no gap, no overlap). Halving never makes a piece shorter than
// grain/2 unless the whole range is.
TEMPLATE_TEST_CASE("parallel_for pieces tile the range, none longer than the grain", "[parallel]", conc::ThreadPool,
                   conc::WorkStealingPool) {
  TestType pool(2);
  for (const std::size_t grain : {1u, 2u, 3u, 8u, 64u}) {
    for (std::size_t k = 0; k <= 5; ++k) {
      for (const long delta : {-1L, 0L, 1L}) {
        const long size_signed = static_cast<long>(k * grain) + delta;
        if (size_signed <= 0) continue;
        const auto size = static_cast<std::size_t>(size_signed);
        const std::size_t begin = 10;
        const std::size_t end = begin + size;
        std::mutex m;
        std::vector<std::pair<std::size_t, std::size_t>> pieces;
        conc::parallel_for(pool, begin, end, grain, [&](std::size_t lo, std::size_t hi) {
          std::lock_guard lock(m);
          pieces.emplace_back(lo, hi);
        });
        std::sort(pieces.begin(), pieces.end());
        INFO("grain " << grain << ", size " << size);
        REQUIRE_FALSE(pieces.empty());
        CHECK(pieces.front().first == begin);
        CHECK(pieces.back().second == end);
        std::size_t expect_lo = begin;
        for (const auto& [lo, hi] : pieces) {
          INFO("piece [" << lo << ", " << hi << ")");
          CHECK(lo == expect_lo);
          CHECK(hi > lo);
          CHECK(hi - lo <= grain);
          CHECK(2 * (hi - lo) >= std::min(grain, size));
          expect_lo = hi;
        }
        CHECK(expect_lo == end);
      }
    }
  }
}

TEST_CASE("parallel_for rethrows a body's exception") {
  conc::ThreadPool pool(2);
  CHECK_THROWS_AS(conc::parallel_for(pool, 0, 100, 1,
                                     [](std::size_t i) {
                                       if (i == 42) throw conc::test::TestError("bad index");
                                     }),
                  conc::test::TestError);
}

TEMPLATE_TEST_CASE("map_reduce with per-worker state equals the sequential result", "[parallel]", conc::ThreadPool,
                   conc::WorkStealingPool) {
  const std::size_t threads = GENERATE(1u, 2u, 4u);
  TestType pool(threads);
  std::vector<std::string> words;
  for (int i = 0; i < 5000; ++i) words.push_back("w" + std::to_string(i % 97));

  using Counts = std::map<std::string, int>;
  Counts expected;
  for (const auto& w : words) ++expected[w];

  const Counts got = conc::map_reduce(
      pool, words, Counts{}, [](Counts& local, const std::string& w) { ++local[w]; },
      [](Counts& acc, Counts&& part) {
        for (auto& [k, v] : part) acc[k] += v;
      },
      16);
  CHECK(got == expected);

  const std::vector<int> none;
  CHECK(conc::map_reduce(
            pool, none, 5, [](int& a, int b) { a += b; }, [](int& a, int b) { a += b; }) == 5);
}

TEMPLATE_TEST_CASE("WorkerLocal: one value per worker, made on first use, read after the tasks", "[parallel]",
                   conc::ThreadPool, conc::WorkStealingPool) {
  const std::size_t threads = GENERATE(1u, 3u);
  TestType pool(threads);
  conc::WorkerLocal<std::vector<int>> locals(pool, std::vector<int>{-1});  // each value starts as a copy
  CHECK_THROWS_WITH(locals.local(), "WorkerLocal: called outside the executor's workers");
  std::size_t made = 0;
  locals.for_each([&](std::vector<int>&) { ++made; });
  CHECK(made == 0);  // nothing made before a worker asks

  conc::parallel_for(pool, 0, 1000, 7, [&](std::size_t i) { locals.local().push_back(static_cast<int>(i)); });
  std::vector<int> all;
  made = 0;
  std::as_const(locals).for_each([&](const std::vector<int>& v) {
    ++made;
    REQUIRE_FALSE(v.empty());
    CHECK(v.front() == -1);
    all.insert(all.end(), v.begin() + 1, v.end());
  });
  CHECK(made >= 1);
  CHECK(made <= threads);
  std::sort(all.begin(), all.end());
  std::vector<int> want(1000);
  std::iota(want.begin(), want.end(), 0);
  CHECK(all == want);  // every index folded once, into exactly one worker's value
}

TEMPLATE_TEST_CASE("map_reduce reduces only the workers that mapped, into a non-empty init", "[parallel]",
                   conc::ThreadPool, conc::WorkStealingPool) {
  TestType pool(4);
  const std::vector<int> one = {7};
  int reduces = 0;
  const int got = conc::map_reduce(
      pool, one, 100, [](int& local, int x) { local += x; },
      [&](int& acc, int&& part) {
        ++reduces;
        acc += part - 100;  // each local starts as a copy of init
      });
  CHECK(got == 107);
  CHECK(reduces == 1);  // one input: one worker made a local, the others none
}
