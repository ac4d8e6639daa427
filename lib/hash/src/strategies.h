// hash/src/strategies.h: what the strategies of hash_jobs share.
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <optional>
#include <span>
#include <stop_token>
#include <utility>
#include <vector>

#include "conc/channel.h"
#include "hash/hash_jobs.h"
#include "in_order.h"

namespace conc::hash::detail {

using Indexed = std::pair<std::size_t, Outcome>;

/// A block-sized buffer owned by the calling thread, reused for every file it hashes.
std::span<char> thread_buffer(std::size_t size);

/// Receives outcomes until every sender is gone, passing them to `sink` in
/// job order. If the sink throws, requests `halt` (so workers stop), keeps
/// draining, then rethrows. After `halt` is requested nothing more is passed.
void deliver_in_order(Receiver<Indexed>& results, const OutcomeSink& sink, std::stop_source& halt);

/// A job a worker has claimed: its place in the order and its description,
/// which stays alive until its outcome is delivered.
struct Claim {
  std::size_t index = 0;
  const Job* job = nullptr;
};

/// Hands out the next job, in order, or nullopt when there are no more.
/// Called by many threads at once.
using ClaimJob = std::function<std::optional<Claim>()>;

/// The `channels` strategy (block_pipeline.cpp); `options.threads` is resolved (not 0).
conc::RunStats run_block_pipeline(std::span<const Job> jobs, const EngineOptions& options, std::stop_source& halt,
                                  common::ProgressBar* progress, const OutcomeSink& sink);

/// The `channels` strategy for jobs that arrive over time (job_stream.cpp):
/// `options.threads` readers claim jobs through `claim` until it returns
/// nullopt, and every outcome goes to `out`. Runs `deliver` on the calling
/// thread meanwhile, then joins the threads and returns their counters; an
/// exception from `deliver` is rethrown after the join.
conc::RunStats stream_block_pipeline(const ClaimJob& claim, const EngineOptions& options, const std::stop_token& stop,
                                     common::ProgressBar* progress, Sender<Indexed> out,
                                     const std::function<void()>& deliver);

}  // namespace conc::hash::detail
