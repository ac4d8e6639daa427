#include "wordcount/pieces.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <optional>
#include <stdexcept>

#include "common/input.h"
#include "common/read_all.h"
#include "conc/mutex.h"

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
    return std::shared_ptr<const Block>(
        b.release(), [self](const Block* raw) { self->give(std::unique_ptr<Block>(const_cast<Block*>(raw))); });
  }

 private:
  std::mutex mutex_;
  std::vector<std::unique_ptr<Block>> free_;
};

// What a stream and a file both say of a word longer than the limit.
std::string long_word_reason(std::uint64_t at, std::size_t max_word) {
  return "word at byte " + std::to_string(at) + " longer than " + common::limit_text(max_word) +
         ": rest of the input skipped";
}

// Reads a stream in blocks; each block ends at its last cut, the rest is
// carried into the next block.
//
// A word longer than `max_word` ends the input with an error. It is checked
// only for the word carried into a block (once per block, never per word):
// blocks of at most `max_word` fresh bytes hold no longer word of their own.
void cut_stream(common::Input& in, const std::string& name, std::size_t chunk_size, std::size_t max_word,
                const Tokenizer& tokenizer, common::Diagnostics& diag, std::stop_token stop,
                const std::function<void(Piece&&)>& sink) {
  chunk_size = std::max<std::size_t>(1, std::min(chunk_size, max_word));
  const auto pool = std::make_shared<BlockPool>();
  std::string carry;
  std::uint64_t block_at = 0;  // the stream offset of the block's first byte
  std::size_t word_begin = 0;  // where the carried word starts in the block
  bool eof = false;
  while (!eof && !stop.stop_requested()) {
    const bool carried = !carry.empty();
    // Read at least as much again as is carried: a word longer than a block
    // then costs O(length) copying in all, not O(length^2 / chunk_size).
    const std::size_t want = carry.size() + std::max(chunk_size, carry.size());
    auto block = pool->take(want);
    char* data = block->data.get();
    // NOLINTNEXTLINE(bugprone-not-null-terminated-result): bytes, not a C string
    std::memcpy(data, carry.data(), carry.size());
    std::size_t have = carry.size();
    carry.clear();
    while (have < want) {
      // Input::read waits in slices, so Ctrl-C ends the run even while the
      // writer of a pipe stays silent (the signal may land on another thread).
      std::size_t n = 0;
      try {
        n = in.read({data + have, want - have}, stop);
      } catch (const common::InputError& e) {
        diag.error(name, common::exception_reason(e));
      }
      if (stop.stop_requested()) return;
      if (n == 0) {
        eof = true;
        break;
      }
      have += n;
    }
    std::string_view text(data, have);
    if (carried && tokenizer.next_cut(text, word_begin) - word_begin > max_word) {
      diag.error(name, long_word_reason(block_at + word_begin, max_word));
      pool->give(std::move(block));
      return;
    }
    if (!eof) {
      const std::size_t cut = tokenizer.last_cut(text);
      if (cut == std::string_view::npos) {  // one word so far: read on
        carry.assign(text);
        pool->give(std::move(block));
        continue;
      }
      carry.assign(text.substr(cut));  // the separator at `cut`, then the last word's start
      block_at += cut;
      word_begin = 1;
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
class OpenFile : public std::enable_shared_from_this<OpenFile> {
 public:
  OpenFile(common::Input input, std::string path, std::size_t index, std::uint64_t range, std::size_t max_word,
           std::uint64_t ranges_end, LongWords& long_words)
      : input_(std::move(input)),
        path_(std::move(path)),
        size_(input_.size()),
        ranges_end_(ranges_end),
        index_(index),
        range_(range),
        max_word_(max_word),
        long_words_(long_words) {}
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;

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
      // The range's last word runs from just after its last cut (or from
      // the file's start) to that cut. A range is at most max_word bytes, so
      // only this word can be longer; reading stops once it is.
      const std::size_t last = tokenizer.last_cut(got.substr(start));
      const std::size_t word = last == std::string_view::npos ? start : start + last + 1;
      for (std::size_t step = kFirstStep; offset + end < size_; step = std::min(2 * step, kMaxStep)) {
        const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(
            {step, size_ - offset - end, word + max_word_ + 1 - std::min(end, word + max_word_)}));
        const std::size_t more = read_at(buf, end, want, offset + end, diag);
        const std::size_t cut = tokenizer.next_cut(std::string_view(buf.data(), end + more), end);
        const bool found = cut < end + more;
        end = cut;
        if (found || more < want || end - word > max_word_) break;  // else still inside the last word: read on
      }
      if (end - word > max_word_) {
        // The text ends before the word (and the cut before it), as a
        // stream's last block before such a word does.
        long_word(offset + word, offset);
        return {buf.data() + start, (word == 0 ? 0 : word - 1) - start};
      }
    }
    return {buf.data() + start, end - start};
  }

  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] std::size_t index() const noexcept { return index_; }
  [[nodiscard]] std::uint64_t size() const noexcept { return size_; }
  /// Where this run's ranges of the file end: its size, or a shard's window end.
  [[nodiscard]] std::uint64_t ranges_end() const noexcept { return ranges_end_; }
  [[nodiscard]] std::uint64_t range() const noexcept { return range_; }
  [[nodiscard]] std::size_t max_word() const noexcept { return max_word_; }
  // The first over-long word's offset, and the offset of the range holding its start.
  [[nodiscard]] std::pair<std::uint64_t, std::uint64_t> first_long_word() {
    const MutexLock lock(mutex_);
    return {long_word_at_, long_word_range_};
  }

 private:
  static constexpr std::size_t kFirstStep = 4096;  // a word's end is usually a few bytes on
  static constexpr std::size_t kMaxStep = std::size_t{16} << 20;

  // Reads up to n bytes at file offset `at` into buf[into, into + n), with
  // kWordPadding readable bytes after; returns the bytes read, short only at
  // the end of the file or after an error (both reported).
  std::size_t read_at(ReadBuffer& buf, std::size_t into, std::size_t n, std::uint64_t at, common::Diagnostics& diag) {
    if (buf.size() < into + n + kWordPadding) buf.resize(std::max(into + n + kWordPadding, 2 * buf.size()));
    try {
      const std::size_t done = input_.read_at({buf.data() + into, n}, at);
      if (done < n) report(diag, "file shrank while being read");
      return done;
    } catch (const common::InputError& e) {
      report(diag, common::exception_reason(e));
      return 0;
    }
  }

  void report(common::Diagnostics& diag, const std::string& reason) {
    // Relaxed: the flag only keeps the report to one line per file; the
    // Diagnostics object orders the lines themselves.
    if (!reported_.exchange(true, std::memory_order_relaxed)) diag.error(path_, reason);
  }

  // Notes a word of more than max_word_ bytes at `at`, in the range at
  // `range_offset`; the first one (the lowest offset) is the one that counts.
  void long_word(std::uint64_t at, std::uint64_t range_offset) {
    bool first = false;
    {
      const MutexLock lock(mutex_);
      first = !has_long_word_;
      if (first || at < long_word_at_) {
        long_word_at_ = at;
        long_word_range_ = range_offset;
      }
      has_long_word_ = true;
    }
    if (first) long_words_.add(shared_from_this());
  }

  common::Input input_;  ///< sized: ranges are read with pread, from many threads
  std::string path_;
  std::uint64_t size_;  ///< at open; ranges never read past it
  std::uint64_t ranges_end_;
  std::size_t index_;  ///< among the inputs: long words are reported in input order
  std::uint64_t range_;
  std::size_t max_word_;
  LongWords& long_words_;
  std::atomic<bool> reported_{false};
  Mutex mutex_;
  bool has_long_word_ GUARDED_BY(mutex_) = false;
  std::uint64_t long_word_at_ GUARDED_BY(mutex_) = 0;
  std::uint64_t long_word_range_ GUARDED_BY(mutex_) = 0;
};

