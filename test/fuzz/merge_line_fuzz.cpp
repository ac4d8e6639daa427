// parse_merge_line on arbitrary lines (--merge sums files other runs or other
// tools wrote): its verdict is checked against a plain reading of the format,
// and what it accepts reads back the same when written as wordcount writes tsv.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "require.h"
#include "wordcount/merge_line.h"

namespace {

using conc::wordcount::MergeLine;
using conc::wordcount::parse_merge_line;

// The count the format allows after the last tab: decimal digits only, 1 to
// 2^64-1. Written digit by digit, independently of the parser's from_chars.
std::optional<std::uint64_t> reference_count(std::string_view digits) {
  if (digits.empty()) return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  if (value == 0) return std::nullopt;
  return value;
}

bool same(const MergeLine& a, const MergeLine& b) {
  return a.word == b.word && a.count == b.count && a.error == b.error;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  const MergeLine parsed = parse_merge_line(line);

  std::string_view body = line;
  if (!body.empty() && body.back() == '\r') body.remove_suffix(1);
  const std::size_t tab = body.rfind('\t');
  const bool well_formed =
      tab != std::string_view::npos && tab > 0 && reference_count(body.substr(tab + 1)).has_value();
  CONC_FUZZ_REQUIRE(parsed.error.empty() == well_formed);

  // A CRLF file reads as its LF twin.
  if (line.empty() || line.back() != '\r') {
    CONC_FUZZ_REQUIRE(same(parse_merge_line(std::string(line) + "\r"), parsed));
  }

  if (!well_formed) {
    CONC_FUZZ_REQUIRE(parsed.error.starts_with("malformed line: "));
    // The reason ends a diagnostic line: no byte of the input may break it
    // or drive the terminal (common::printable_name escapes them).
    for (const char c : parsed.error) CONC_FUZZ_REQUIRE(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f);
    return 0;
  }
  CONC_FUZZ_REQUIRE(parsed.word == body.substr(0, tab));
  CONC_FUZZ_REQUIRE(parsed.count == *reference_count(body.substr(tab + 1)));
  // --format tsv output (`word<TAB>count`) is --merge input.
  const std::string written = std::string(parsed.word) + '\t' + std::to_string(parsed.count);
  const MergeLine again = parse_merge_line(written);
  CONC_FUZZ_REQUIRE(again.error.empty() && again.word == parsed.word && again.count == parsed.count);
  return 0;
}
