// common/output.h: results to stdout, or to a file that appears whole or not at all.
#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <string_view>

#include "common/interrupt.h"

namespace conc::common {

/// Thrown by Output::write when stdout's reader has gone away (EPIPE), as in
/// `conc ... | head -1`: the run should end at once, quietly.
class BrokenPipe : public std::runtime_error {
 public:
  BrokenPipe() : std::runtime_error("broken pipe") {}
};

/// A buffered result stream that never damages what it replaces.
///
/// - Path "" or "-": stdout.
/// - A path naming (through any symlinks) an existing device, FIFO or socket:
///   opened and written in place, never replaced (`-o /dev/null` stays the
///   system's /dev/null).
/// - A path naming one of the process's own descriptors (`/dev/stdout`,
///   `/dev/fd/N`, `/proc/self/fd/N`, directly or through symlinks): written
///   to that descriptor as the shell opened it (`>>` keeps appending), never
///   replaced. EPIPE there throws `BrokenPipe`, as on stdout.
/// - Otherwise a regular file, new or replaced: symlinks are followed to the
///   final target, the results go to a temporary `.conc-XXXXXX` in the
///   target's directory (short, so any name that fits NAME_MAX works) and
///   `commit()` renames it over the target, so a reader never sees half a
///   file and the links stay links. A replaced file's permission bits are
///   kept (and its owner and group when run as root); a new one gets 0666
///   less the umask, as the shell would make it. Without a commit (error,
///   usage error, interrupt) the destructor removes the temporary file, and
///   while it exists it is registered with the InterruptGuard, whose handler
///   removes it if a second signal kills the process.
///
/// A FIFO with no reader yet is waited for (as the shell's `>` does), in
/// short slices that end when `stop` is requested; the constructor then
/// throws `Interrupted`.
///
/// Errors throw `std::runtime_error` naming the path and the reason (for
/// stdout: `stdout: write error: <reason>`); EPIPE on stdout throws
/// `BrokenPipe`. Not thread-safe: one writer.
class Output {
 public:
  /// Thrown by the constructor when `stop` was requested while it waited
  /// for a FIFO's reader.
  class Interrupted : public std::runtime_error {
   public:
    Interrupted() : std::runtime_error("interrupted") {}
  };

  explicit Output(std::string path = "-", const std::stop_token& stop = {});
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

  [[nodiscard]] bool is_stdout() const noexcept { return path_ == "-"; }
  /// The destination as the user named it ("-" for stdout).
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  /// The file that `commit()` replaces or writes in place, symlinks
  /// resolved ("-" for stdout).
  [[nodiscard]] const std::string& target() const noexcept { return target_; }
  /// The temporary file being written, or "" (stdout, written in place, committed).
  [[nodiscard]] const std::string& temp_path() const noexcept { return temp_; }

 private:
  static constexpr std::size_t kBufferSize = 1 << 16;
  void write_all(std::string_view data);
  void remove_temp() noexcept;
  [[noreturn]] void fail(int error_number) const;
  void open_in_place(const struct stat& st, const std::stop_token& stop);
  int open_fifo(const std::stop_token& stop) const;

  std::string path_;
  std::string target_;
  std::string temp_;  // empty for stdout, in place, or once committed
  int fd_ = 1;
  bool in_place_ = false;  // a device, FIFO or socket written directly
  bool committed_ = false;
  TempFileRegistration registration_;  // of temp_, for the signal handler
  std::string buffer_;
};

}  // namespace conc::common
