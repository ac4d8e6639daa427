// pipeline/batch.h: the unit that flows between stages: consecutive input lines.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace conc::pipeline {

/// Consecutive lines of the input, each ending with '\n' except, possibly,
/// the last line of an input file that had no final newline (kept so: no
/// newline is ever invented). `seq` numbers batches from 0 in input order;
/// the output is the batches' data in `seq` order (with --ordered).
struct Batch {
  std::uint64_t seq = 0;
  std::uint64_t first_line = 1;  ///< input line number of the first line (1-based)
  std::uint64_t lines = 0;       ///< input lines in the batch
  std::string data;
  bool dropped = false;  ///< a stage failed on it (--on-error skip): later stages pass it on untouched, empty
  /// Leading output of batch `seq` handed on early by a streaming stage
  /// (StageControl::emit): written in order before the batch itself, which
  /// follows as the last piece.
  bool piece = false;
};

/// Calls f(content, has_newline) for each line of `data` (content without its '\n').
template <class F>
void for_each_line(std::string_view data, F&& f) {
  std::size_t at = 0;
  while (at < data.size()) {
    const std::size_t nl = data.find('\n', at);
    if (nl == std::string_view::npos) {
      f(data.substr(at), false);
      return;
    }
    f(data.substr(at, nl - at), true);
    at = nl + 1;
  }
}

/// Rebuilds a batch's data line by line: `f(content, out)` appends the new
/// content of each line to `out`; its terminator is kept as it was. Returns
/// the new data.
template <class F>
std::string map_lines(std::string_view data, F&& f) {
  std::string out;
  out.reserve(data.size() + data.size() / 8);
  for_each_line(data, [&](std::string_view line, bool newline) {
    f(line, out);
    if (newline) out.push_back('\n');
  });
  return out;
}

}  // namespace conc::pipeline
