#include "pipeline/batch_reader.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/interrupt.h"
#include "common/simd_text.h"

namespace conc::pipeline {
namespace {
constexpr std::size_t kReadBlock = std::size_t{1} << 18;
}  // namespace

BatchReader::BatchReader(std::vector<std::string> paths, BatchLimits limits, common::Diagnostics& diag,
                         std::stop_token stop)
    : paths_(std::move(paths)), limits_(limits), diag_(diag), stop_(std::move(stop)) {
  if (paths_.empty()) paths_.push_back("-");
  if (limits_.max_bytes == 0) limits_.max_bytes = std::size_t{1} << 20;
}

BatchReader::~BatchReader() {
  if (fd_owned_) ::close(fd_);
}

bool BatchReader::open_next() {
  if (fd_owned_) ::close(fd_);
  fd_ = -1;
  fd_owned_ = false;
  while (next_path_ < paths_.size()) {
    const std::string& path = paths_[next_path_++];
    int fd = 0;
    if (path != "-") {
      fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        diag_.error(path, common::errno_reason(errno));
        continue;
      }
    }
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
      diag_.error(path, common::errno_reason(EISDIR));
      if (fd != 0) ::close(fd);
      continue;
    }
    fd_ = fd;
    fd_owned_ = fd != 0;
    may_block_ = !S_ISREG(st.st_mode);
    if (!may_block_) ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    eof_ = false;
    return true;
  }
  return false;
}

bool BatchReader::fill() {
  if (eof_) return false;
  if (pending_at_ > 0) {  // keep only what is not handed out yet
    pending_.erase(0, pending_at_);
    pending_at_ = 0;
  }
  const std::size_t old = pending_.size();
  pending_.resize(old + kReadBlock);
  ssize_t n = -1;
  for (;;) {
    if (may_block_ && !common::wait_readable(fd_, stop_)) {
      n = 0;
      break;
    }
    n = ::read(fd_, pending_.data() + old, kReadBlock);
    if (n >= 0 || errno != EINTR) break;
  }
  if (n < 0) {
    diag_.error(paths_[next_path_ - 1], common::errno_reason(errno));
    n = 0;
  }
  pending_.resize(old + static_cast<std::size_t>(n));
  if (n == 0) eof_ = true;
  return n > 0;
}

namespace {

// Just past the last '\n' of data[0, n), or 0.
std::size_t after_last_newline(const char* data, std::size_t n) {
  const void* nl = ::memrchr(data, '\n', n);
  return nl == nullptr ? 0 : static_cast<std::size_t>(static_cast<const char*>(nl) - data) + 1;
}

// Just past the `lines`-th '\n' of data[0, n), or past the last one if there
// are fewer, or 0.
std::size_t after_lines(const char* data, std::size_t n, std::size_t lines) {
  std::size_t cut = 0;
  for (; lines > 0; --lines) {
    const void* nl = std::memchr(data + cut, '\n', n - cut);
    if (nl == nullptr) break;
    cut = static_cast<std::size_t>(static_cast<const char*>(nl) - data) + 1;
  }
  return cut;
}

bool readable_now(int fd) {
  pollfd pfd{fd, POLLIN, 0};
  return ::poll(&pfd, 1, 0) > 0;
}

}  // namespace

std::optional<Batch> BatchReader::next() {
  for (;;) {
    if (stop_.stop_requested()) return std::nullopt;
    if (pending_at_ == pending_.size() && eof_) {
      pending_.clear();
      pending_at_ = 0;
      if (!open_next()) return std::nullopt;
    }
    // Offsets are relative to pending_at_, which fill() may move.
    std::size_t taken = 0;    // bytes of the batch: whole lines, or a file's last line
    std::size_t scanned = 0;  // bytes known to hold no '\n' (a line longer than a batch)
    for (;;) {
      const std::size_t avail = pending_.size() - pending_at_;
      const char* base = pending_.data() + pending_at_;
      // Cut when a batch is full, at the end of the file, or when a pipe has
      // nothing more to give right now (so `tail -f | conc pipeline` streams).
      const bool full = avail >= limits_.max_bytes ||
                        (limits_.max_lines != 0 && common::count_newlines({base, avail}) >= limits_.max_lines);
      if (full || eof_ || (may_block_ && avail > 0 && !readable_now(fd_))) {
        const std::size_t window = std::min(avail, limits_.max_bytes);
        taken = limits_.max_lines != 0 ? after_lines(base, window, limits_.max_lines) : after_last_newline(base, window);
        if (taken > 0) break;
        // No '\n' in the window: the line is longer than a batch. It makes
        // one batch of its own once its end is read.
        const void* nl = std::memchr(base + scanned, '\n', avail - scanned);
        if (nl != nullptr) {
          taken = static_cast<std::size_t>(static_cast<const char*>(nl) - base) + 1;
          break;
        }
        scanned = avail;
        if (eof_) {
          taken = avail;  // the file's last line has no '\n' (0: the file is done)
          break;
        }
      }
      fill();
    }
    if (taken == 0) continue;
    const char* base = pending_.data() + pending_at_;
    Batch b;
    b.seq = seq_++;
    b.first_line = line_;
    b.lines = common::count_newlines({base, taken}) + (base[taken - 1] == '\n' ? 0 : 1);
    b.data.assign(base, taken);
    line_ += b.lines;
    pending_at_ += taken;
    return b;
  }
}

}  // namespace conc::pipeline
