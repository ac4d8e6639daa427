// common/xml_escape.h: any bytes as XML 1.0 text.
#pragma once

#include <string>
#include <string_view>

namespace conc::common {

/// `text` made safe for XML character data and attribute values: the five
/// markup characters as entities; tab, newline and carriage return kept;
/// every other control character, and every byte of text that is not
/// UTF-8, as U+FFFD (XML 1.0 allows neither), so any input gives a
/// well-formed document.
std::string xml_escape(std::string_view text);

}  // namespace conc::common
