#include "wordcount/pieces.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <stdexcept>

#include "common/interrupt.h"


namespace conc::wordcount {
namespace {

// Blocks of input, recycled: a fresh 8 MiB buffer per piece would cost an
// mmap, thousands of page faults and an munmap (with TLB shootdowns that
// stall the other workers) every time.
class BlockPool : public std::enable_shared_from_this<BlockPool> {
 public:
  struct Block {
    std::unique_ptr<char[]> data;
    std::size_t capacity = 0;
  };

  // A block of at least `capacity` bytes (contents undefined), followed by
  // kWordPadding more that a word key may read.
  std::unique_ptr<Block> take(std::size_t capacity) {
    {
      std::lock_guard lock(mutex_);
      while (!free_.empty()) {
        auto b = std::move(free_.back());
        free_.pop_back();
        if (b->capacity >= capacity) return b;
      }
    }
    auto b = std::make_unique<Block>();
    b->data.reset(new char[capacity + kWordPadding]());  // zeroed: the padding is read
    b->capacity = capacity;
    return b;
  }

  void give(std::unique_ptr<Block> b) {
    std::lock_guard lock(mutex_);
    free_.push_back(std::move(b));
  }

  // Hands `b` out as a piece owner that returns it here when the piece dies.
  std::shared_ptr<const void> share(std::unique_ptr<Block> b) {
    auto self = shared_from_this();
    return std::shared_ptr<const Block>(b.release(), [self](const Block* raw) {
      self->give(std::unique_ptr<Block>(const_cast<Block*>(raw)));
    });
  }

 private:
  std::mutex mutex_;
  std::vector<std::unique_ptr<Block>> free_;
};

// Reads a stream in blocks; each block ends at its last cut, the rest is
// carried into the next block.
void cut_stream(int fd, const std::string& name, std::size_t chunk_size, const Tokenizer& tokenizer,
                common::Diagnostics& diag, std::stop_token stop, const std::function<void(Piece&&)>& sink) {
  const auto pool = std::make_shared<BlockPool>();
  // Only a pipe, FIFO or terminal can keep read() waiting; a regular file
  // needs no poll() before every read.
  struct stat st {};
  const bool may_block = ::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode);
  std::string carry;
  bool eof = false;
  while (!eof && !stop.stop_requested()) {
    // Read at least as much again as is carried: a word longer than a block
    // then costs O(length) copying in all, not O(length^2 / chunk_size).
    const std::size_t want = carry.size() + std::max(chunk_size, carry.size());
    auto block = pool->take(want);
    char* data = block->data.get();
    std::memcpy(data, carry.data(), carry.size());
    std::size_t have = carry.size();
    carry.clear();
    while (have < want) {
      // Wait for data in slices so that Ctrl-C ends the run even while the
      // writer of a pipe stays silent (the signal may land on another thread).
      if (may_block && !common::wait_readable(fd, stop)) return;
      const ssize_t n = ::read(fd, data + have, want - have);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) diag.error(name, common::errno_reason(errno));
      if (n <= 0) {
        eof = true;
        break;
      }
      have += static_cast<std::size_t>(n);
    }
    std::string_view text(data, have);
    if (!eof) {
      const std::size_t cut = tokenizer.last_cut(text);
      if (cut == std::string_view::npos) {  // one word so far: read on
        carry.assign(text);
        pool->give(std::move(block));
        continue;
      }
      carry.assign(text.substr(cut));
      text = text.substr(0, cut);
    }
    if (text.empty()) {
      pool->give(std::move(block));
      continue;
    }
    Piece piece;
    piece.bytes = std::span<char>(data, text.size());
    piece.owner = pool->share(std::move(block));
    sink(std::move(piece));
  }
}

}  // namespace

// A regular file open for ranges to be read from it, by many threads at once
// (pread keeps no shared file position).
class OpenFile {
 public:
  OpenFile(int fd, std::string path, std::uint64_t size) : fd_(fd), path_(std::move(path)), size_(size) {}
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;
  ~OpenFile() { ::close(fd_); }

