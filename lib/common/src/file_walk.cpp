#include "common/file_walk.h"

#include "common/read_all.h"

#include <dirent.h>
#include <fnmatch.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <set>
#include <utility>

namespace conc::common {
namespace {

using DirId = std::pair<dev_t, ino_t>;

class Walker {
 public:
  Walker(const WalkOptions& options, Diagnostics& diag, std::vector<InputFile>& out)
      : options_(options), diag_(diag), out_(out) {}

  void top(const std::string& path) {
    if (path == "-") {
      out_.push_back({"-", 0, true});
      return;
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {  // command-line links are followed
      diag_.error(path, errno_reason(errno));
      return;
    }
    root_device_ = st.st_dev;
    add(path, st, true);
  }

 private:
  void directory(const std::string& path, const struct stat& st) {
    const DirId id{st.st_dev, st.st_ino};
    if (!on_path_.insert(id).second) {
      diag_.error(path, "directory loop (already being walked), skipped");
      return;
    }
    DIR* dir = ::opendir(path.c_str());
    if (dir == nullptr) {
      diag_.error(path, errno_reason(errno));
      on_path_.erase(id);
      return;
    }
    std::vector<std::string> names;
    // NOLINTNEXTLINE(concurrency-mt-unsafe): glibc's readdir is safe on a stream no other thread uses
    while (const dirent* e = ::readdir(dir)) {
      const std::string name = e->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    ::closedir(dir);
    std::sort(names.begin(), names.end());  // byte order: deterministic
    const std::string prefix = path.back() == '/' ? path : path + "/";
    for (const auto& name : names) entry(prefix + name, name);
    on_path_.erase(id);
  }

  void entry(const std::string& path, const std::string& name) {
    if (excluded(path, name)) return;
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
      diag_.error(path, errno_reason(errno));
      return;
    }
    if (S_ISLNK(st.st_mode)) {
      if (!options_.follow_symlinks) return;  // not followed inside a walk
      if (::stat(path.c_str(), &st) != 0) {
        diag_.error(path, errno_reason(errno));
        return;
      }
    }
    add(path, st, false);
  }

  // A directory is walked, a regular file kept. Anything else (a FIFO,
  // /dev/stdin...) is read as a stream when named on the command line, and
  // skipped with a warning when met inside a walk.
  void add(const std::string& path, const struct stat& st, bool named) {
    if (S_ISDIR(st.st_mode)) {
      if (options_.one_file_system && !named && st.st_dev != root_device_) return;
      directory(path, st);
    } else if (S_ISREG(st.st_mode)) {
      if (!named && skipped(st)) return;
      out_.push_back({path, static_cast<std::uint64_t>(st.st_size), false});
    } else if (named) {
      out_.push_back({path, 0, false});
    } else {
      diag_.warning(path, "not a regular file, skipped");
    }
  }

  bool skipped(const struct stat& st) const {
    const FileId id{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
    return std::find(options_.skip.begin(), options_.skip.end(), id) != options_.skip.end();
  }

  bool excluded(const std::string& path, const std::string& name) const {
    for (const auto& glob : options_.excludes) {
      if (::fnmatch(glob.c_str(), name.c_str(), 0) == 0 || ::fnmatch(glob.c_str(), path.c_str(), 0) == 0) return true;
    }
    return false;
  }

  const WalkOptions& options_;
  Diagnostics& diag_;
  dev_t root_device_ = 0;  // of the path named by the user that is being walked
  std::vector<InputFile>& out_;
  std::set<DirId> on_path_;  // directories between the root and here
};

}  // namespace

std::optional<FileId> file_id(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return FileId{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
}

std::vector<InputFile> walk(const std::vector<std::string>& paths, const WalkOptions& options, Diagnostics& diag) {
  std::vector<InputFile> out;
  Walker walker(options, diag, out);
  for (const auto& p : paths) walker.top(p);
  return out;
}

std::vector<std::string> read_names0(const std::string& path, Diagnostics& diag, const std::stop_token& stop) {
  std::vector<std::string> names;
  for_each_name0(path, diag, stop, [&](std::string&& name) { names.push_back(std::move(name)); });
  return names;
}

}  // namespace conc::common
