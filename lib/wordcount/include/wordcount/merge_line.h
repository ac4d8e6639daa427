// wordcount/merge_line.h: one `word<TAB>count` line of --merge input, read.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace conc::wordcount {

/// A `--merge` line, parsed; `word` and `count` mean something only when
/// `error` is empty.
struct MergeLine {
  std::string_view word;    ///< a view into the line: never empty, may hold tabs
  std::uint64_t count = 0;  ///< from 1 to 2^64-1
  std::string error;        ///< why the line is malformed ("malformed line: ..."), for the diagnostic
};

/// Reads one line of `--merge` input, given without its '\n' (a '\r' before
/// it, from a CRLF file, is dropped here): the word is everything before the
/// last tab, so a word holding a tab survives; the count is the decimal
/// digits after it, from 1 to 2^64-1, nothing else (no sign, no blank).
MergeLine parse_merge_line(std::string_view line);

}  // namespace conc::wordcount
