// test/fuzz/memory_files.h: a fuzz input as up to four files, for the
// targets that read several files (the merges of --shard parts).
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "require.h"

namespace conc_fuzz {

/// A file the code under test can open by name, and open twice: a memfd,
/// named through /proc, closed with the object.
class MemoryFile {
 public:
  explicit MemoryFile(std::string_view bytes) : fd_(::memfd_create("part", 0)) {
    CONC_FUZZ_REQUIRE(fd_ >= 0);
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
      CONC_FUZZ_REQUIRE(n > 0);
      done += static_cast<std::size_t>(n);
    }
  }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;
  ~MemoryFile() { ::close(fd_); }
  [[nodiscard]] std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

 private:
  int fd_;
};

/// The input cut at each "\n====\n" into up to four files (the fourth
/// keeps the rest), so that seeds read as parts laid one after the other.
class MemoryFiles {
 public:
  MemoryFiles(const std::uint8_t* data, std::size_t size) {
    std::string_view rest(reinterpret_cast<const char*>(data), size);
    constexpr std::string_view kCut = "\n====\n";
    while (files_.size() < 4) {
      const std::size_t cut = files_.size() == 3 ? std::string_view::npos : rest.find(kCut);
      files_.push_back(std::make_unique<MemoryFile>(rest.substr(0, cut)));
      paths_.push_back(files_.back()->path());
      if (cut == std::string_view::npos) break;
      rest.remove_prefix(cut + kCut.size());
    }
  }
  [[nodiscard]] const std::vector<std::string>& paths() const noexcept { return paths_; }

 private:
  std::vector<std::unique_ptr<MemoryFile>> files_;
  std::vector<std::string> paths_;
};

/// Whether `line` holds no control byte: it prints as one line and cannot
/// drive a terminal.
inline bool printable_line(std::string_view line) {
  for (const char c : line) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  }
  return true;
}

}  // namespace conc_fuzz
