// wordcount/wordcount.h: the wordcount engine (options in, sorted counts out).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "common/diagnostics.h"
#include "common/file_walk.h"
#include "common/progress.h"
#include "common/read_all.h"
#include "common/shard.h"
#include "common/strategy.h"
#include "conc/run_stats.h"
#include "wordcount/tokenizer.h"
#include "wordcount/word_table.h"

namespace conc::wordcount {

/// The concurrency designs of DESIGN.md §3 as they apply to word counting.
enum class Strategy {
  kSeq,       ///< one thread, one table
  kMutex,     ///< every worker updates one table behind one mutex
  kSharded,   ///< every worker updates one ShardedMap
  kLocal,     ///< a table per worker (ThreadPool), merged by hash partition in parallel
  kChannels,  ///< mappers send partial tables to partition-owning reducers over channels
  kSteal,     ///< kLocal on the WorkStealingPool with finer pieces
};

/// Every strategy, in the order `--strategy help` lists them (the default
/// first): name, description, default. `--stats` names the executor of a
/// run by its strategy's name.
std::span<const common::StrategyInfo<Strategy>> strategies() noexcept;

struct Options {
  std::vector<std::string> inputs;  ///< files, directories, "-"; empty: stdin
  TokenizerOptions tokenizer;
  Strategy strategy = Strategy::kSteal;  ///< the table's default: the fastest, measured (scripts/bench/wordcount.sh)
  std::size_t threads = 0;               ///< 0: every core (conc::thread_count)
  std::size_t chunk_size = 1u << 20;     ///< bytes per piece (kSteal uses a quarter)
  bool merge = false;                    ///< inputs are `word<TAB>count` lines to sum
  /// The longest word (a run of bytes without a separator) an input may
  /// hold: a longer one is an error naming the input and the word's byte
  /// offset, and the rest of that input is skipped (not counted), so memory
  /// stays bounded, for a stream (stdin, a pipe, /dev/zero) as for a regular
  /// file split into ranges, whatever the strategy.
  std::size_t max_word = std::size_t{64} << 20;
  /// With `merge`, the longest `word<TAB>count` line accepted (1 MiB holds
  /// any sane word); a longer one is an error ("FILE:N: line longer than
  /// 1M") and the rest of that input is skipped, so memory stays bounded.
  std::size_t max_merge_line = common::kMaxShortLine;
  /// Count only this shard's share of the input bytes (wordcount/shard.h);
  /// the result's counts are then partial, for a `merge`.
  std::optional<common::Shard> shard;
  /// How directories are walked; `skip` holds the run's own output files
  /// (`-o DIR/counts DIR` must not count its temporary or its old self).
  common::WalkOptions walk;
};

struct Totals {
  std::uint64_t words = 0;
  std::uint64_t distinct = 0;
  std::uint64_t bytes = 0;
  std::uint64_t lines = 0;
};

struct WordCount {
  std::string_view word;  ///< points into Result::tables
  std::uint64_t count = 0;
};

struct Result {
  std::vector<WordTable> tables;  ///< disjoint; own the words
  std::vector<WordCount> sorted;  ///< count descending, then word ascending by bytes
  Totals totals;
  conc::RunStats stats;
  std::string shard_fingerprint;  ///< with Options::shard: the job's, for the part's header
  /// With Options::shard: the error lines the run reported, for its part
  /// (wordcount/shard.h): the walk's (every shard meets them), then those
  /// of the inputs it counted.
  std::vector<std::string> shard_walk_errors;
  std::vector<std::string> shard_failures;
};

/// Counts the words of `options.inputs`. Bad inputs are reported to `diag`
/// and skipped; a stop request ends the run early (the result is then
/// incomplete and must not be printed). `progress` may be null. With
/// `merge`, inputs that are parts of a --shard job (wordcount/shard.h) are
/// checked, and a broken set of them throws std::runtime_error, one line
/// naming the input (and line) and the reason: nothing is to be written.
Result count_words(const Options& options, common::Diagnostics& diag, std::stop_token stop,
                   common::ProgressBar* progress);

/// Keeps the words with count >= `min_count`, then the first `top` (0: all),
/// in the output order.
std::vector<WordCount> select(const std::vector<WordCount>& sorted, std::size_t top, std::uint64_t min_count);

}  // namespace conc::wordcount
