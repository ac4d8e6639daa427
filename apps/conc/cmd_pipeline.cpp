// conc pipeline: flags in, stages parsed, engine call, lines out.
#include <algorithm>
#include <charconv>
#include <iostream>
#include <memory>

#include "command.h"
#include "commands.h"
#include "common/exit_code.h"
#include "pipeline/pipeline.h"
#include "shared_options.h"
#include "usage_error.h"

namespace conc::cli {
namespace {

struct PipelineFlags {
  std::vector<std::string> paths;
  std::vector<std::string> stages;
  std::vector<std::string> stage_threads;
  bool unordered = false;
  bool ordered = false;
  std::size_t capacity = 4;
  std::size_t batch_lines = 0;
  std::string batch_bytes;  // empty: the engine's default (1M, 4M with an exec stage)
  std::string max_line = "1G";
  std::string max_batch_output = "1G";
  std::string on_error = "stop";
  bool hold_output = false;
  // Set by validate, taken by run:
  std::vector<std::unique_ptr<pipeline::Stage>> parsed;
  std::map<std::size_t, std::size_t> threads_of_stage;
};

// Upper bounds of the batch options: a batch is held in memory, several at
// once per channel, so a bigger one is a mistake, not a wish.
constexpr std::uint64_t kMaxBatchLines = 1'000'000'000;
constexpr std::size_t kMaxBatchBytes = std::size_t{1} << 30;
constexpr std::uint64_t kMaxCapacity = std::uint64_t{1} << 20;
// A line is held whole: the limit bounds memory on an endless line (/dev/zero).
constexpr std::size_t kMaxLine = std::size_t{64} << 30;
constexpr std::size_t kMaxBatchOutput = std::size_t{1} << 40;

// "K:N" -> (K-1, N), checked against the parsed stages; "" on success.
std::string parse_stage_threads(const std::vector<std::string>& specs,
                                const std::vector<std::unique_ptr<pipeline::Stage>>& stages,
                                std::map<std::size_t, std::size_t>& out) {
  for (const auto& spec : specs) {
    const auto colon = spec.find(':');
    std::size_t k = 0;
    std::size_t n = 0;
    const bool ok =
        colon != std::string::npos && std::from_chars(spec.data(), spec.data() + colon, k).ptr == spec.data() + colon &&
        std::from_chars(spec.data() + colon + 1, spec.data() + spec.size(), n).ptr == spec.data() + spec.size();
    if (!ok || k == 0 || n == 0 || n > kMaxThreads) {
      return "--stage-threads: expected STAGE:THREADS such as 2:4, THREADS from 1 to " + std::to_string(kMaxThreads) +
             ", got '" + spec + "'";
    }
    if (k > stages.size())
      return "--stage-threads " + spec + ": there are only " + std::to_string(stages.size()) + " stages";
    if (stages[k - 1]->serial() && n != 1) {
      return "--stage-threads " + spec + ": stage " + std::to_string(k) + " '" + stages[k - 1]->text() +
             "' keeps state from line to line and runs on one thread";
    }
    out[k - 1] = n;
  }
  return "";
}

// Every check of the command line, before any output is opened; keeps the
// parsed stages for run.
void validate(PipelineFlags& f) {
  if (f.stages.empty()) throw UsageError("at least one -e STAGE is required");
  if (f.ordered && f.unordered) throw UsageError("--ordered and --unordered exclude each other");
  try {
    f.parsed = pipeline::parse_stages(f.stages);
  } catch (const pipeline::StageError& e) {
    throw UsageError(e.what());
  }
  f.threads_of_stage.clear();
  if (const auto error = parse_stage_threads(f.stage_threads, f.parsed, f.threads_of_stage); !error.empty()) {
    throw UsageError(error);
  }
}

int run(PipelineFlags& f, RunContext& ctx) {
  auto stages = std::move(f.parsed);
  pipeline::Options o;
  o.stage_threads = f.threads_of_stage;
  o.inputs = f.paths;
  o.strategy = strategy_of(pipeline::strategies(), ctx.options.strategy);
  o.threads = ctx.options.threads;
  o.ordered = !f.unordered;
  o.capacity = f.capacity;
  o.limits.max_lines = f.batch_lines;
  o.limits.max_bytes = f.batch_bytes.empty() ? 0 : parse_size(f.batch_bytes);  // 0: the engine decides
  o.limits.max_line = parse_size(f.max_line);
  o.max_batch_output = parse_size(f.max_batch_output);
  o.on_error = f.on_error == "skip" ? pipeline::OnError::kSkip : pipeline::OnError::kStop;
  o.stream_output = !f.hold_output;

  common::ProgressBar progress(ctx.progress, "pipeline", "batches");
  auto result = pipeline::run_pipeline(o, stages, ctx.diagnostics, ctx.stop, &progress, [&](std::string_view data) {
    // A batch at a time: big ones bypass the buffer anyway, and
    // small ones (a pipe gone idle) must not wait behind it.
    ctx.output.write(data);
    ctx.output.flush();
  });
  progress.finish();
  ctx.stats = std::move(result.stats);
  if (ctx.stop.stop_requested()) return common::kExitInterrupted;
  return result.failed_batches > 0 || ctx.diagnostics.errors() > 0 ? common::kExitInputFailed : common::kExitOk;
}

// One line per stage of the engine's table: its usage and what it does.
std::string stage_help() {
  std::size_t width = 0;
  for (const auto& st : pipeline::all_stages()) width = std::max(width, st.usage.size());
  std::string out = "\nStages:\n";
  for (const auto& st : pipeline::all_stages()) {
    std::string usage(st.usage);
    usage.resize(width + 2, ' ');
    out += "  " + usage + std::string(st.help) + "\n";
  }
  return out;
}

}  // namespace

Command pipeline_command() {
  auto flags = std::make_shared<PipelineFlags>();
  Command c;
  c.name = "pipeline";
  c.summary = "stream lines through a chain of stages, each on several threads, joined by bounded channels";
  c.examples = {
      "conc pipeline -e 'grep -v ^#' -e 'replace \\s+ \" \"' -e upper access.log",
      "conc pipeline -e 'cut , 1,3-4' -e uniq -e number data.csv",
      "conc pipeline -e 'exec jq -c .a' --stage-threads 1:4 events.jsonl     # like parallel --pipe -k",
      "yes | conc pipeline -e upper | head -1",
      "conc pipeline -e 'replace-first (\\w+)=(\\w+) \\2=\\1' --stats big.txt > /dev/null   # names the bottleneck",
  };
  c.details = stage_help();
  c.strategies = strategy_choices(pipeline::strategies());
  c.add_options = [flags](CLI::App& app) {
    app.add_option("paths", flags->paths, "input files, read in order (default: - for stdin)")->type_name("FILE");
    std::string usages;  // from the engine's stage table
    for (const auto& st : pipeline::all_stages()) usages += (usages.empty() ? "" : " | ") + std::string(st.usage);
    app.add_option("-e,--stage", flags->stages,
                   "a stage, in order (repeatable): " + usages +
                       ". RE2 syntax, \\1 groups in REPL; quote words with '...' or \"...\"")
        ->type_name("STAGE")
        ->allow_extra_args(false);
    app.add_option("--stage-threads", flags->stage_threads,
                   "STAGE:THREADS, e.g. 2:4 runs the second stage on 4 threads; THREADS 1 to " +
                       std::to_string(kMaxThreads) +
                       " (repeatable; default -j; number, uniq and head always run on one)")
        ->type_name("K:N")
        ->allow_extra_args(false);
    app.add_flag("--ordered", flags->ordered, "keep input order exactly (default)");
    app.add_flag("--unordered", flags->unordered, "write batches as they finish");
    app.add_option("--capacity", flags->capacity,
                   "batches each channel holds, 1 to " + std::to_string(kMaxCapacity) +
                       " (default 4); in flight in all: capacity x (stages + 1), which bounds memory and the reorder "
                       "buffers")
        ->type_name("N")
        ->check(whole_number(1, kMaxCapacity));
    app.add_option("--batch-lines", flags->batch_lines,
                   "at most N lines per batch, 0 to " + std::to_string(kMaxBatchLines) + " (default 0: no limit)")
        ->type_name("N")
        ->check(whole_number(0, kMaxBatchLines));
    app.add_option("--batch-bytes", flags->batch_bytes,
                   "about BYTES per batch, 1 to " + format_size(kMaxBatchBytes) +
                       " (K, M, G suffixes; default 1M, 4M with an exec stage; one longer line is one batch)")
        ->type_name("BYTES")
        ->check(size_validator(kMaxBatchBytes));
    app.add_option("--max-batch-output", flags->max_batch_output,
                   "an exec stage's output for one batch may be at most BYTES, 1 to " + format_size(kMaxBatchOutput) +
                       " (K, M, G suffixes; default 1G); more fails the batch")
        ->type_name("BYTES")
        ->check(size_validator(kMaxBatchOutput));
    app.add_flag("--hold-output", flags->hold_output,
                 "hold an exec command's output for a batch until the command exits (up to --max-batch-output), so "
                 "the output is exactly the successful batches. By default it is handed on in pieces while the "
                 "command runs, once it passes twice --batch-bytes (4M at least): bounded memory for big or endless "
                 "outputs (exec yes | head), but a batch that then fails leaves those pieces written "
                 "(--on-error stop: nothing of later batches)");
    app.add_option("--max-line", flags->max_line,
                   "the longest line accepted, 1 to " + format_size(kMaxLine) +
                       " (K, M, G suffixes; default 1G): a longer one is an error naming its input and line, and "
                       "the rest of that input is skipped (exit 1)")
        ->type_name("BYTES")
        ->check(size_validator(kMaxLine));
    app.add_option(
           "--on-error", flags->on_error,
           "stop (default: stop reading, output every batch before the failing one and nothing of it, exit 1) or "
           "skip (drop the failing batch, go on, exit 1)")
        ->type_name("stop|skip")
        ->check(CLI::IsMember({"stop", "skip"}));
  };
  c.validate = [flags](const SharedOptions&) { validate(*flags); };
  c.run = [flags](RunContext& ctx) { return run(*flags, ctx); };
  return c;
}

}  // namespace conc::cli
