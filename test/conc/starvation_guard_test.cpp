// StarvationGuard: when an oversubscribed pool's watchdog lets more workers
// run, driven tick by tick (no threads, no clocks).
#include <catch2/catch.hpp>

#include "conc/detail/starvation_guard.h"

using conc::detail::StarvationGuard;
using conc::detail::StarvationTick;

namespace {

constexpr StarvationTick kStarved{false, 0.0, true};  // nothing finished, no CPU used, work queued

// Feeds `ticks` identical ticks; returns the limit after the last.
std::size_t feed(StarvationGuard& g, const StarvationTick& t, int ticks, std::size_t limit, std::size_t awake) {
  for (int i = 0; i < ticks; ++i) limit = g.after_tick(t, limit, awake);
  return limit;
}

}  // namespace

TEST_CASE("starvation guard: a run of kTicksBeforeGrant starved ticks grants, each grant a new run") {
  StarvationGuard g(2, 16);
  const int n = StarvationGuard::kTicksBeforeGrant;
  REQUIRE(n >= 1);
  CHECK(feed(g, kStarved, n - 1, 2, 2) == 2);
  CHECK(g.after_tick(kStarved, 2, 2) == 4);  // the n-th: nothing used, so the room doubles
  // Each grant needs a new run of starved ticks.
  CHECK(feed(g, kStarved, n - 1, 4, 4) == 4);
  CHECK(g.after_tick(kStarved, 4, 4) == 8);
}

TEST_CASE("starvation guard: a tick with progress, busy cores or no work breaks the run") {
  const int n = StarvationGuard::kTicksBeforeGrant;
  const StarvationTick breakers[] = {
      {true, 0.0, true},   // a task finished
      {false, 1.6, true},  // the cores were used (long tasks)
      {false, 0.0, false}  // nothing queued any more
  };
  for (const auto& breaker : breakers) {
    StarvationGuard g(2, 16);
    CHECK(feed(g, kStarved, n - 1, 2, 2) == 2);
    CHECK(g.after_tick(breaker, 2, 2) == 2);
    CHECK(feed(g, kStarved, n - 1, 2, 2) == 2);  // counting starts again
    CHECK(g.after_tick(kStarved, 2, 2) == 4);
  }
  StarvationGuard g(2, 16);
  CHECK(feed(g, kStarved, n - 1, 2, 2) == 2);
  g.reset();
  CHECK(feed(g, kStarved, n - 1, 2, 2) == 2);
}

TEST_CASE("starvation guard: a grant adds the unused cores to the larger of the limit and the awake workers") {
  const int n = StarvationGuard::kTicksBeforeGrant;
  const StarvationTick half_used{false, 2.0, true};  // 4 cores, 2 used: 2 unused
  StarvationGuard g(4, 64);
  CHECK(feed(g, half_used, n, 4, 4) == 6);
  // Helpers came back: 9 awake over a limit of 6. The grant starts from 9,
  // never below the workers already awake.
  CHECK(feed(g, half_used, n, 6, 9) == 11);
  // Nothing used: doubles from the awake count.
  CHECK(feed(g, kStarved, n, 6, 9) == 18);
}

TEST_CASE("starvation guard: never more than the workers, never lower than the limit") {
  const int n = StarvationGuard::kTicksBeforeGrant;
  StarvationGuard g(1, 5);
  std::size_t limit = 1;
  for (int grant = 0; grant < 6; ++grant) {
    const std::size_t next = feed(g, kStarved, n, limit, limit);
    CHECK(next >= limit);
    limit = next;
  }
  CHECK(limit == 5);  // 1, 2, 4, then capped at 5
  CHECK(feed(g, kStarved, n, 5, 5) == 5);
}
