// common/read_all.h: the whole of a small input (a list of names, a checksum file).
#pragma once

#include <optional>
#include <string>

#include "common/diagnostics.h"

namespace conc::common {

/// Reads all of `path` ("-": standard input). On failure reports the path
/// and the reason to `diag` as an error and returns nullopt.
std::optional<std::string> read_all(const std::string& path, Diagnostics& diag);

}  // namespace conc::common
