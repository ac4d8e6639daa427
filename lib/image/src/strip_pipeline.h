// strip_pipeline.h: the channels strategy, the libvips design: decode ->
// each filter -> encode as stages joined by bounded channels of row strips.
#pragma once

#include <stop_token>
#include <vector>

#include "batch_plan.h"
#include "common/diagnostics.h"
#include "conc/run_stats.h"
#include "image_job.h"

namespace conc::image {

/// Runs every planned image through the stage threads, in order, several
/// images in flight at once (the decoder moves on as soon as an image's
/// last strip is sent). Each filter stage computes its bands on one
/// WorkStealingPool of `threads` workers. Memory is bounded by the strips
/// in the channels and the windows the filters keep, not by the image.
/// An image that cannot stream (its reader decodes whole, an EXIF turn, a
/// filter that needs rows out of order) is rendered whole by the decoder
/// stage on the same pool and its finished rows pass through the filter
/// stages untouched. Fills `plan.records` and `stats`.
void run_strip_pipeline(const Options& options, BatchPlan& plan, StageClock& clock, common::Diagnostics& diag,
                        const std::stop_token& stop, common::ProgressBar* progress, conc::RunStats& stats);

}  // namespace conc::image
