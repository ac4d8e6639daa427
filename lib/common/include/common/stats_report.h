// common/stats_report.h: the --stats / --stats-json run report.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "conc/run_stats.h"

namespace conc::common {

/// The process's CPU time so far (user + system, all threads).
struct CpuTime {
  std::chrono::nanoseconds user{0};
  std::chrono::nanoseconds system{0};
  static CpuTime now();
};

/// Everything one run reports: what ran, how long, and the library's counters.
struct RunReport {
  std::string command;   ///< "wordcount"
  std::string strategy;  ///< "steal"
  std::size_t threads = 0;
  std::chrono::nanoseconds wall{0};
  CpuTime cpu;
  conc::RunStats stats;
};

/// Human-readable, several lines, for stderr.
std::string render_stats_text(const RunReport& report);
/// One JSON object (stable keys, for scripts), with a trailing newline.
std::string render_stats_json(const RunReport& report);

}  // namespace conc::common
