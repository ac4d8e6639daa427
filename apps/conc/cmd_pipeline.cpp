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
  std::string batch_bytes;  // default 1M, or kExecBatchBytes with an exec stage
  std::string on_error = "stop";
  std::string max_batch_output = "1G";
};

constexpr std::size_t kExecBatchBytes = std::size_t{4} << 20;

pipeline::Strategy strategy_of(const std::string& name) {
  for (const auto& s : pipeline::all_strategies()) {
    if (s.name == name) return s.strategy;
  }
  return pipeline::all_strategies().front().strategy;  // -s is checked against the same table
}

int usage(const std::string& message) {
  std::cerr << "conc pipeline: " << message << " (see 'conc pipeline --help')\n";
  return common::kExitUsage;
}

// "K:N" -> (K-1, N), checked against the parsed stages; "" on success.
std::string parse_stage_threads(const std::vector<std::string>& specs,
                                const std::vector<std::unique_ptr<pipeline::Stage>>& stages,
                                std::map<std::size_t, std::size_t>& out) {
  for (const auto& spec : specs) {
    const auto colon = spec.find(':');
    std::size_t k = 0;
    std::size_t n = 0;
    const bool ok = colon != std::string::npos &&
                    std::from_chars(spec.data(), spec.data() + colon, k).ptr == spec.data() + colon &&
                    std::from_chars(spec.data() + colon + 1, spec.data() + spec.size(), n).ptr == spec.data() + spec.size();
    if (!ok || k == 0 || n == 0 || n > 4096) return "--stage-threads: expected STAGE:THREADS such as 2:4, got '" + spec + "'";
    if (k > stages.size()) return "--stage-threads " + spec + ": there are only " + std::to_string(stages.size()) + " stages";
    if (stages[k - 1]->serial() && n != 1) {
      return "--stage-threads " + spec + ": stage " + std::to_string(k) + " '" + stages[k - 1]->text() +
             "' keeps state from line to line and runs on one thread";
    }
    out[k - 1] = n;
  }
  return "";
}

int run(const PipelineFlags& f, RunContext& ctx) {
  if (f.stages.empty()) return usage("at least one -e STAGE is required");
  if (f.ordered && f.unordered) return usage("--ordered and --unordered exclude each other");
  std::vector<std::unique_ptr<pipeline::Stage>> stages;
  try {
    stages = pipeline::parse_stages(f.stages);
  } catch (const pipeline::StageError& e) {
    return usage(e.what());
  }
  pipeline::Options o;
  if (const auto error = parse_stage_threads(f.stage_threads, stages, o.stage_threads); !error.empty()) return usage(error);
  o.inputs = f.paths;
  o.strategy = strategy_of(ctx.options.strategy);
  o.threads = ctx.options.threads;
  o.ordered = !f.unordered;
  o.capacity = f.capacity;
  o.limits.max_lines = f.batch_lines;
  // An exec stage starts a process per batch: bigger batches amortize it.
  const bool exec = std::any_of(stages.begin(), stages.end(), [](const auto& s) { return s->streams(); });
  o.limits.max_bytes = !f.batch_bytes.empty() ? parse_size(f.batch_bytes) : exec ? kExecBatchBytes : std::size_t{1} << 20;
  o.max_batch_output = parse_size(f.max_batch_output);
  if (o.max_batch_output > (std::size_t{1} << 40)) return usage("--max-batch-output: at most 1T, got '" + f.max_batch_output + "'");
  o.on_error = f.on_error == "skip" ? pipeline::OnError::kSkip : pipeline::OnError::kStop;

  common::ProgressBar progress(ctx.progress, "pipeline", "batches");
  auto result = pipeline::run_pipeline(o, stages, ctx.diagnostics, ctx.stop, &progress,
                                       [&](std::string_view data) {
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
  for (const auto& s : pipeline::all_strategies()) c.strategies.push_back({std::string(s.name), std::string(s.description)});
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
                   "STAGE:THREADS, e.g. 2:4 runs the second stage on 4 threads (repeatable; default -j; "
                   "number, uniq and head always run on one)")
        ->type_name("K:N")
        ->allow_extra_args(false);
    app.add_flag("--ordered", flags->ordered, "keep input order exactly (default)");
    app.add_flag("--unordered", flags->unordered, "write batches as they finish");
    app.add_option("--capacity", flags->capacity,
                   "batches each channel holds (default 4); in flight in all: capacity x (stages + 1), "
                   "which bounds memory and the reorder buffers")
        ->type_name("N")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20));
    app.add_option("--batch-lines", flags->batch_lines, "at most N lines per batch (default: no limit)")->type_name("N");
    app.add_option("--batch-bytes", flags->batch_bytes, "about BYTES per batch (K, M suffixes; default 1M, 4M with an exec stage; one longer line is one batch)")
        ->type_name("BYTES")
        ->check(size_validator());
    app.add_option("--max-batch-output", flags->max_batch_output,
                   "an exec stage's output for one batch may be at most BYTES (K, M, G suffixes; default 1G; "
                   "1..1T); more fails the batch. Big outputs stream on in bounded pieces")
        ->type_name("BYTES")
        ->check(size_validator());
    app.add_option("--on-error", flags->on_error,
                   "stop (default: stop reading, output every batch before the failing one, exit 1) or "
                   "skip (drop the failing batch, go on, exit 1)")
        ->type_name("stop|skip")
        ->check(CLI::IsMember({"stop", "skip"}));
  };
  c.run = [flags](RunContext& ctx) { return run(*flags, ctx); };
  return c;
}

}  // namespace conc::cli
