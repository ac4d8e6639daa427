#include "pipeline/batch_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/interrupt.h"

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

std::optional<Batch> BatchReader::next() {
  for (;;) {
    if (closed_ || stop_.stop_requested()) return std::nullopt;
    if (pending_at_ == pending_.size() && eof_) {
      pending_.clear();
      pending_at_ = 0;
      if (!open_next()) return std::nullopt;
    }
    // Take whole lines from pending_, reading more until the batch is full
    // or the file ends. Offsets are relative to pending_at_, which fill()
    // may move.
    std::size_t taken = 0;    // bytes of whole lines in the batch
    std::size_t scanned = 0;  // bytes already searched for '\n'
    std::uint64_t lines = 0;
    for (;;) {
      const bool full_lines = limits_.max_lines != 0 && lines >= limits_.max_lines;
      const bool full_bytes = taken >= limits_.max_bytes && lines > 0;
      if (full_lines || full_bytes) break;
      const std::size_t from = pending_at_ + std::max(taken, scanned);
      const char* base = pending_.data();
      const void* nl = from < pending_.size() ? std::memchr(base + from, '\n', pending_.size() - from) : nullptr;
      if (nl != nullptr) {
        const std::size_t line_end = static_cast<std::size_t>(static_cast<const char*>(nl) - base) + 1 - pending_at_;
        // A line that would overflow a non-empty batch starts the next one.
        if (lines > 0 && line_end > limits_.max_bytes) break;
        taken = scanned = line_end;
        ++lines;
        continue;
      }
      scanned = pending_.size() - pending_at_;
      if (!fill()) {
        if (pending_.size() - pending_at_ > taken) {  // the file's last line has no '\n'
          taken = pending_.size() - pending_at_;
          ++lines;
        }
        break;
      }
    }
    const std::size_t end = pending_at_ + taken;
    if (lines == 0) continue;  // the file ended exactly at a batch boundary
    Batch b;
    b.seq = seq_++;
    b.first_line = line_;
    b.lines = lines;
    b.data.assign(pending_, pending_at_, end - pending_at_);
    line_ += lines;
    pending_at_ = end;
    return b;
  }
}

}  // namespace conc::pipeline
