#include "wordcount/merge_line.h"

#include <charconv>

#include "common/diagnostics.h"

namespace conc::wordcount {

MergeLine parse_merge_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  const std::size_t tab = line.rfind('\t');
  if (tab == std::string_view::npos) return {{}, 0, "malformed line: expected word<TAB>count"};
  const std::string_view word = line.substr(0, tab);
  const std::string_view digits = line.substr(tab + 1);
  if (word.empty()) return {{}, 0, "malformed line: empty word"};
  std::uint64_t count = 0;
  const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), count);
  if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size() || count == 0) {
    return {{}, 0, "malformed line: count '" + common::printable_name(digits) + "' is not a positive whole number"};
  }
  return {word, count, {}};
}

}  // namespace conc::wordcount
