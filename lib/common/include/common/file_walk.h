// common/file_walk.h: expand command-line paths into the regular files to read.
#pragma once

#include <cstdint>
#include <optional>
#include <stop_token>
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

/// A file's identity, whatever its name: device and inode.
struct FileId {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  friend bool operator==(const FileId&, const FileId&) = default;
};

/// The identity of the file `path` names (symlinks followed), or nothing when
/// it does not exist.
std::optional<FileId> file_id(const std::string& path);

struct WalkOptions {
  bool follow_symlinks = false;  ///< inside directories; command-line links are always followed
  /// Glob patterns (fnmatch, `*` also matches `/`): an entry met inside a
  /// walk whose name or whole path matches one is skipped, a directory with
  /// everything under it. Paths named by the user are never excluded.
  std::vector<std::string> excludes;
  bool one_file_system = false;  ///< do not enter directories on another file system than the named one
  /// Files met inside a walk that are silently skipped: the run's own output
  /// files (`-o DIR/SUMS DIR` must not list its temporary or its old self).
  /// Paths named by the user are never skipped.
  std::vector<FileId> skip;
};

/// Expands `paths` in order: a regular file is itself; a directory is walked
/// recursively, entries sorted by name bytes, depth first; "-" is standard
/// input. Symlinks inside a walk are followed only with `follow_symlinks`
/// (then a directory reached again through a link is a loop: reported, not
/// re-entered). Missing or unreadable paths are errors, FIFOs, sockets and
/// devices inside a walk are warnings; both go to `diag` and are skipped.
std::vector<InputFile> walk(const std::vector<std::string>& paths, const WalkOptions& options, Diagnostics& diag);

/// The good names `for_each_name0` (common/read_all.h) reads from `path`,
/// in order: bad names are reported as they are read, and a list of only
/// bad names (`/dev/zero`) holds no memory; stops with `stop`.
std::vector<std::string> read_names0(const std::string& path, Diagnostics& diag, const std::stop_token& stop = {});

}  // namespace conc::common