void LongWords::add(std::shared_ptr<OpenFile> file) {
  const MutexLock lock(mutex_);
  files_.push_back(std::move(file));
}

void LongWords::take_back(const Tokenizer& tokenizer, common::Diagnostics& diag,
                          const std::function<void(std::span<char> text)>& taken_back) {
  std::vector<std::shared_ptr<OpenFile>> files;
  {
    const MutexLock lock(mutex_);
    files = files_;
  }
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a->index() < b->index(); });
  ReadBuffer buffer;
  for (const auto& file : files) {
    const auto [at, owner] = file->first_long_word();
    diag.error(file->path(), long_word_reason(at, file->max_word()));
    // Every range after the one that found the word was counted whole: read
    // again the same way, it gives the same text (and the same cut at any
    // later long word), and the counts come out as a stream's would.
    for (std::uint64_t offset = owner + file->range(); offset < file->ranges_end(); offset += file->range()) {
      const auto length = std::min<std::uint64_t>(file->range(), file->ranges_end() - offset);
      const std::span<char> text = file->range_text(offset, length, buffer, tokenizer, diag);
      if (!text.empty()) taken_back(text);
    }
  }
}

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

void for_each_piece(const std::vector<common::InputFile>& inputs, std::span<const ByteWindow> windows,
                    std::size_t chunk_size, std::size_t max_word, bool whole_files, const Tokenizer& tokenizer,
                    common::Diagnostics& diag, std::stop_token stop, LongWords& long_words,
                    const std::function<void(Piece&&)>& sink) {
  if (chunk_size == 0) chunk_size = 1;
  for (std::size_t index = 0; index < inputs.size(); ++index) {
    const auto& in = inputs[index];
    if (stop.stop_requested()) return;
    std::optional<common::Input> input;
    try {
      input.emplace(common::Input::open(in.path, in.is_stdin));
    } catch (const common::InputError& e) {
      // Every shard with a window of the file fails to open it; the one
      // holding its byte 0 reports it as the run's error, so a merge
      // reports it once, as one run does.
      if (!windows.empty() && windows[index].begin != 0) {
        diag.warning(in.path, common::exception_reason(e) + " (the shard holding its first byte reports it)");
      } else {
        diag.error(in.path, common::exception_reason(e));
      }
      continue;
    }
    // Standard input, streams and files whose size says nothing (/proc,
    // sysfs, size 0) are read as a stream; only a sized file is split.
    // A shard's input that is read as a stream (empty, a /proc or sysfs
    // file, a FIFO) is all the shard's whose window starts it, read whole;
    // a regular file must be the one the walk saw, or the shards would not
    // split it alike.
    const bool windowed = !windows.empty();
    if (windowed && !input->is_sized() && windows[index].begin != 0) continue;
    if (windowed && input->is_sized() && input->size() != in.size) {
      diag.error(in.path, "changed size since the walk (" + std::to_string(in.size) +
                              " bytes): the shards would not split it alike");
      continue;
    }
    if (!input->is_sized()) {
      cut_stream(*input, in.path, chunk_size, max_word, tokenizer, diag, stop, sink);
      continue;
    }
    const std::uint64_t begin = windowed ? windows[index].begin : 0;
    const std::uint64_t end = windowed ? windows[index].end : input->size();
    // No longer than a word may be, so an over-long word always runs past a
    // range's end, where it is found (see OpenFile::range_text).
    const std::uint64_t range = std::max<std::size_t>(1, std::min(chunk_size, max_word));
    const auto file = std::make_shared<OpenFile>(std::move(*input), in.path, index, range, max_word, end, long_words);
    const std::uint64_t step = whole_files ? end - begin : range;
    for (std::uint64_t at = begin; at < end; at += step) {
      if (stop.stop_requested()) return;
      Piece piece;
      piece.file = file;
      piece.offset = at;
      piece.length = std::min<std::uint64_t>(step, end - at);
      piece.range = range;
      sink(std::move(piece));
    }
  }
}

}  // namespace conc::wordcount
