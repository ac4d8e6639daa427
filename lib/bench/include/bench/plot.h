// bench/plot.h: the bench as pictures (SVG), drawn with common/svg_writer.h.
#pragma once

#include <string>

#include "bench/bench.h"

namespace conc::bench {

/// Speed-up (over the result's baseline) against threads: one line of
/// points per strategy (a group of class "series" titled with its name),
/// the ideal scaling as a dashed line, labelled axes and a legend.
/// Configurations without figures (failed) are left out.
std::string plot_speedup(const Options& options, const Result& result);

/// Median wall time per configuration as bars (groups of class "bar"
/// titled with the configuration), with whiskers from min to max.
std::string plot_time(const Options& options, const Result& result);

}  // namespace conc::bench
