// pipeline/pipeline.h: run a chain of stages over the lines of the inputs.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "common/diagnostics.h"
#include "common/progress.h"
#include "common/strategy.h"
#include "conc/run_stats.h"
#include "pipeline/batch_reader.h"
#include "pipeline/stage.h"

namespace conc::pipeline {

enum class Strategy {
  kChannels,  ///< each stage a group of threads, joined to the next by bounded channels
  kPool,      ///< each batch runs through every stage as tasks on the shared-queue ThreadPool
  kSteal,     ///< the same on the WorkStealingPool
  kSeq,       ///< one thread: read a batch, run every stage, write
};

/// Every strategy, in the order `--strategy help` lists them (the default,
/// the fastest measured, first): name, description, default. The CLI and the
/// tests read this table, so a new strategy is one row here; `--stats` names
/// the executor of a run by its strategy's name.
std::span<const common::StrategyInfo<Strategy>> strategies() noexcept;

enum class OnError {
  kStop,  ///< stop reading; the output is every batch before the failing one; exit 1
  kSkip,  ///< drop the failing batch, go on; exit 1 at the end
};

struct Options {
  std::vector<std::string> inputs;          ///< files in order; empty or "-": standard input
  Strategy strategy = Strategy::kChannels;  ///< the table's default
  std::size_t threads = 0;                  ///< workers per stateless stage (channels) or in the pool; 0: every core
  std::map<std::size_t, std::size_t> stage_threads;  ///< 0-based stage index -> workers (channels)
  bool ordered = true;                               ///< output in input order (a reorder buffer at the end)
  std::size_t capacity = 4;  ///< batches each channel holds; in flight in all: capacity x (stages + 1)
  BatchLimits limits;
  OnError on_error = OnError::kStop;
  /// A batch whose output from one stage passes this fails (an exec command
  /// that writes without end). Without `stream_output` (`--hold-output`) an
  /// exec stage holds a batch's output whole until its command has exited,
  /// up to this much.
  std::size_t max_batch_output = std::size_t{1} << 30;
  /// An exec stage followed by stateless stages only hands its output on in
  /// pieces of whole lines while its command still runs, once the output
  /// passes twice the batch bytes (4 MiB at least): memory stays bounded for
  /// a big or endless output (`exec yes | head`). The price: a batch whose
  /// command then fails leaves the part already handed on written (with
  /// --on-error stop still nothing of any later batch). Off, the output is
  /// exactly the successful batches' (stop: the successful prefix).
  bool stream_output = true;
};

/// Parses the `-e` texts in order. Throws StageError with a message that
/// names the stage: "stage 2 'grep (': invalid regular expression ...".
std::vector<std::unique_ptr<Stage>> parse_stages(const std::vector<std::string>& texts);

/// Receives output data in order (or as batches finish, when unordered),
/// on the calling thread. May throw (a broken pipe): the run then stops at
/// once and the exception is rethrown.
using OutputSink = std::function<void(std::string_view data)>;

struct Result {
  conc::RunStats stats;
  std::uint64_t failed_batches = 0;
};

/// Runs `stages` over the lines of `options.inputs`. Peak memory is bounded
/// by the batches in flight (capacity x (stages + 1) batches of at most
/// --batch-bytes, or one long line; an exec stage's output per batch up to
/// `max_batch_output`, or a few MiB with `stream_output`), never by the
/// input size. Unreadable
/// inputs and failing batches are reported to `diag` ("stage 2 'exec
/// false': exit status 1 (input lines 1-1000)"). `stop` ends the run early.
Result run_pipeline(const Options& options, std::vector<std::unique_ptr<Stage>>& stages, common::Diagnostics& diag,
                    std::stop_token stop, common::ProgressBar* progress, const OutputSink& sink);

}  // namespace conc::pipeline
