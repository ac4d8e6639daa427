// common/csv.h: CSV fields as RFC 4180 writes them.
#pragma once

#include <string>
#include <string_view>

namespace conc::common {

/// Appends `field` to `out`, quoted (quotes doubled) when it holds a comma,
/// a quote or a line break, as is otherwise.
inline void append_csv_field(std::string& out, std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(field);
    return;
  }
  out.push_back('"');
  for (const char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace conc::common
