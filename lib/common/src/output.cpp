#include "common/output.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <random>

#include "common/diagnostics.h"

namespace conc::common {

Output::Output(std::string path) : path_(std::move(path)) {
  buffer_.reserve(kBufferSize);
  if (path_.empty() || path_ == "-") {
    path_ = "-";
    return;
  }
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) fail(EISDIR);
  const auto slash = path_.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : path_.substr(0, slash + 1);
  const std::string base = slash == std::string::npos ? path_ : path_.substr(slash + 1);
  std::mt19937_64 rng(static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
                      static_cast<std::uint64_t>(::getpid()));
  for (int attempt = 0; attempt < 100; ++attempt) {
    temp_ = dir + "." + base + ".conc-" + std::to_string(rng() % 1000000000ull);
    // 0666: the umask applies, exactly as for a file the shell would create.
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ >= 0) return;
    if (errno != EEXIST) break;
  }
  const int err = errno;
  temp_.clear();
  fail(err);
}

Output::~Output() {
  if (is_stdout() || committed_) return;
  ::close(fd_);
  ::unlink(temp_.c_str());
}

void Output::fail(int error_number) {
  if (error_number == EPIPE && is_stdout()) throw BrokenPipe();
  throw std::runtime_error(path_ + ": " + errno_reason(error_number));
}

void Output::write(std::string_view data) {
  if (buffer_.size() + data.size() > kBufferSize) {
    flush();
    if (data.size() >= kBufferSize) {
      write_all(data);
      return;
    }
  }
  buffer_.append(data);
}

void Output::flush() {
  if (buffer_.empty()) return;
  write_all(buffer_);
  buffer_.clear();
}

void Output::write_all(std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(errno);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

void Output::commit() {
  flush();
  if (is_stdout() || committed_) return;
  if (::close(fd_) != 0) fail(errno);
  if (::rename(temp_.c_str(), path_.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp_.c_str());
    committed_ = true;  // nothing left to clean up
    fail(err);
  }
  committed_ = true;
}

}  // namespace conc::common
