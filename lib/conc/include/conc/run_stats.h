// conc/run_stats.h: counters that every worker and channel keeps, always on.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "conc/cache_line.h"

namespace conc {

/// A snapshot of one worker's counters.
struct WorkerStats {
  std::uint64_t tasks_run = 0;       ///< tasks this worker ran to completion (or exception)
  std::uint64_t steals = 0;          ///< tasks taken from another worker's deque
  std::uint64_t failed_tasks = 0;    ///< fire-and-forget tasks that threw
  std::chrono::nanoseconds idle{0};  ///< time spent parked with nothing to do
};

/// A snapshot of one channel's counters.
struct ChannelStats {
  std::size_t capacity = 0;  ///< 0 means unbounded
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  std::chrono::nanoseconds send_blocked{0};  ///< senders waiting for space
  std::chrono::nanoseconds recv_blocked{0};  ///< receivers waiting for items

  /// Folds in the counters of another channel of the same capacity (e.g.
  /// the same link in a parallel copy of a pipeline).
  void add(const ChannelStats& other) noexcept {
    sent += other.sent;
    received += other.received;
    send_blocked += other.send_blocked;
    recv_blocked += other.recv_blocked;
  }
};

/// The live counters of one worker. Written by that worker only, read by
/// anyone: every access is relaxed because the values are statistics, never
/// used to synchronise, and a report may be a moment out of date.
struct alignas(kCacheLine) WorkerCounters {
  std::atomic<std::uint64_t> tasks_run{0};
  std::atomic<std::uint64_t> steals{0};
  std::atomic<std::uint64_t> failed_tasks{0};
  std::atomic<std::int64_t> idle_ns{0};
  /// steady_clock time (ns) at which the worker parked, 0 while it runs, so
  /// a snapshot taken while workers sleep (the end of every run) counts the
  /// sleep in progress too.
  std::atomic<std::int64_t> parked_since_ns{0};

  /// Single-writer increment: a load and a store, no locked instruction.
  static void bump(std::atomic<std::uint64_t>& c, std::uint64_t by = 1) noexcept {
    c.store(c.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
  }
  static std::int64_t now_ns() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  /// Called by the worker around each park.
  void park_begin() noexcept { parked_since_ns.store(now_ns(), std::memory_order_relaxed); }
  void park_end() noexcept {
    const std::int64_t since = parked_since_ns.load(std::memory_order_relaxed);
    // Cleared before the total grows: a racing snapshot may undercount a
    // moment, never count the same sleep twice.
    parked_since_ns.store(0, std::memory_order_relaxed);
    idle_ns.store(idle_ns.load(std::memory_order_relaxed) + (now_ns() - since), std::memory_order_relaxed);
  }

  [[nodiscard]] WorkerStats snapshot() const noexcept {
    WorkerStats s;
    s.tasks_run = tasks_run.load(std::memory_order_relaxed);
    s.steals = steals.load(std::memory_order_relaxed);
    s.failed_tasks = failed_tasks.load(std::memory_order_relaxed);
    std::int64_t idle = idle_ns.load(std::memory_order_relaxed);
    const std::int64_t since = parked_since_ns.load(std::memory_order_relaxed);
    if (since != 0) idle += now_ns() - since;
    s.idle = std::chrono::nanoseconds(idle);
    return s;
  }
};

/// One stage of a pipeline (a group of threads, or a step every task runs),
/// for `--stats`: where the time went, so the bottleneck can be named.
struct StageStats {
  std::string name;
  std::size_t workers = 0;
  std::uint64_t items = 0;  ///< batches processed
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::chrono::nanoseconds busy{0};         ///< working, summed over the stage's workers
  std::chrono::nanoseconds wait_input{0};   ///< blocked waiting for input
  std::chrono::nanoseconds wait_output{0};  ///< blocked waiting for room downstream (backpressure)
  /// What the stage produced in its own unit (image stages: "pixel"), when
  /// bytes do not say it; 0 and "" elsewhere (not reported).
  std::uint64_t units = 0;
  std::string unit = {};

  /// Folds in the counters of another copy of this stage: its workers join
  /// this stage's, its times and counts add up.
  void add(const StageStats& other) noexcept {
    workers += other.workers;
    items += other.items;
    bytes_in += other.bytes_in;
    bytes_out += other.bytes_out;
    busy += other.busy;
    wait_input += other.wait_input;
    wait_output += other.wait_output;
    units += other.units;
  }
};

/// Everything `--stats` reports about one run: filled by the engine from its
/// executor's and channels' snapshots, rendered by lib/common.
struct RunStats {
  struct NamedChannel {
    std::string name;
    ChannelStats stats;
  };
  std::string executor;              ///< e.g. "steal", "pool", "seq"
  std::vector<WorkerStats> workers;  ///< one per worker thread
  std::vector<NamedChannel> channels;
  std::vector<StageStats> stages;  ///< pipelines only
  /// Engine-specific totals worth a report (e.g. read buffers allocated),
  /// in the order the engine gives them. Empty for most engines.
  struct NamedCount {
    std::string name;
    std::uint64_t value = 0;
  };
  std::vector<NamedCount> counts;
  std::uint64_t items = 0;  ///< what the engine processed (files, lines...)
  std::uint64_t bytes = 0;
  /// The work done in the engine's own unit, singular ("byte", "word",
  /// "line", "pixel", "page"), so a throughput means what a user of that
  /// command counts (`conc bench`). Empty unit: none reported.
  std::string work_unit;
  std::uint64_t work = 0;
};

}  // namespace conc
