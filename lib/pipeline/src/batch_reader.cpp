#include "pipeline/batch_reader.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/simd_text.h"

namespace conc::pipeline {
namespace {
constexpr std::size_t kReadBlock = std::size_t{1} << 18;
constexpr std::size_t kDefaultMaxLine = std::size_t{1} << 30;
}  // namespace

BatchReader::BatchReader(std::vector<std::string> paths, BatchLimits limits, common::Diagnostics& diag,
                         std::stop_token stop)
    : paths_(std::move(paths)), limits_(limits), diag_(diag), stop_(std::move(stop)) {
  if (paths_.empty()) paths_.push_back("-");
  if (limits_.max_bytes == 0) limits_.max_bytes = kDefaultBatchBytes;
  if (limits_.max_line == 0) limits_.max_line = kDefaultMaxLine;
}

BatchReader::~BatchReader() = default;

bool BatchReader::open_next() {
  input_.reset();
  while (next_path_ < paths_.size()) {
    const std::string& path = paths_[next_path_++];
    try {
      input_.emplace(common::Input::open(path));
    } catch (const common::InputError& e) {
      diag_.error(path, common::exception_reason(e));
      continue;
    }
    eof_ = false;
    return true;
  }
  return false;
}

bool BatchReader::fill() {
  if (eof_ || stop_.stop_requested()) return false;
  if (pending_at_ > 0) {  // keep only what is not handed out yet
    pending_.erase(0, pending_at_);
    pending_at_ = 0;
  }
  const std::size_t old = pending_.size();
  // Grow by doubling, as resize() would, but never past what next() can
  // hold (a batch or the longest line, plus one block): resize() alone
  // would double a 1G line's buffer to 2G. A fresh string, as libstdc++'s
  // reserve() itself rounds up to double the old capacity.
  if (pending_.capacity() < old + kReadBlock) {
    const std::size_t bound = std::max(limits_.max_line, limits_.max_bytes) + kReadBlock;
    std::string grown;
    grown.reserve(std::max(old + kReadBlock, std::min(2 * pending_.capacity(), bound)));
    grown.append(pending_);
    pending_.swap(grown);
  }
  pending_.resize(old + kReadBlock);
  std::size_t n = 0;
  try {
    n = input_->read({pending_.data() + old, kReadBlock}, stop_);
  } catch (const common::InputError& e) {
    diag_.error(paths_[next_path_ - 1], common::exception_reason(e));
  }
  pending_.resize(old + n);
  if (n == 0) eof_ = true;
  return n > 0;
}

void BatchReader::skip_long_line(std::uint64_t line) {
  diag_.error(paths_[next_path_ - 1], "line " + std::to_string(line) + " is longer than the line limit (" +
                                          std::to_string(limits_.max_line) + " bytes)");
  pending_.clear();
  pending_at_ = 0;
  eof_ = true;  // the rest of this input is skipped
}

namespace {

// Just past the last '\n' of data[0, n), or 0.
std::size_t after_last_newline(const char* data, std::size_t n) {
  const void* nl = ::memrchr(data, '\n', n);
  return nl == nullptr ? 0 : static_cast<std::size_t>(static_cast<const char*>(nl) - data) + 1;
}

// Just past the `lines`-th '\n' of data[0, n), or past the last one if
// there are fewer, or 0; and how many it passed. Stops at the last one it
// needs, so a batch of few lines costs its own bytes, not the buffer's.
struct LineCut {
  std::size_t at = 0;
  std::size_t lines = 0;
};
LineCut cut_after_lines(const char* data, std::size_t n, std::size_t lines) {
  LineCut cut;
  for (; cut.lines < lines; ++cut.lines) {
    const void* nl = std::memchr(data + cut.at, '\n', n - cut.at);
    if (nl == nullptr) break;
    cut.at = static_cast<std::size_t>(static_cast<const char*>(nl) - data) + 1;
  }
  return cut;
}

// Where the first line of data[0, n) (whole lines) longer than `max_line`
// bytes without its '\n' starts, or nullopt.
std::optional<std::size_t> first_long_line(const char* data, std::size_t n, std::size_t max_line) {
  for (std::size_t at = 0; at < n;) {
    const void* nl = std::memchr(data + at, '\n', n - at);
    const std::size_t end = nl == nullptr ? n : static_cast<std::size_t>(static_cast<const char*>(nl) - data);
    if (end - at > max_line) return at;
    at = end + 1;
  }
  return std::nullopt;
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
      const bool full =
          avail >= limits_.max_bytes ||
          (limits_.max_lines != 0 && cut_after_lines(base, avail, limits_.max_lines).lines == limits_.max_lines);
      const bool stream = !input_->is_regular();
      if (full || eof_ || (stream && avail > 0 && !readable_now(input_->fd()))) {
        const std::size_t window = std::min(avail, limits_.max_bytes);
        taken = limits_.max_lines != 0 ? cut_after_lines(base, window, limits_.max_lines).at
                                       : after_last_newline(base, window);
        if (taken > 0) break;
        // No '\n' in the window: the line is longer than a batch. It makes
        // one batch of its own once its end is read.
        const void* nl = std::memchr(base + scanned, '\n', avail - scanned);
        if (nl != nullptr) {
          taken = static_cast<std::size_t>(static_cast<const char*>(nl) - base) + 1;
          break;
        }
        scanned = avail;
        if (avail > limits_.max_line) break;  // taken == 0: reported below
        if (eof_) {
          taken = avail;  // the file's last line has no '\n' (0: the file is done)
          break;
        }
      }
      // A long line reads on for many blocks: a stop request ends it too.
      if (stop_.stop_requested()) return std::nullopt;
      fill();
    }
    const char* base = pending_.data() + pending_at_;
    if (taken == 0 && scanned > limits_.max_line) {
      skip_long_line(line_);
      continue;
    }
    if (taken == 0) continue;
    // Only a batch longer than the limit can hold a line longer than it.
    if (taken > limits_.max_line) {
      if (const auto at = first_long_line(base, taken, limits_.max_line)) {
        if (*at == 0) {
          skip_long_line(line_);
          continue;
        }
        taken = *at;  // the lines before it make a batch; the next call meets it first
      }
    }
    Batch b;
    b.seq = seq_++;
    b.first_line = line_;
    b.lines = common::count_newlines({base, taken}) + (base[taken - 1] == '\n' ? 0 : 1);
    line_ += b.lines;
    if (pending_at_ == 0 && taken >= pending_.size() - taken) {
      // The batch is the buffer's front and most of it: hand the buffer
      // itself over and copy only the rest, instead of copying the batch
      // out. (A small batch is copied out instead: handing over would copy
      // the whole rest of the buffer for each one.) The new buffer holds a
      // batch without regrowing.
      std::string rest;
      rest.reserve(limits_.max_bytes + kReadBlock);
      rest.append(base + taken, pending_.size() - taken);
      pending_.resize(taken);
      b.data = std::move(pending_);
      pending_ = std::move(rest);
    } else {
      b.data.assign(base, taken);
      pending_at_ += taken;
    }
    return b;
  }
}

}  // namespace conc::pipeline
