// hash/file_source.h: the bytes of one input, read in large blocks or mapped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <stop_token>
#include <string>

#include "hash/algorithm.h"

namespace conc::hash {

enum class IoMode {
  kRead,  ///< read(2) into a reused buffer, posix_fadvise(SEQUENTIAL)
  kMmap,  ///< map the whole file, madvise(SEQUENTIAL); stdin and non-regular files fall back to reads
};

/// Why an input could not be hashed: the reason text of a diagnostic line
/// ("No such file or directory", "Is a directory", "file shrank while being read").
class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& reason, int error_number = 0)
      : std::runtime_error(reason), error_number_(error_number) {}
  /// The errno behind it, 0 if none (a file that shrank).
  [[nodiscard]] int error_number() const noexcept { return error_number_; }

 private:
  int error_number_;
};

/// An open input. Regular files are read with a sequential-access hint;
/// standard input ("-") is read as it comes. Move-only; closes on destruction.
class FileSource {
 public:
  /// Opens `path` (or stdin). Throws InputError on failure, and for a
  /// directory ("Is a directory").
  static FileSource open(const std::string& path, bool is_stdin);

  FileSource(FileSource&& other) noexcept;
  FileSource& operator=(FileSource&&) = delete;
  ~FileSource();

  /// Fills `buffer` as far as it can; returns the bytes read, 0 only at the
  /// end or once `stop` is requested (a silent pipe cannot hold the run).
  /// Throws InputError on a read error, or when a regular file ends before
  /// the size it had when opened (it shrank during the run).
  std::size_t read(std::span<char> buffer, const std::stop_token& stop = {});

  [[nodiscard]] bool is_regular() const noexcept { return regular_; }
  /// The size when opened (regular files only).
  [[nodiscard]] std::uint64_t size() const noexcept { return size_; }
  [[nodiscard]] int fd() const noexcept { return fd_; }

 private:
  FileSource(int fd, bool owned, bool regular, std::uint64_t size) noexcept
      : fd_(fd), owned_(owned), regular_(regular), size_(size) {}

  int fd_;
  bool owned_;
  bool regular_;
  std::uint64_t size_;
  std::uint64_t done_ = 0;
};

/// A read-only mapping of a whole regular file (empty files map nothing).
/// Touching a page the file no longer has raises SIGBUS, so hash mapped
/// bytes only through `update_guarded`.
class MappedFile {
 public:
  /// Maps the file `source` has open. Throws InputError if mmap fails.
  explicit MappedFile(const FileSource& source);
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  [[nodiscard]] const char* data() const noexcept { return data_; }
  [[nodiscard]] std::uint64_t size() const noexcept { return size_; }

 private:
  const char* data_ = nullptr;
  std::uint64_t size_ = 0;
};

/// `digest.update(data, size)` for bytes of a MappedFile, catching the
/// SIGBUS raised when the file was truncated under the mapping. Throws
/// InputError("file shrank while being read") in that case; the digest is
/// then unusable. Safe to call from many threads at once.
void update_guarded(Digest& digest, const char* data, std::size_t size);

}  // namespace conc::hash
