// common/output.h: results to stdout, or to a file that appears whole or not at all.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace conc::common {

/// Thrown by Output::write when stdout's reader has gone away (EPIPE), as in
/// `conc ... | head -1`: the run should end at once, quietly.
class BrokenPipe : public std::runtime_error {
 public:
  BrokenPipe() : std::runtime_error("broken pipe") {}
};

/// A buffered result stream.
///
/// With path "" or "-" it writes to stdout. Otherwise it writes to a fresh
/// temporary file in the destination's directory and `commit()` renames it
/// over the destination, so a reader never sees half a file; without a
/// commit (error, interrupt) the destructor removes the temporary file.
/// Write errors throw `std::runtime_error` naming the path and the reason;
/// EPIPE on stdout throws `BrokenPipe`. Not thread-safe: one writer.
class Output {
 public:
  explicit Output(std::string path = "-");
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;
  ~Output();

  void write(std::string_view data);
  void put(char c) {
    if (buffer_.size() >= kBufferSize) flush();
    buffer_.push_back(c);
  }
  void flush();
  /// Flushes; for a file, closes it and renames it into place.
  void commit();

  [[nodiscard]] bool is_stdout() const noexcept { return temp_.empty(); }
  /// The destination as the user named it ("-" for stdout).
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  static constexpr std::size_t kBufferSize = 1 << 16;
  void write_all(std::string_view data);
  [[noreturn]] void fail(int error_number);

  std::string path_;
  std::string temp_;  // empty for stdout
  int fd_ = 1;
  bool committed_ = false;
  std::string buffer_;
};

}  // namespace conc::common
