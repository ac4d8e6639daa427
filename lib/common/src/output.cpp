#include "common/output.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

#include "common/diagnostics.h"

namespace conc::common {
namespace {

std::string dir_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash + 1);
}

// The umask, which cannot be read without setting it. Read while the Output
// is made, before the engines start threads that could create files.
mode_t current_umask() {
  const mode_t mask = ::umask(022);
  ::umask(mask);
  return mask;
}

}  // namespace

Output::Output(std::string path, const std::stop_token& stop) : path_(std::move(path)) {
  buffer_.reserve(kBufferSize);
  if (path_.empty() || path_ == "-") {
    path_ = "-";
    target_ = "-";
    return;
  }
  // Follow symlinks to the final target by hand: the temporary file must sit
  // next to it (rename does not cross directories, nor file systems) and the
  // link itself must survive. SYMLOOP_MAX is not defined on Linux; 40 is its limit.
  target_ = path_;
  struct stat st {};
  bool exists = false;
  for (int hops = 0;; ++hops) {
    if (::lstat(target_.c_str(), &st) != 0) {
      if (errno != ENOENT) fail(errno);
      break;  // a new file (perhaps at the end of a dangling link)
    }
    if (!S_ISLNK(st.st_mode)) {
      exists = true;
      break;
    }
    if (hops == 40) fail(ELOOP);
    std::string link(PATH_MAX, '\0');
    const ssize_t n = ::readlink(target_.c_str(), link.data(), link.size());
    if (n < 0) fail(errno);
    link.resize(static_cast<std::size_t>(n));
    target_ = link.front() == '/' ? link : dir_of(target_) + link;
  }
  if (exists && S_ISDIR(st.st_mode)) fail(EISDIR);
  if (exists && !S_ISREG(st.st_mode)) {
    // A device, FIFO or socket: written in place, never replaced. O_NOCTTY:
    // a terminal named here must not become our controlling one.
    fd_ = S_ISFIFO(st.st_mode) ? open_fifo(stop) : ::open(target_.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (fd_ < 0) fail(errno);
    in_place_ = true;
    return;
  }

  const std::string dir = dir_of(target_);
  temp_ = dir + ".conc-XXXXXX";  // short: any target name that fits NAME_MAX works
  fd_ = ::mkostemp(temp_.data(), O_CLOEXEC);
  if (fd_ < 0) {
    const int err = errno;
    temp_.clear();
    if (err == EACCES || err == EPERM || err == EROFS) {
      // The user named a file; what failed is making one beside it.
      throw std::runtime_error(path_ + ": directory '" + (dir.empty() ? "." : dir.substr(0, dir.size() - 1)) +
                               "' is not writable (the output is written to a temporary file there first): " +
                               errno_reason(err));
    }
    fail(err);
  }
  registration_.set(temp_);
  // mkstemp makes the file 0600. A replaced file keeps its mode (a 600
  // secret stays 600) and, as root, its owner and group; chown first, since
  // it clears the set-id bits that fchmod then restores.
  if (exists) {
    if (::geteuid() == 0) (void)::fchown(fd_, st.st_uid, st.st_gid);  // best effort: e.g. a file system without owners
    (void)::fchmod(fd_, st.st_mode & 07777);
  } else {
    (void)::fchmod(fd_, 0666 & ~current_umask());  // as the shell would create it
  }
}

// A blocking open of a FIFO for writing waits in the kernel for a reader and
// no stop request can end it. Non-blocking, it fails with ENXIO until a
// reader comes; retry in slices short enough for Ctrl-C to feel immediate,
// then make the descriptor blocking again for the writes.
int Output::open_fifo(const std::stop_token& stop) const {
  for (;;) {
    const int fd = ::open(target_.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd >= 0) {
      const int flags = ::fcntl(fd, F_GETFL);
      if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
        const int err = errno;
        ::close(fd);
        errno = err;
        return -1;
      }
      return fd;
    }
    if (errno != ENXIO) return -1;
    if (stop.stop_requested()) throw Interrupted();
    ::usleep(20'000);
  }
}

Output::~Output() {
  if (is_stdout() || committed_) return;
  ::close(fd_);
  remove_temp();
}

void Output::remove_temp() noexcept {
  if (temp_.empty()) return;
  ::unlink(temp_.c_str());
  registration_.reset();
  temp_.clear();
}

void Output::fail(int error_number) const {
  if (is_stdout()) {
    if (error_number == EPIPE) throw BrokenPipe();
    throw std::runtime_error("stdout: write error: " + errno_reason(error_number));
  }
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
  committed_ = true;  // from here on the destructor has nothing to close
  if (::close(fd_) != 0) {
    const int err = errno;
    remove_temp();
    fail(err);
  }
  if (in_place_) return;
  if (::rename(temp_.c_str(), target_.c_str()) != 0) {
    const int err = errno;
    remove_temp();
    fail(err);
  }
  registration_.reset();
  temp_.clear();
}

}  // namespace conc::common
