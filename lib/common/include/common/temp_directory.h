// common/temp_directory.h: a scratch directory that goes away with its owner.
#pragma once

#include <filesystem>
#include <string>

namespace conc::common {

/// Where temporary directories go by default: $TMPDIR when set and not
/// empty, else /tmp.
std::string temp_root();

/// Makes a new directory `<root>/<prefix>XXXXXX` (mkdtemp: mode 0700, a name
/// no one else holds) and removes it, with everything in it, on
/// destruction. An empty `root` means `temp_root()`. Throws
/// std::runtime_error naming the root and the reason when it cannot be
/// made. Not removed if the process is killed (SIGKILL, a second signal).
class TempDirectory {
 public:
  explicit TempDirectory(const std::string& prefix, const std::string& root = {});
  TempDirectory(const TempDirectory&) = delete;
  TempDirectory& operator=(const TempDirectory&) = delete;
  ~TempDirectory();

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace conc::common
