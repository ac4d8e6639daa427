// common/xml_escape.h: any bytes as well-formed XML text.
#include "common/xml_escape.h"

#include <catch2/catch.hpp>
#include <string>

using conc::common::xml_escape;

TEST_CASE("xml_escape makes any bytes safe for XML 1.0") {
  CHECK(xml_escape("a&b<c>\"d'") == "a&amp;b&lt;c&gt;&quot;d&apos;");
  CHECK(xml_escape("caf\xC3\xA9 \t\n\r") == "caf\xC3\xA9 \t\n\r");  // UTF-8, tab and line ends stay
  CHECK(xml_escape(std::string("a\0b\x1b", 4)) ==
        "a\xEF\xBF\xBD"
        "b\xEF\xBF\xBD");                                         // controls are not XML
  CHECK(xml_escape("\xFF\xFEx") == "\xEF\xBF\xBD\xEF\xBF\xBDx");  // not UTF-8
}
