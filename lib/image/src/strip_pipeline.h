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

/// How many lanes a run of `images` images on `threads` workers gets: one
/// per worker, and never more than there are images (one huge image gets
/// one lane and its memory bound).
std::size_t strip_lanes(std::size_t threads, std::size_t images) noexcept;

/// Runs every planned image through lanes of stage threads. A lane is one
/// decoder, one stage per filter and one encoder; its decoder takes the
/// next image no lane has taken, and moves on as soon as that image's last
/// strip is sent. A batch gets `strip_lanes()` lanes, so the serial stages
/// (a JPEG decodes row after row) of different images run side by side.
/// Every filter stage of every lane computes its bands on one
/// WorkStealingPool of `threads` workers, in bands cut for the lane's share
/// of those workers. Memory is bounded by the strips in the channels and
/// the windows the filters keep (a band's input rows), in every lane: not
/// by the image.
/// An image that cannot stream (its reader decodes whole, an EXIF turn, a
/// filter that needs rows out of order) is rendered whole by the decoder
/// stage on the same pool and its finished rows pass through the filter
/// stages untouched. Fills `plan.records` and `stats`.
void run_strip_pipeline(const Options& options, BatchPlan& plan, StageClock& clock, common::Diagnostics& diag,
                        const std::stop_token& stop, common::ProgressBar* progress, conc::RunStats& stats);

}  // namespace conc::image
