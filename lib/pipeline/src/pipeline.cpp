#include "pipeline/pipeline.h"

#include <algorithm>

#include "conc/executor.h"
#include "run_state.h"
#include "runners.h"

namespace conc::pipeline {
namespace {

// One thread: read a batch, run every stage over it, write it.
conc::RunStats run_seq(detail::RunState& st, BatchReader& reader, common::ProgressBar* progress,
                       const OutputSink& sink) {
  std::exception_ptr failure;
  const auto deliver = [&](Batch&& piece) {  // a streaming stage's piece: in order already, written at once
    if (!failure) failure = st.write(piece, sink);
    st.budget.release(piece.seq, piece.data.size());
  };
  std::vector<StageControl> controls;
  for (std::size_t k = 0; k < st.stages.size(); ++k) controls.push_back(st.control_for(k, deliver));
  while (auto b = reader.next()) {
    if (progress != nullptr) progress->add(1, b->data.size());
    for (std::size_t k = 0; k < st.stages.size(); ++k) st.apply(k, *b, controls[k]);
    st.report_failures(b->seq);
    if (!failure) failure = st.write(*b, sink);
  }
  if (failure) std::rethrow_exception(failure);
  conc::RunStats stats;
  st.report(stats, std::vector<std::size_t>(st.stages.size(), 1));
  return stats;
}

}  // namespace

constexpr common::StrategyInfo<Strategy> kStrategies[] = {
    {Strategy::kChannels, "channels",
     "each stage a group of threads, joined to the next by bounded channels; reordered at the end", true},
    {Strategy::kPool, "pool",
     "each batch runs through every stage as tasks on the shared-queue ThreadPool; reordered at the end", false},
    {Strategy::kSteal, "steal",
     "each batch runs through every stage as tasks on the WorkStealingPool; reordered at the end", false},
    {Strategy::kSeq, "seq", "one thread: read a batch, run every stage, write it", false},
};

std::span<const common::StrategyInfo<Strategy>> strategies() noexcept { return kStrategies; }

std::vector<std::unique_ptr<Stage>> parse_stages(const std::vector<std::string>& texts) {
  std::vector<std::unique_ptr<Stage>> stages;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    try {
      stages.push_back(parse_stage(texts[i]));
    } catch (const StageError& e) {
      throw StageError("stage " + std::to_string(i + 1) + " '" + texts[i] + "': " + e.what());
    }
  }
  return stages;
}

Result run_pipeline(const Options& requested, std::vector<std::unique_ptr<Stage>>& stages, common::Diagnostics& diag,
                    std::stop_token stop, common::ProgressBar* progress, const OutputSink& sink) {
  Options options = requested;
  options.threads = thread_count(requested.threads);  // resolved once: 0 is every core
  if (options.limits.max_bytes == 0) {  // the engine's choice, the same for the CLI and every other caller
    const bool exec = std::any_of(stages.begin(), stages.end(), [](const auto& s) { return s->streams(); });
    options.limits.max_bytes = exec ? kExecBatchBytes : kDefaultBatchBytes;
  }
  detail::RunState st(options, stages, diag, std::move(stop));
  BatchReader reader(options.inputs, options.limits, diag, st.input.get_token());
  Result r;
  switch (options.strategy) {
    case Strategy::kSeq: r.stats = run_seq(st, reader, progress, sink); break;
    case Strategy::kChannels: r.stats = detail::run_channels(st, reader, progress, sink); break;
    case Strategy::kPool: r.stats = detail::run_pool(st, reader, progress, sink); break;
    case Strategy::kSteal: r.stats = detail::run_steal(st, reader, progress, sink); break;
  }
  r.stats.executor = std::string(common::strategy_info(strategies(), options.strategy).name);
  st.report_failures(UINT64_MAX);  // none is left unless a sink failure cut the run short
  r.failed_batches = st.failures();
  for (const auto& s : r.stats.stages) r.stats.items = std::max(r.stats.items, s.items);
  if (!r.stats.stages.empty()) r.stats.bytes = r.stats.stages.front().bytes_in;
  r.stats.work_unit = "line";
  r.stats.work = reader.lines_read();
  return r;
}

}  // namespace conc::pipeline
