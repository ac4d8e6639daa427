#include "bench/statistics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace conc::bench {
namespace {

// A run that varies more than this share of the mean is too noisy to rank.
constexpr double kMaxRelativeSpread = 0.10;
constexpr double kOutlierScore = 3.5;

double sorted_median(const std::vector<double>& v) {
  if (v.empty()) return 0;
  const std::size_t mid = v.size() / 2;
  return v.size() % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

}  // namespace

double median(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  return sorted_median(samples);
}

Summary summarize(std::vector<double> samples) {
  Summary s;
  s.count = samples.size();
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  s.min = samples.front();
  s.max = samples.back();
  s.median = sorted_median(samples);
  s.mean = std::accumulate(samples.begin(), samples.end(), 0.0) / static_cast<double>(s.count);
  if (s.count > 1) {
    double squares = 0;
    for (const double x : samples) squares += (x - s.mean) * (x - s.mean);
    s.stddev = std::sqrt(squares / static_cast<double>(s.count - 1));
  }
  std::vector<double> deviations;
  deviations.reserve(samples.size());
  for (const double x : samples) deviations.push_back(std::fabs(x - s.median));
  const double mad = median(deviations);
  if (mad > 0) {
    for (const double x : samples) {
      if (0.6745 * std::fabs(x - s.median) / mad > kOutlierScore) ++s.outliers;
    }
  }
  return s;
}

std::vector<std::string> hygiene_warnings(const Summary& s, unsigned repeat) {
  std::vector<std::string> out;
  if (s.count < 2 || s.mean <= 0) return out;
  const std::string more = "; try --repeat " + std::to_string(std::max(10U, repeat * 2)) +
                           ", a --warmup, and a machine with nothing else running";
  const double spread = s.stddev / s.mean;
  if (spread > kMaxRelativeSpread) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "runs vary by %.0f%% of their mean (more than %.0f%%)", 100 * spread,
                  100 * kMaxRelativeSpread);
    out.push_back(buf + more);
  }
  if (s.outliers > 0) {
    out.push_back(std::to_string(s.outliers) + " outlier run" + (s.outliers == 1 ? "" : "s") +
                  " (far from the median: an interruption, a cold cache?)" + more);
  }
  return out;
}

}  // namespace conc::bench
