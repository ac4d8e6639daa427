// common/input.h: the one way to open and read an input (a file, a FIFO, a device or stdin), stop-aware.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <stop_token>
#include <string>

namespace conc::common {

/// Why an input could not be read: the reason text of a diagnostic line
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

/// Waits until `fd` has data (or end of input) to read: true; or until
/// `stop` is requested: false. Waits in short slices, so a stop request ends
/// the wait even while the writer of a pipe stays silent (or a FIFO has no
/// writer yet) and the signal landed on another thread. For pipes, FIFOs,
/// devices and terminals; a regular file is always readable.
bool wait_readable(int fd, const std::stop_token& stop);

/// One open input. Move-only; closes on destruction (never stdin).
///
/// Guarantees:
/// - Opening never blocks: a FIFO is opened with O_NONBLOCK (then made
///   blocking again), so a FIFO no writer has opened yet waits in `read`,
///   where a stop request ends the wait, not in open(2).
/// - `read` on anything but a regular file waits in stop-aware slices, and a
///   FIFO whose writer has not come yet is not at its end: it waits for one.
/// - A regular file is read in large blocks with a sequential-access hint.
/// - A regular file is "sized" when its stat size can be trusted: not 0 and
///   not on procfs or sysfs (where the size is 0 or a page whatever the
///   content), and not standard input (read from where its offset stands).
///   Only a sized file may be mapped or read by ranges; the rest
///   is read to its end, and only a sized file that ends early has shrunk.
class Input {
 public:
  /// Opens `path`, or standard input when `is_stdin`. Throws InputError on
  /// failure, and for a directory ("Is a directory").
  static Input open(const std::string& path, bool is_stdin);
  /// As above; "-" is standard input.
  static Input open(const std::string& path) { return open(path, path == "-"); }

  Input(Input&& other) noexcept;
  Input& operator=(Input&&) = delete;
  ~Input();

  /// Fills `buffer` as far as it can and returns the bytes read: a regular
  /// file fills it unless it ends, a stream hands over what has arrived
  /// (after waiting for something). Returns 0 only at the end or once `stop`
  /// is requested. Throws InputError on a read error, or when a sized file
  /// ends before the size it had when opened (it shrank during the run).
  std::size_t read(std::span<char> buffer, const std::stop_token& stop = {});

  /// Reads `buffer.size()` bytes at `offset` (pread: no shared file position,
  /// so many threads may read ranges at once). Returns the bytes read, fewer
  /// only at the end of the file. Throws InputError on a read error. Sized
  /// files only.
  std::size_t read_at(std::span<char> buffer, std::uint64_t offset) const;

  [[nodiscard]] bool is_regular() const noexcept { return regular_; }
  /// A regular file whose size can be trusted (see the class comment).
  [[nodiscard]] bool is_sized() const noexcept { return sized_; }
  /// The size when opened (sized files only; else 0).
  [[nodiscard]] std::uint64_t size() const noexcept { return size_; }
  [[nodiscard]] int fd() const noexcept { return fd_; }

 private:
  Input(int fd, bool owned, bool regular, bool sized, std::uint64_t size) noexcept
      : fd_(fd), owned_(owned), regular_(regular), sized_(sized), size_(size) {}

  int fd_;
  bool owned_;
  bool regular_;
  bool sized_;
  std::uint64_t size_;
  std::uint64_t done_ = 0;
};

/// A read-only mapping of a whole sized file.
/// Touching a page the file no longer has raises SIGBUS: read mapped bytes
/// only under a guard that catches it (hash's `update_guarded`).
class MappedInput {
 public:
  /// Maps the file `input` has open. Throws InputError if mmap fails, and
  /// std::logic_error if `input` is not sized (read it instead).
  explicit MappedInput(const Input& input);
  MappedInput(const MappedInput&) = delete;
  MappedInput& operator=(const MappedInput&) = delete;
  ~MappedInput();

  [[nodiscard]] const char* data() const noexcept { return data_; }
  [[nodiscard]] std::uint64_t size() const noexcept { return size_; }

 private:
  const char* data_ = nullptr;
  std::uint64_t size_ = 0;
};

}  // namespace conc::common
