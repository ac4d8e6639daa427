#include "hash/file_source.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csetjmp>
#include <csignal>
#include <mutex>

#include "common/diagnostics.h"
#include "common/interrupt.h"

namespace conc::hash {
namespace {

[[noreturn]] void fail_errno(int error_number) { throw InputError(common::errno_reason(error_number), error_number); }

[[noreturn]] void fail_shrank(std::uint64_t expected, std::uint64_t got) {
  throw InputError("file shrank while being read (" + std::to_string(expected) + " bytes when opened, " +
                   std::to_string(got) + " read)");
}

// The SIGBUS guard: the thread hashing mapped bytes points this at its jump
// buffer for the length of one update; the handler jumps back there.
thread_local sigjmp_buf* t_sigbus_return = nullptr;

void on_sigbus(int sig, siginfo_t*, void*) {
  if (sigjmp_buf* back = t_sigbus_return) siglongjmp(*back, 1);
  // Not ours: die as SIGBUS would have without us.
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void install_sigbus_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGBUS, &sa, nullptr);
  });
}

}  // namespace

FileSource FileSource::open(const std::string& path, bool is_stdin) {
  int fd = 0;
  if (!is_stdin) {
    do {
      fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) fail_errno(errno);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int e = errno;
    if (!is_stdin) ::close(fd);
    fail_errno(e);
  }
  if (S_ISDIR(st.st_mode)) {
    if (!is_stdin) ::close(fd);
    fail_errno(EISDIR);
  }
  const bool regular = S_ISREG(st.st_mode);
  // Only a hint: the kernel doubles its read-ahead window for this file.
  if (regular) ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return FileSource(fd, !is_stdin, regular, regular ? static_cast<std::uint64_t>(st.st_size) : 0);
}

FileSource::FileSource(FileSource&& other) noexcept
    : fd_(other.fd_), owned_(other.owned_), regular_(other.regular_), size_(other.size_), done_(other.done_) {
  other.owned_ = false;
}

FileSource::~FileSource() {
  if (owned_) ::close(fd_);
}

std::size_t FileSource::read(std::span<char> buffer, const std::stop_token& stop) {
  std::size_t filled = 0;
  while (filled < buffer.size()) {
    if (!regular_ && !common::wait_readable(fd_, stop)) break;
    const ssize_t n = ::read(fd_, buffer.data() + filled, buffer.size() - filled);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_errno(errno);
    }
    if (n == 0) break;
    filled += static_cast<std::size_t>(n);
    // A pipe or terminal hands over what it has: hash it rather than wait
    // for a full buffer (a regular file fills it, so this only helps streams).
    if (!regular_) break;
  }
  done_ += filled;
  if (filled == 0 && regular_ && done_ < size_) fail_shrank(size_, done_);
  return filled;
}

MappedFile::MappedFile(const FileSource& source) : size_(source.size()) {
  if (size_ == 0) return;
  void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, source.fd(), 0);
  if (p == MAP_FAILED) fail_errno(errno);
  ::madvise(p, size_, MADV_SEQUENTIAL);  // a hint: aggressive read-ahead, early reclaim
  data_ = static_cast<const char*>(p);
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(const_cast<char*>(data_), size_);
}

void update_guarded(Digest& digest, const char* data, std::size_t size) {
  install_sigbus_handler();
  sigjmp_buf back;
  // Nothing with a destructor lives between here and the faulting load, so
  // jumping back over the digest code is well defined.
  if (sigsetjmp(back, 1) != 0) {
    t_sigbus_return = nullptr;
    throw InputError("file shrank while being read");
  }
  t_sigbus_return = &back;
  digest.update(data, size);
  t_sigbus_return = nullptr;
}

}  // namespace conc::hash
