// The strategies: each runs the jobs of one crawl level to their end.
#pragma once

#include <memory>
#include <span>
#include <stop_token>

#include "common/progress.h"
#include "conc/run_stats.h"
#include "crawl/crawl.h"
#include "crawl/host_schedule.h"
#include "crawl/transfer.h"
#include "job.h"

namespace conc::crawl::detail {

/// What a strategy is given to fetch with; outlives the runner.
struct RunnerContext {
  const Options& options;
  std::size_t transfers;  ///< -j: transfers in flight (pool: worker threads)
  HostSchedule& schedule;
  const CurlShare& share;
  const JobPolicy& policy;
  LinkGraph& graph;               ///< where parsed pages' links go
  common::ProgressBar* progress;  ///< may be null
};

/// Runs a level's jobs. Every strategy obeys the same host schedule, retry
/// policy and limits; only who waits on what differs.
class LevelRunner {
 public:
  virtual ~LevelRunner() = default;
  /// Runs every job and fills out[i] for jobs[i]. On a stop request it
  /// returns early; outcomes of jobs not done are then marked stopped.
  virtual void run(std::span<const Job> jobs, std::span<Outcome> out, const std::stop_token& stop) = 0;
  /// Adds the strategy's executor and channel counters to `stats`.
  virtual void add_stats(conc::RunStats& stats) const = 0;
};

std::unique_ptr<LevelRunner> make_seq_runner(const RunnerContext& context);
std::unique_ptr<LevelRunner> make_pool_runner(const RunnerContext& context);
std::unique_ptr<LevelRunner> make_multi_runner(const RunnerContext& context);
std::unique_ptr<LevelRunner> make_actor_runner(const RunnerContext& context);

/// An outcome for a job that never ran because the crawl stopped.
inline Outcome stopped_outcome() {
  Outcome out;
  out.response.stopped = true;
  out.response.error = "stopped";
  return out;
}

}  // namespace conc::crawl::detail
