// filter_registry.h: the table every filter family adds its rows to; the
// one place a filter's name, arguments and help are written (parse_filter
// and filter_help read it).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "image/filter.h"

namespace conc::image {

struct FilterEntry {
  std::string_view name;  ///< "blur"
  std::string_view args;  ///< "SIGMA", or "" when it takes none
  std::string_view help;  ///< one line: what it does, each argument's range
  /// Parses `args` (what follows "name:", "" when there is no colon) for the
  /// spec `text`. Throws FilterSyntaxError naming `text` and the problem.
  std::unique_ptr<FilterSpec> (*parse)(const std::string& text, std::string_view args);
};

std::span<const FilterEntry> point_filter_entries();          // point_filters.cpp
std::span<const FilterEntry> neighbourhood_filter_entries();  // neighbourhood_filters.cpp
std::span<const FilterEntry> geometry_filter_entries();       // geometry_filters.cpp

/// The base of every spec: keeps the text.
class SpecBase : public FilterSpec {
 public:
  explicit SpecBase(std::string text) : text_(std::move(text)) {}
  [[nodiscard]] const std::string& text() const noexcept override { return text_; }

 private:
  std::string text_;
};

}  // namespace conc::image
