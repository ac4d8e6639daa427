// conc/detail/starvation_guard.h: when the watchdog of an oversubscribed
// pool lets more workers run than there are cores.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace conc::detail {

/// What the watchdog saw over one tick while a wake-up was held back.
struct StarvationTick {
  bool progress = false;    ///< some task finished during the tick
  double cores_used = 0.0;  ///< the process's CPU time over the tick's wall time
  bool work_queued = true;  ///< work still visible at the end of the tick
};

/// The watchdog's decision, kept free of clocks and threads so that tests
/// can drive it tick by tick.
///
/// A tick is starved when work is queued, no task finished and the process
/// left at least half a core unused: the awake workers are then blocked
/// (I/O, a child process, a latch), not busy. Either sign alone misleads:
/// long tasks finish nothing for a while yet use their cores, and other
/// processes take cores from workers that still finish tasks.
/// `kTicksBeforeGrant` starved ticks in a row grant more workers, and each
/// grant needs a new such run. It is 1: waiters that spin before they park
/// (channel receivers yield a while) make a blocked pool look busy most of
/// the time, and with 3 the grants came so rarely that a three-stage
/// pipeline at -j 3 on 2 cores ran past 300 s under TSan. The price of 1: on
/// a loaded machine a descheduled process can look starved for a tick and
/// lift the cap early, which costs the cap's benefit, never progress.
///
/// A grant adds to the larger of the limit and the workers already awake
/// (helpers return to awake unconditionally, so awake may exceed the limit):
/// never fewer than are awake, so a grant always makes room for a parked
/// worker. It adds the unused cores, rounded; when the process used almost
/// nothing (every awake worker blocked) it doubles instead, so a pool of
/// blocked tasks reaches all its workers in a few grants. Never more than
/// `workers`.
class StarvationGuard {
 public:
  static constexpr int kTicksBeforeGrant = 1;

  StarvationGuard(std::size_t cores, std::size_t workers) noexcept : cores_(cores), workers_(workers) {}

  /// The limit on awake workers after tick `t`, given the current `limit`
  /// and the workers `awake` now: `limit` itself when nothing is granted.
  std::size_t after_tick(const StarvationTick& t, std::size_t limit, std::size_t awake) noexcept {
    const double unused = static_cast<double>(cores_) - t.cores_used;
    if (t.progress || unused < 0.5 || !t.work_queued) {
      starved_ticks_ = 0;
      return limit;
    }
    if (++starved_ticks_ < kTicksBeforeGrant) return limit;
    starved_ticks_ = 0;
    const std::size_t base = std::max(limit, awake);
    const std::size_t more =
        t.cores_used < 0.25 ? std::max<std::size_t>(base, 1) : static_cast<std::size_t>(std::lround(unused));
    return std::max(limit, std::min(workers_, base + more));
  }

  /// Starts over (the queues emptied: the next wait begins a new watch).
  void reset() noexcept { starved_ticks_ = 0; }

 private:
  std::size_t cores_;
  std::size_t workers_;
  int starved_ticks_ = 0;
};

}  // namespace conc::detail
