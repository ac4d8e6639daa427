// bench/statistics.h: what a handful of timings say, and how far to trust them.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace conc::bench {

/// The spread of one configuration's timed runs.
struct Summary {
  std::size_t count = 0;
  double median = 0;
  double mean = 0;
  double stddev = 0;  ///< sample standard deviation (n - 1); 0 for one run
  double min = 0;
  double max = 0;
  /// Runs whose modified z-score (0.6745 (x - median) / MAD, Iglewicz and
  /// Hoaglin) exceeds 3.5: robust to the outliers it looks for, unlike a
  /// test against the mean and standard deviation.
  std::size_t outliers = 0;
};

/// Summarises `samples` (any order; empty gives all zeros).
Summary summarize(std::vector<double> samples);

/// The median of `samples` (0 when empty).
double median(std::vector<double> samples);

/// Warnings a careful reader should see, as hyperfine gives them: runs that
/// vary by more than 10% of their mean, or outliers. Each says what to do
/// (more runs with `--repeat`, warm-up, a quieter machine). Empty when the
/// runs look trustworthy, and for fewer than 2 runs (nothing to judge).
std::vector<std::string> hygiene_warnings(const Summary& s, unsigned repeat);

}  // namespace conc::bench
