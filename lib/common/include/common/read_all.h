// common/read_all.h: the whole of a small input (a checksum file), or a stream of NUL-separated names.
#pragma once

#include <functional>
#include <optional>
#include <stop_token>
#include <string>

#include "common/diagnostics.h"

namespace conc::common {

/// Reads all of `path` ("-": standard input) through common::Input, so a
/// silent pipe or a FIFO without a writer waits in stop-aware slices. On
/// failure reports the path and the reason to `diag` as an error and returns
/// nullopt; once `stop` is requested returns nullopt without a report.
std::optional<std::string> read_all(const std::string& path, Diagnostics& diag, const std::stop_token& stop = {});

/// Reads NUL-separated names (`find -print0`, `--files0-from`) from `path`
/// ("-": standard input) as a stream, handing each good name to `sink` as
/// soon as its NUL is read, so memory holds one name, never the whole list.
/// A last name without its NUL still counts. Each bad name is reported to
/// `diag` at once and skipped: an empty one ("-: entry 2: invalid
/// zero-length file name") and, when reading from standard input, the name
/// "-" (as GNU tools word it). An unreadable source is reported. Returns
/// early, without a report, once `stop` is requested.
void for_each_name0(const std::string& path, Diagnostics& diag, const std::stop_token& stop,
                    const std::function<void(std::string&&)>& sink);

}  // namespace conc::common
