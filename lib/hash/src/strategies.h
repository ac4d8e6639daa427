// hash/src/strategies.h: what the strategies of hash_jobs share.
#pragma once

#include <cstddef>
#include <exception>
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

/// The `channels` strategy (block_pipeline.cpp); `options.threads` is resolved (not 0).
conc::RunStats run_block_pipeline(std::span<const Job> jobs, const EngineOptions& options, std::stop_source& halt,
                                  common::ProgressBar* progress, const OutcomeSink& sink);

}  // namespace conc::hash::detail
