// common/svg_writer.h: a small SVG 1.1 document builder, for charts.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace conc::common {

/// How a shape is drawn. Colours are any SVG paint ("#1f77b4", "none").
struct SvgStroke {
  std::string stroke = "none";
  double width = 1;
  std::string dash;  ///< stroke-dasharray, e.g. "6 4"; "" for solid
  std::string fill = "none";

  /// An outline (or a line) in `colour`.
  static SvgStroke line(std::string colour, double width = 1, std::string dash = {}) {
    return {std::move(colour), width, std::move(dash), "none"};
  }
  /// A filled shape without an outline.
  static SvgStroke filled(std::string colour) { return {"none", 1, {}, std::move(colour)}; }
};

/// How text is set.
struct SvgFont {
  double size = 12;
  std::string anchor = "start";  ///< start, middle or end
  std::string fill = "#222";
  bool bold = false;
  double rotate = 0;  ///< degrees about the text's anchor point

  static SvgFont of(double size, std::string anchor = "start") { return {size, std::move(anchor), "#222", false, 0}; }
};

/// Builds one SVG document: shapes in user units on a `width` x `height`
/// canvas (a white background), one element per line, coordinates with at
/// most two decimals. Text goes through xml_escape, so any bytes give a
/// well-formed document. Groups carry a class and an optional <title> (a tooltip, and
/// a handle for tests and scripts). Not thread-safe.
class SvgWriter {
 public:
  SvgWriter(double width, double height);

  SvgWriter& rect(double x, double y, double w, double h, const SvgStroke& style);
  SvgWriter& line(double x1, double y1, double x2, double y2, const SvgStroke& style);
  SvgWriter& polyline(const std::vector<std::pair<double, double>>& points, const SvgStroke& style);
  SvgWriter& circle(double cx, double cy, double r, const SvgStroke& style);
  SvgWriter& text(double x, double y, std::string_view text, const SvgFont& font);
  /// Opens <g class="css_class">, with <title>title</title> when given.
  SvgWriter& begin_group(std::string_view css_class, std::string_view title = {});
  SvgWriter& end_group();

  /// The document: closes what is open. The writer is spent afterwards.
  std::string finish();

 private:
  std::string out_;
  int open_groups_ = 0;
};

}  // namespace conc::common
