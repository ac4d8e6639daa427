// bench/report.h: the comparison table, as text, CSV, JSON or markdown.
#pragma once

#include <string>

#include "bench/bench.h"

namespace conc::bench {

enum class Format { kText, kCsv, kJson, kMarkdown };

/// Parses "text", "csv", "json" or "markdown"; throws std::invalid_argument otherwise.
Format parse_format(const std::string& name);

/// The table of `result`, one row per configuration in plan order, for the
/// bench `options` describe. text and markdown open with the command line
/// and what the figures are over, mark the default configuration with '*',
/// and close with the disagreements, failures and warnings; csv is the rows
/// alone; json holds every figure, every run included.
std::string render_report(const Options& options, const Result& result, Format format);

/// A throughput in the unit's customary scale: "812.4 MB/s" for bytes,
/// "35.2 Mpixel/s" for pixels, "12.3 M words/s" otherwise.
std::string format_throughput(double per_second, const std::string& unit);

/// A duration in the scale that reads best: "812.3 ms", "1.234 s".
std::string format_seconds(double seconds);

}  // namespace conc::bench
