// hash/src/job_stream.h: hashing jobs that arrive one by one (the lines of a
// check file), a bounded number in flight, handed back in arrival order.
#pragma once

#include <any>
#include <cstddef>
#include <functional>
#include <optional>
#include <stop_token>

#include "common/progress.h"
#include "conc/channel.h"
#include "conc/run_stats.h"
#include "hash/hash_jobs.h"

namespace conc::hash::detail {

/// One entry of a stream: a job to hash, or none (an entry that only holds
/// its place in the order, such as a warning between two verdicts), with
/// the caller's data, handed back untouched.
struct StreamEntry {
  std::optional<Job> job;
  std::any data;
};

/// Receives each entry with its outcome (an empty one for an entry without
/// a job), on the calling thread, in arrival order.
using EntrySink = std::function<void(StreamEntry& entry, Outcome&& outcome)>;

/// The most entries in flight per thread: read from `entries` and not yet
/// handed to the sink. Enough to keep every worker busy while the next
/// lines are read; few enough that an endless stream stays small.
inline constexpr std::size_t kStreamWindowPerThread = 4;

/// Hashes the jobs of `entries` as they arrive, with `options`' strategy,
/// and hands every entry to `sink` in arrival order, each as soon as it and
/// all before it are done. At most `kStreamWindowPerThread` x threads entries
/// are in flight: past that, `entries` is not read, so its producer waits.
/// Standard input is read by whichever jobs say so: the producer marks a
/// later "-" `stdin_rest`, as `hash_jobs` does for a list.
///
/// `idle`, if given, is called on the calling thread when every entry taken
/// so far has been handed to the sink and the next one has not arrived: the
/// moment to flush what the sink wrote, since the wait may be long (a pipe).
///
/// When `halt` is requested (by the caller, or here when the sink or `idle`
/// throws) the workers stop between blocks, the sink is not called again,
/// and `entries` is drained until its producer closes it, so a producer
/// that stops on `halt` too never blocks. A sink's exception is rethrown
/// once the workers are done.
conc::RunStats hash_stream(Receiver<StreamEntry> entries, const EngineOptions& options, std::stop_source& halt,
                           common::ProgressBar* progress, const std::function<void()>& idle, const EntrySink& sink);

}  // namespace conc::hash::detail