  std::span<char> range_text(std::uint64_t offset, std::uint64_t length, ReadBuffer& buf, const Tokenizer& tokenizer,
                             common::Diagnostics& diag) {
    const std::size_t n = read_at(buf, 0, length, offset, diag);
    const std::string_view got(buf.data(), n);
    const std::size_t start = offset == 0 ? 0 : tokenizer.next_cut(got, 0);
    if (start == n) return {};  // no cut: the range lies inside a word begun before it
    // Read on to the first cut at or after the range's end. The size at open
    // bounds every range, so a file that grows meanwhile changes nothing; a
    // short read means it shrank (reported), and the text ends there.
    std::size_t end = n;
    if (n == length) {
      for (std::size_t step = kFirstStep; offset + end < size_; step = std::min(2 * step, kMaxStep)) {
        const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(step, size_ - offset - end));
        const std::size_t more = read_at(buf, end, want, offset + end, diag);
        const std::size_t cut = tokenizer.next_cut(std::string_view(buf.data(), end + more), end);
        const bool found = cut < end + more;
        end = cut;
        if (found || more < want) break;  // else still inside the last word: read on
      }
    }
    return {buf.data() + start, end - start};
  }

 private:
  static constexpr std::size_t kFirstStep = 4096;  // a word's end is usually a few bytes on
  static constexpr std::size_t kMaxStep = std::size_t{16} << 20;

  // Reads up to n bytes at file offset `at` into buf[into, into + n), with
  // kWordPadding readable bytes after; returns the bytes read, short only at
  // the end of the file or after an error (both reported).
  std::size_t read_at(ReadBuffer& buf, std::size_t into, std::size_t n, std::uint64_t at, common::Diagnostics& diag) {
    if (buf.size() < into + n + kWordPadding) buf.resize(std::max(into + n + kWordPadding, 2 * buf.size()));
    std::size_t done = 0;
    while (done < n) {
      const ssize_t r = ::pread(fd_, buf.data() + into + done, n - done, static_cast<off_t>(at + done));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) {
        report(diag, r < 0 ? common::errno_reason(errno) : "file shrank while being read");
        break;
      }
      done += static_cast<std::size_t>(r);
    }
    return done;
  }

  void report(common::Diagnostics& diag, const std::string& reason) {
    // Relaxed: the flag only keeps the report to one line per file; the
    // Diagnostics object orders the lines themselves.
    if (!reported_.exchange(true, std::memory_order_relaxed)) diag.error(path_, reason);
  }

  int fd_;
  std::string path_;
  std::uint64_t size_;  ///< at open; ranges never read past it
  std::atomic<bool> reported_{false};
};

std::pair<Piece, Piece> Piece::split() const {
  if (ranges() < 2) throw std::logic_error("Piece::split: a piece of one range");
  const std::uint64_t lower = ranges() / 2 * range;
  Piece lo = *this;
  lo.length = lower;
  Piece hi = *this;
  hi.offset += lower;
  hi.length -= lower;
  return {std::move(lo), std::move(hi)};
}

std::span<char> Piece::load(ReadBuffer& buffer, const Tokenizer& tokenizer, common::Diagnostics& diag) const {
  if (!file) return bytes;
  if (ranges() != 1) throw std::logic_error("Piece::load: split the piece first");
  return file->range_text(offset, length, buffer, tokenizer, diag);
}

void for_each_piece(const std::vector<common::InputFile>& inputs, std::size_t chunk_size, bool whole_files,
                    const Tokenizer& tokenizer, common::Diagnostics& diag, std::stop_token stop,
                    const std::function<void(Piece&&)>& sink) {
  if (chunk_size == 0) chunk_size = 1;
  for (const auto& in : inputs) {
    if (stop.stop_requested()) return;
    if (in.is_stdin) {
      cut_stream(STDIN_FILENO, "-", chunk_size, tokenizer, diag, stop, sink);
      continue;
    }
    const int fd = ::open(in.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      diag.error(in.path, common::errno_reason(errno));
      continue;
    }
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    struct stat st {};
    // A regular file that reports no size may still have content (/proc):
    // it is read as a stream.
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
      cut_stream(fd, in.path, chunk_size, tokenizer, diag, stop, sink);
      ::close(fd);
      continue;
    }
    const auto size = static_cast<std::uint64_t>(st.st_size);
    const auto file = std::make_shared<OpenFile>(fd, in.path, size);  // closes fd
    const std::uint64_t step = whole_files ? size : chunk_size;
    for (std::uint64_t at = 0; at < size; at += step) {
      if (stop.stop_requested()) return;
      Piece piece;
      piece.file = file;
      piece.offset = at;
      piece.length = std::min<std::uint64_t>(step, size - at);
      piece.range = chunk_size;
      sink(std::move(piece));
    }
  }
}

}  // namespace conc::wordcount
