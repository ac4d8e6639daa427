#include "wordcount/pieces.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>

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
    sink(Piece{std::span<char>(data, text.size()), pool->share(std::move(block))});
  }
}

}  // namespace

void for_each_piece(const std::vector<common::InputFile>& inputs, std::size_t chunk_size,
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
    cut_stream(fd, in.path, chunk_size, tokenizer, diag, stop, sink);
    ::close(fd);
  }
}

}  // namespace conc::wordcount
