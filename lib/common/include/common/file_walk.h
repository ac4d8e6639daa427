// common/file_walk.h: expand command-line paths into the regular files to read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/diagnostics.h"

namespace conc::common {

/// One input found by `walk`.
struct InputFile {
  std::string path;        ///< as the user would name it ("-" for stdin)
  std::uint64_t size = 0;  ///< at the time of the walk
  bool is_stdin = false;
};

struct WalkOptions {
  bool follow_symlinks = false;  ///< inside directories; command-line links are always followed
};

/// Expands `paths` in order: a regular file is itself; a directory is walked
/// recursively, entries sorted by name bytes, depth first; "-" is standard
/// input. Symlinks inside a walk are followed only with `follow_symlinks`
/// (then a directory reached again through a link is a loop: reported, not
/// re-entered). Missing or unreadable paths are errors, FIFOs, sockets and
/// devices inside a walk are warnings; both go to `diag` and are skipped.
std::vector<InputFile> walk(const std::vector<std::string>& paths, const WalkOptions& options, Diagnostics& diag);

}  // namespace conc::common
