// common/mapped_file.h: a whole file's bytes, read-only, memory-mapped.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace conc::common {

/// Maps a regular file read-only (MAP_PRIVATE, sequential advice) so that
/// several threads can scan different parts of it without copying. An empty
/// file maps to an empty view. Throws std::runtime_error naming the path and
/// the reason when it cannot be opened or mapped.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path);
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&&) = delete;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  [[nodiscard]] std::string_view bytes() const noexcept { return {data_, size_}; }

 private:
  const char* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace conc::common
