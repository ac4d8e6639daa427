#include "common/output.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
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

// The descriptor `path` names when it is one of this process's own open
// descriptors (/dev/stdout, /dev/fd/N, /proc/self/fd/N, ...), else -1. Such
// a path is a door to a file the shell already opened, perhaps for `>>`:
// reopening or replacing the file behind it would lose what the user asked.
int own_descriptor(const std::string& path) {
  if (path == "/dev/stdout") return 1;
  if (path == "/dev/stderr") return 2;
  const std::string prefixes[] = {"/dev/fd/", "/proc/self/fd/", "/proc/thread-self/fd/",
                                  "/proc/" + std::to_string(::getpid()) + "/fd/"};
  for (const auto& prefix : prefixes) {
    if (path.size() <= prefix.size() || path.compare(0, prefix.size(), prefix) != 0) continue;
    int fd = 0;
    const char* end = path.data() + path.size();
    const auto [ptr, ec] = std::from_chars(path.data() + prefix.size(), end, fd);
    if (ec == std::errc() && ptr == end) return fd;
  }
  return -1;
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
  // Anything but a regular file or a directory is written in place through
  // the path as named: the kernel follows /proc's magic links (a pipe's
  // /proc/self/fd/N has no path of its own to walk to).
  if (::stat(path_.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) && own_descriptor(path_) < 0) {
    open_in_place(st, stop);
    return;
  }
  bool exists = false;
  for (int hops = 0;; ++hops) {
    if (const int own = own_descriptor(target_); own >= 0) {
      // Our own descriptor (`-o /dev/stdout >> log`): write to it as it is,
      // with the shell's flags (O_APPEND) and nothing renamed over the file.
      fd_ = ::fcntl(own, F_DUPFD_CLOEXEC, 3);
      if (fd_ < 0) fail(errno);
      in_place_ = true;
      return;
    }
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
    open_in_place(st, stop);  // it became a device or FIFO since the stat above
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
      throw std::runtime_error(
          path_ + ": directory '" + (dir.empty() ? "." : dir.substr(0, dir.size() - 1)) +
          "' is not writable (the output is written to a temporary file there first): " + errno_reason(err));
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

// A device, FIFO or socket: written in place, never replaced. O_NOCTTY: a
// terminal named here must not become our controlling one.
void Output::open_in_place(const struct stat& st, const std::stop_token& stop) {
  fd_ = S_ISFIFO(st.st_mode) ? open_fifo(stop) : ::open(target_.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
  if (fd_ < 0) fail(errno);
  in_place_ = true;
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
  // A reader that went away (`| head`, a FIFO's reader) wanted no more.
  if (error_number == EPIPE && (is_stdout() || in_place_)) throw BrokenPipe();
  if (is_stdout()) {
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
