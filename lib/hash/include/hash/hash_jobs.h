// hash/hash_jobs.h: hash many inputs on every core, results delivered in input order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <stop_token>
#include <string>

#include "common/digest.h"
#include "common/progress.h"
#include "common/strategy.h"
#include "conc/executor.h"
#include "conc/run_stats.h"

namespace conc::hash {

enum class IoMode {
  kRead,  ///< read(2) into a reused buffer, posix_fadvise(SEQUENTIAL)
  kMmap,  ///< map the whole file, madvise(SEQUENTIAL); stdin, streams and unsized files (/proc, sysfs) are read
};

enum class Strategy {
  kSeq,       ///< one thread, one file after another
  kPool,      ///< one task per file on the shared-queue ThreadPool, in input order
  kSteal,     ///< files biggest first, split recursively over the WorkStealingPool (a BLAKE3 file into subtrees too)
  kChannels,  ///< reader threads send blocks over bounded channels to hasher threads
};

/// Every strategy, in the order `--strategy help` lists them (the default
/// first): name, description, default. `--stats` names the executor of a
/// run by its strategy's name.
std::span<const common::StrategyInfo<Strategy>> strategies() noexcept;

/// One input to hash.
struct Job {
  std::string path;
  common::DigestSpec digest;  ///< the algorithm, and BLAKE3's mode, key and length
  std::uint64_t size = 0;     ///< expected size (from the walk): orders `steal`, sizes the progress bar
  bool is_stdin = false;
  /// A later "-" than the first: standard input is one stream, read to its
  /// end by the first, so this one hashes the empty rest without reading
  /// (as sha256sum - - does). hash_jobs sets it; callers leave it false
  /// (check mode, which streams its jobs, sets it itself).
  bool stdin_rest = false;
};

/// The result for one Job: a digest, or the reason it has none.
struct Outcome {
  std::string hex;          ///< empty on error
  std::uint64_t bytes = 0;  ///< bytes hashed
  std::string error;        ///< empty on success
  bool missing = false;     ///< the file did not exist (for --ignore-missing)
  [[nodiscard]] bool ok() const noexcept { return error.empty(); }
};

struct EngineOptions {
  Strategy strategy = Strategy::kSteal;  ///< the table's default
  std::size_t threads =
      0;  ///< 0: every core (conc::thread_count). For kChannels: this many readers and as many hashers
  IoMode io = IoMode::kRead;
  /// 128 KiB: stays in cache from read to hash. Under kSteal also the
  /// subtree one task of a BLAKE3 tree reads and hashes.
  std::size_t block_size = std::size_t{1} << 17;
};

/// Receives each job's outcome, on the calling thread, strictly in job order.
using OutcomeSink = std::function<void(std::size_t index, Outcome&& outcome)>;

/// Hashes every job with the chosen strategy and hands the outcomes to
/// `sink` in job order, as soon as each one and all before it are done (so
/// output streams while later files are still being hashed). The outcomes
/// are the same whatever the strategy, thread count or I/O mode. Standard
/// input named more than once is read once, by its first job.
///
/// When `stop` is requested the workers stop between blocks and the sink is
/// not called again. `progress`, if given, counts files and bytes. Returns
/// the run's counters for `--stats`. A sink that throws (a broken pipe)
/// stops the run; the exception is rethrown once the workers are done.
conc::RunStats hash_jobs(std::span<const Job> jobs, const EngineOptions& options, std::stop_token stop,
                         common::ProgressBar* progress, const OutcomeSink& sink);

/// Hashes one input: the building block of the strategies, and what `seq`
/// runs in a loop. On the calling thread, `buffer` at a time; but given
/// `split`, a BLAKE3 file bigger than the buffer is hashed as a tree whose
/// subtrees of `buffer.size()` bytes are tasks on `split` (blake3_tree.h),
/// read by ranges or, with kMmap, from one mapping.
Outcome hash_one(const Job& job, IoMode io, std::span<char> buffer, const std::stop_token& stop,
                 common::ProgressBar* progress, Executor* split = nullptr);

}  // namespace conc::hash
