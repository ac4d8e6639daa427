// common/read_all.h: the whole of a small input, or a stream of lines or NUL-separated names.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

#include "common/diagnostics.h"

namespace conc::common {

/// Reads all of `path` ("-": standard input) through common::Input, so a
/// silent pipe or a FIFO without a writer waits in stop-aware slices. On
/// failure reports the path and the reason to `diag` as an error and returns
/// nullopt; once `stop` is requested returns nullopt without a report.
std::optional<std::string> read_all(const std::string& path, Diagnostics& diag, const std::stop_token& stop = {});

/// At most `limit` bytes of `path` ("-": standard input): all of it when it
/// is shorter, else the first `limit`, without reading on, so an endless
/// stream (/dev/zero) ends at once. For a fixed-size secret such as a key:
/// a `limit` one past its size tells "too long". Throws InputError when the
/// input cannot be read; returns what it has once `stop` is requested.
std::string read_prefix(const std::string& path, std::size_t limit, const std::stop_token& stop = {});

/// Reads NUL-separated names (`find -print0`, `--files0-from`) from `path`
/// ("-": standard input) as a stream, handing each good name to `sink` as
/// soon as its NUL is read, so memory holds one name, never the whole list.
/// A last name without its NUL still counts. Each bad name is reported to
/// `diag` at once and skipped: an empty one ("-: entry 2: invalid
/// zero-length file name") and, when reading from standard input, the name
/// "-" (as GNU tools word it). An unreadable source is reported. Returns
/// early, without a report, once `stop` is requested.
/// The longest line of a small line-oriented file (a checksum line, a
/// `word<TAB>count` line): a digest and a name, or a word and a count, fit
/// many times over, and memory stays bounded on an endless line (`/dev/zero`).
inline constexpr std::size_t kMaxShortLine = std::size_t{1} << 20;

/// `bytes` as the line-limit messages print it: "1M", "64K", "2G", else "N bytes".
std::string limit_text(std::size_t bytes);

/// How `for_each_line` ended.
enum class LinesEnd {
  kDone,     ///< every line was handed out
  kFailed,   ///< unreadable, or a line was too long: reported, the rest skipped
  kStopped,  ///< `stop` was requested: nothing reported
};

/// Reads `path` ("-": standard input) as a stream of lines, handing each one
/// (without its '\n') and its 1-based number to `sink`; a last line without
/// its '\n' still counts. Memory holds one line and one block, never the
/// whole file. A line longer than `max_line` bytes is reported to `diag` as
/// "PATH:N: line longer than 1M" and ends the reading; so does an
/// unreadable input ("PATH: reason"). `stop` is checked between lines and
/// blocks.
LinesEnd for_each_line(const std::string& path, std::size_t max_line, Diagnostics& diag, const std::stop_token& stop,
                       const std::function<void(std::string_view line, std::uint64_t number)>& sink);

void for_each_name0(const std::string& path, Diagnostics& diag, const std::stop_token& stop,
                    const std::function<void(std::string&&)>& sink);

}  // namespace conc::common
