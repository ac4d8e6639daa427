// common/svg_writer.h: well-formed documents whatever the text.
#include "common/svg_writer.h"

#include <catch2/catch.hpp>

using conc::common::SvgWriter;

TEST_CASE("the svg writer emits shapes with compact coordinates and closes what is open") {
  SvgWriter svg(100, 50);
  svg.begin_group("series", "steal");
  svg.line(0, 1.5, 10.256, 20, conc::common::SvgStroke::line("#123", 2));
  svg.polyline({{1, 2}, {3.333, 4}}, conc::common::SvgStroke::line("red", 1, "6 4"));
  auto font = conc::common::SvgFont::of(11, "middle");
  font.rotate = -90;
  svg.text(5, 6, "a<b", font);
  const std::string doc = svg.finish();
  CHECK(doc.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100\" "
                  "height=\"50\" viewBox=\"0 0 100 50\"",
                  0) == 0);
  CHECK(doc.find("<g class=\"series\">\n<title>steal</title>\n") != std::string::npos);
  CHECK(
      doc.find("<line x1=\"0\" y1=\"1.5\" x2=\"10.26\" y2=\"20\" fill=\"none\" stroke=\"#123\" stroke-width=\"2\"/>") !=
      std::string::npos);
  CHECK(doc.find("<polyline points=\"1,2 3.33,4\" fill=\"none\" stroke=\"red\" stroke-width=\"1\" "
                 "stroke-dasharray=\"6 4\"/>") != std::string::npos);
  CHECK(doc.find(">a&lt;b</text>") != std::string::npos);
  CHECK(doc.find("transform=\"rotate(-90 5 6)\"") != std::string::npos);
  CHECK(doc.size() > 12);
  CHECK(doc.substr(doc.size() - 12) == "</g>\n</svg>\n");
}
