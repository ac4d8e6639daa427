#include "bench/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <map>
#include <vector>

#include "bench/report.h"
#include "common/svg_writer.h"

namespace conc::bench {
namespace {

using common::SvgFont;
using common::SvgStroke;
using common::SvgWriter;

// Colour-blind-friendly categorical colours (Okabe and Ito).
constexpr const char* kPalette[] = {"#0072B2", "#E69F00", "#009E73", "#D55E00",
                                    "#CC79A7", "#56B4E9", "#F0E442", "#000000"};

constexpr double kWidth = 720;
constexpr double kHeight = 440;
constexpr double kLeft = 84;
constexpr double kRight = 170;  // room for the legend
constexpr double kTop = 50;
constexpr double kBottom = 70;

// The plotting area in canvas units, with the scales of both axes. The x
// axis is linear from 0 (bars) or logarithmic from 1 (threads: 1, 2 and 32
// would otherwise crowd into a corner).
struct Frame {
  double x0 = kLeft, x1 = kWidth - kRight, y0 = kHeight - kBottom, y1 = kTop;  // y0 is the bottom
  double xmax = 1, ymax = 1;
  bool log_x = false;
  [[nodiscard]] double x(double v) const {
    if (!log_x) return x0 + (x1 - x0) * v / xmax;
    const double span = std::log2(std::max(xmax, 2.0));
    return x0 + (x1 - x0) * (0.05 + 0.9 * std::log2(std::max(v, 1.0)) / span);  // room at both ends for the points
  }
  [[nodiscard]] double y(double v) const { return y0 - (y0 - y1) * v / ymax; }
};

// A step of 1, 2 or 5 times a power of ten giving about five ticks up to `max`.
double nice_step(double max) {
  if (max <= 0) return 1;
  const double raw = max / 5;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  for (const double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * power >= raw) return m * power;
  }
  return 10 * power;
}

std::string tick_label(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

void title(SvgWriter& svg, const std::string& text) {
  SvgFont font = SvgFont::of(16, "middle");
  font.bold = true;
  svg.text(kWidth / 2, 28, text, font);
}

// The y axis with gridlines, and its label; the x axis line.
void y_axis(SvgWriter& svg, const Frame& f, double step, const std::string& label, bool seconds) {
  const SvgStroke grid = SvgStroke::line("#ddd");
  for (double v = 0; v <= f.ymax * 1.0001; v += step) {
    svg.line(f.x0, f.y(v), f.x1, f.y(v), grid);
    svg.text(f.x0 - 8, f.y(v) + 4, seconds ? format_seconds(v) : tick_label(v), SvgFont::of(11, "end"));
  }
  const SvgStroke axis = SvgStroke::line("#333");
  svg.line(f.x0, f.y0, f.x1, f.y0, axis);
  svg.line(f.x0, f.y0, f.x0, f.y1, axis);
  SvgFont vertical = SvgFont::of(12, "middle");
  vertical.rotate = -90;
  svg.text(16, (f.y0 + f.y1) / 2, label, vertical);
}

void legend_entry(SvgWriter& svg, int index, const std::string& label, const SvgStroke& style) {
  const double x = kWidth - kRight + 20;
  const double y = kTop + 10 + 22 * index;
  svg.line(x, y, x + 24, y, style);
  svg.text(x + 30, y + 4, label, SvgFont::of(12));
}

}  // namespace

std::string plot_speedup(const Options& o, const Result& r) {
  // Each strategy's points, in thread order.
  std::vector<std::string> order;
  std::map<std::string, std::vector<std::pair<double, double>>> series;
  double xmax = 1;
  double ymax = 1;
  for (const auto& c : r.configs) {
    xmax = std::max(xmax, static_cast<double>(c.config.threads));
    if (!c.speedup) continue;
    if (!series.contains(c.config.strategy)) order.push_back(c.config.strategy);
    series[c.config.strategy].emplace_back(static_cast<double>(c.config.threads), *c.speedup);
    ymax = std::max(ymax, *c.speedup);
  }
  double base_threads = 1;
  for (const auto& c : r.configs) {
    if (c.config.label() == r.baseline) base_threads = static_cast<double>(c.config.threads);
  }
  // The ideal line's end, unless it would flatten the measured lines: then
  // the line is cut at the top (-j 4096 on a 2-core machine).
  ymax = std::max(ymax, std::min(xmax / base_threads, 3 * ymax));
  Frame f;
  f.xmax = xmax;
  f.log_x = true;
  const double step = nice_step(ymax * 1.05);
  f.ymax = std::ceil(ymax * 1.05 / step) * step;

  SvgWriter svg(kWidth, kHeight);
  title(svg, "conc " + o.subcommand + ": speed-up by threads");
  y_axis(svg, f, step, r.baseline.empty() ? "speed-up" : "speed-up over " + r.baseline, false);
  std::vector<double> ticks = {1};
  for (const auto& c : r.configs) ticks.push_back(static_cast<double>(c.config.threads));
  std::sort(ticks.begin(), ticks.end());
  ticks.erase(std::unique(ticks.begin(), ticks.end()), ticks.end());
  for (const double t : ticks) {
    svg.line(f.x(t), f.y0, f.x(t), f.y0 + 5, SvgStroke::line("#333"));
    svg.text(f.x(t), f.y0 + 20, tick_label(t), SvgFont::of(11, "middle"));
  }
  svg.text((f.x0 + f.x1) / 2, kHeight - 15, "threads (-j, log scale)", SvgFont::of(12, "middle"));

  // Ideal scaling through every thread count: straight between them.
  const SvgStroke ideal = SvgStroke::line("#888", 1.5, "6 4");
  std::vector<std::pair<double, double>> ideal_points;
  for (const double t : ticks) {
    const std::pair<double, double> p{f.x(t), f.y(t / base_threads)};
    if (p.second >= f.y1) {
      ideal_points.push_back(p);
      continue;
    }
    if (!ideal_points.empty()) {  // where the segment meets the top of the frame
      const auto [px, py] = ideal_points.back();
      ideal_points.emplace_back(px + (p.first - px) * (py - f.y1) / (py - p.second), f.y1);
    }
    break;
  }
  svg.begin_group("ideal", "ideal scaling");
  svg.polyline(ideal_points, ideal);
  svg.end_group();
  int index = 0;
  for (const auto& name : order) {
    const char* colour = kPalette[static_cast<std::size_t>(index) % std::size(kPalette)];
    const SvgStroke line = SvgStroke::line(colour, 2.5);
    std::vector<std::pair<double, double>> points;
    for (const auto& [t, s] : series[name]) points.emplace_back(f.x(t), f.y(s));
    svg.begin_group("series", name);
    svg.polyline(points, line);
    for (const auto& [x, y] : points) svg.circle(x, y, 4, SvgStroke::filled(colour));
    svg.end_group();
    legend_entry(svg, index, name + (name == o.default_strategy ? " (default)" : ""), line);
    ++index;
  }
  legend_entry(svg, index, "ideal", ideal);
  return svg.finish();
}

std::string plot_time(const Options& o, const Result& r) {
  std::vector<const ConfigResult*> bars;
  double ymax = 0;
  for (const auto& c : r.configs) {
    if (c.runs.empty() || !c.failure.empty()) continue;
    bars.push_back(&c);
    ymax = std::max(ymax, c.wall.max);
  }
  Frame f;
  f.x1 = kWidth - 30;
  const double step = nice_step(ymax > 0 ? ymax * 1.05 : 1);
  f.ymax = std::max(step, std::ceil(ymax * 1.05 / step) * step);
  f.xmax = static_cast<double>(std::max<std::size_t>(bars.size(), 1));

  SvgWriter svg(kWidth, kHeight);
  title(svg, "conc " + o.subcommand + ": wall time per configuration (median, min-max)");
  y_axis(svg, f, step, "wall time", true);
  std::map<std::string, int> colour;
  for (const auto& s : o.strategies) colour.emplace(s, static_cast<int>(colour.size()));
  const double slot = (f.x1 - f.x0) / f.xmax;
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const ConfigResult& c = *bars[i];
    const double left = f.x0 + slot * (static_cast<double>(i) + 0.2);
    const double mid = f.x0 + slot * (static_cast<double>(i) + 0.5);
    const char* fill = kPalette[static_cast<std::size_t>(colour[c.config.strategy]) % std::size(kPalette)];
    svg.begin_group("bar", c.config.label() + ": median " + format_seconds(c.wall.median));
    svg.rect(left, f.y(c.wall.median), slot * 0.6, f.y0 - f.y(c.wall.median), SvgStroke::filled(fill));
    const SvgStroke whisker = SvgStroke::line("#222", 1.5);
    svg.line(mid, f.y(c.wall.min), mid, f.y(c.wall.max), whisker);
    svg.line(mid - slot * 0.12, f.y(c.wall.min), mid + slot * 0.12, f.y(c.wall.min), whisker);
    svg.line(mid - slot * 0.12, f.y(c.wall.max), mid + slot * 0.12, f.y(c.wall.max), whisker);
    svg.end_group();
    if (slot >= 60) {
      svg.text(mid, f.y0 + 16, c.config.strategy, SvgFont::of(11, "middle"));
      svg.text(mid, f.y0 + 30, "-j " + std::to_string(c.config.threads), SvgFont::of(11, "middle"));
    } else {  // too narrow for two centred lines: one slanted label
      SvgFont slanted = SvgFont::of(10, "end");
      slanted.rotate = -40;
      svg.text(mid, f.y0 + 10, c.config.label(), slanted);
    }
  }
  return svg.finish();
}

}  // namespace conc::bench
