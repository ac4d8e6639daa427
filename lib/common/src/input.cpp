#include "common/input.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>

#include "common/diagnostics.h"

namespace conc::common {
namespace {

// statfs f_type values (linux/magic.h), spelled out to keep the kernel header out.
constexpr long kProcSuperMagic = 0x9fa0;
constexpr long kSysfsMagic = 0x62656572;

[[noreturn]] void fail_errno(int error_number) { throw InputError(errno_reason(error_number), error_number); }

[[noreturn]] void fail_shrank(std::uint64_t expected, std::uint64_t got) {
  throw InputError("file shrank while being read (" + std::to_string(expected) + " bytes when opened, " +
                   std::to_string(got) + " read)");
}

// Whether the stat size of the regular file open on `fd` says how much it holds.
bool size_is_trusted(int fd, std::uint64_t size) {
  if (size == 0) return false;  // /proc files, and files that generate content on read
  struct statfs fs {};
  if (::fstatfs(fd, &fs) != 0) return true;
  const auto type = static_cast<long>(fs.f_type);
  return type != kProcSuperMagic && type != kSysfsMagic;  // sysfs says 4096 for 23 bytes
}

}  // namespace

bool wait_readable(int fd, const std::stop_token& stop) {
  for (;;) {
    if (stop.stop_requested()) return false;
    pollfd pfd{fd, POLLIN, 0};
    // A FIFO opened before any writer reports nothing (not POLLHUP) until a
    // writer comes: Linux only reports a hang-up once a writer has been and gone.
    if (::poll(&pfd, 1, 100) > 0) return true;  // POLLIN, POLLHUP or an error read() will report
    // 0: the slice ended; -1: EINTR (perhaps the signal itself). Check again.
  }
}

Input Input::open(const std::string& path, bool is_stdin) {
  int fd = STDIN_FILENO;
  if (!is_stdin) {
    // O_NONBLOCK: open(2) of a FIFO with no writer would block beyond the
    // reach of a stop request; reads wait in wait_readable instead.
    do {
      fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) fail_errno(errno);
  }
  auto fail = [&](int e) {
    if (!is_stdin) ::close(fd);
    fail_errno(e);
  };
  struct stat st {};
  if (::fstat(fd, &st) != 0) fail(errno);
  if (S_ISDIR(st.st_mode)) fail(EISDIR);
  const bool regular = S_ISREG(st.st_mode);
  // Blocking again: every read of a stream is preceded by wait_readable, and
  // a blocking read returns what a pipe has rather than EAGAIN. Regular files
  // too: a few of them block (/proc/kmsg, tracefs's trace_pipe) and would
  // otherwise fail with EAGAIN.
  if (!is_stdin) {
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) fail(errno);
  }
  const auto size = regular ? static_cast<std::uint64_t>(st.st_size) : 0;
  // Standard input is read from where its offset stands (`conc hash - -`), never mapped or read by ranges.
  const bool sized = regular && !is_stdin && size_is_trusted(fd, size);
  // Only a hint: the kernel doubles its read-ahead window for this file.
  if (regular) ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return Input(fd, !is_stdin, regular, sized, sized ? size : 0);
}

Input::Input(Input&& other) noexcept
    : fd_(other.fd_),
      owned_(other.owned_),
      regular_(other.regular_),
      sized_(other.sized_),
      size_(other.size_),
      done_(other.done_) {
  other.owned_ = false;
}

Input::~Input() {
  if (owned_) ::close(fd_);
}

std::size_t Input::read(std::span<char> buffer, const std::stop_token& stop) {
  std::size_t filled = 0;
  while (filled < buffer.size()) {
    if (!regular_ && !wait_readable(fd_, stop)) break;
    const ssize_t n = ::read(fd_, buffer.data() + filled, buffer.size() - filled);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_errno(errno);
    }
    if (n == 0) break;
    filled += static_cast<std::size_t>(n);
    // A pipe or terminal hands over what it has: use it rather than wait for
    // a full buffer (a regular file fills it, so this only helps streams).
    if (!regular_) break;
    if (stop.stop_requested()) break;
  }
  done_ += filled;
  if (filled == 0 && sized_ && done_ < size_ && !stop.stop_requested()) fail_shrank(size_, done_);
  return filled;
}

std::size_t Input::read_at(std::span<char> buffer, std::uint64_t offset) const {
  std::size_t done = 0;
  while (done < buffer.size()) {
    const ssize_t n = ::pread(fd_, buffer.data() + done, buffer.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_errno(errno);
    }
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  return done;
}

MappedInput::MappedInput(const Input& input) : size_(input.size()) {
  if (!input.is_sized()) throw std::logic_error("MappedInput: the input is not a sized file");
  void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, input.fd(), 0);
  if (p == MAP_FAILED) fail_errno(errno);
  ::madvise(p, size_, MADV_SEQUENTIAL);  // a hint: aggressive read-ahead, early reclaim
  data_ = static_cast<const char*>(p);
}

MappedInput::~MappedInput() {
  if (data_ != nullptr) ::munmap(const_cast<char*>(data_), size_);
}

}  // namespace conc::common
