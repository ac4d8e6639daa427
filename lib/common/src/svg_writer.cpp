#include "common/svg_writer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common/xml_escape.h"

namespace conc::common {
namespace {

// Two decimals at most, no trailing zeros, never "-0".
std::string num(double v) {
  if (!std::isfinite(v)) v = 0;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
}

std::string paint(const SvgStroke& s) {
  std::string out = " fill=\"" + xml_escape(s.fill) + "\" stroke=\"" + xml_escape(s.stroke) + "\"";
  if (s.stroke != "none") out += " stroke-width=\"" + num(s.width) + "\"";
  if (!s.dash.empty()) out += " stroke-dasharray=\"" + xml_escape(s.dash) + "\"";
  return out;
}

}  // namespace

SvgWriter::SvgWriter(double width, double height) {
  out_ = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(width) +
         "\" height=\"" + num(height) + "\" viewBox=\"0 0 " + num(width) + " " + num(height) +
         "\" font-family=\"sans-serif\">\n";
  rect(0, 0, width, height, SvgStroke::filled("white"));
}

SvgWriter& SvgWriter::rect(double x, double y, double w, double h, const SvgStroke& s) {
  out_ += "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(std::max(w, 0.0)) + "\" height=\"" +
          num(std::max(h, 0.0)) + "\"" + paint(s) + "/>\n";
  return *this;
}

SvgWriter& SvgWriter::line(double x1, double y1, double x2, double y2, const SvgStroke& s) {
  out_ += "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" + num(y2) + "\"" +
          paint(s) + "/>\n";
  return *this;
}

SvgWriter& SvgWriter::polyline(const std::vector<std::pair<double, double>>& points, const SvgStroke& s) {
  out_ += "<polyline points=\"";
  for (std::size_t i = 0; i < points.size(); ++i) {
    out_ += (i == 0 ? "" : " ") + num(points[i].first) + "," + num(points[i].second);
  }
  out_ += "\"" + paint(s) + "/>\n";
  return *this;
}

SvgWriter& SvgWriter::circle(double cx, double cy, double r, const SvgStroke& s) {
  out_ += "<circle cx=\"" + num(cx) + "\" cy=\"" + num(cy) + "\" r=\"" + num(r) + "\"" + paint(s) + "/>\n";
  return *this;
}

SvgWriter& SvgWriter::text(double x, double y, std::string_view text, const SvgFont& f) {
  out_ += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" font-size=\"" + num(f.size) + "\" text-anchor=\"" +
          xml_escape(f.anchor) + "\" fill=\"" + xml_escape(f.fill) + "\"";
  if (f.bold) out_ += " font-weight=\"bold\"";
  if (f.rotate != 0) out_ += " transform=\"rotate(" + num(f.rotate) + " " + num(x) + " " + num(y) + ")\"";
  out_ += ">" + xml_escape(text) + "</text>\n";
  return *this;
}

SvgWriter& SvgWriter::begin_group(std::string_view css_class, std::string_view title) {
  out_ += "<g class=\"" + xml_escape(css_class) + "\">\n";
  if (!title.empty()) out_ += "<title>" + xml_escape(title) + "</title>\n";
  ++open_groups_;
  return *this;
}

SvgWriter& SvgWriter::end_group() {
  if (open_groups_ > 0) {
    out_ += "</g>\n";
    --open_groups_;
  }
  return *this;
}

std::string SvgWriter::finish() {
  while (open_groups_ > 0) end_group();
  out_ += "</svg>\n";
  return std::move(out_);
}

}  // namespace conc::common
