// pipeline/src/runners.h: the concurrent strategies of run_pipeline.
#pragma once

#include "run_state.h"

namespace conc::pipeline::detail {

/// Each stage a group of threads (one for a serial stage, which restores
/// input order first), joined by bounded channels; the sink reorders.
conc::RunStats run_channels(RunState& st, BatchReader& reader, common::ProgressBar* progress, const OutputSink& sink);

/// Each batch a task that runs the stages in turn on the shared-queue
/// ThreadPool; a serial stage is a gate that lets batches through one at a
/// time in order (no worker blocks on it); the sink reorders.
conc::RunStats run_pool(RunState& st, BatchReader& reader, common::ProgressBar* progress, const OutputSink& sink);

/// The same on the WorkStealingPool.
conc::RunStats run_steal(RunState& st, BatchReader& reader, common::ProgressBar* progress, const OutputSink& sink);

/// Workers for each stage: 1 for a serial stage, else its --stage-threads or -j.
std::vector<std::size_t> stage_workers(const RunState& st);

}  // namespace conc::pipeline::detail
