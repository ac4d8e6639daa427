// wordcount/pieces.h: inputs cut into pieces that can be counted independently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

#include "common/diagnostics.h"
#include "common/file_walk.h"
#include "conc/mutex.h"
#include "wordcount/tokenizer.h"
#include "wordcount/word_table.h"

namespace conc::wordcount {

class OpenFile;

/// Where a counter reads a piece's text: reused from piece to piece, so it
/// stays in the cache of the core that counts.
using ReadBuffer = std::vector<char>;

/// A part of the input that can be counted on its own. Either
///  - a block a stream reader has already read, cut at a separator, whose
///    bytes `owner` keeps alive; or
///  - a byte range of a regular file, which the counter reads itself with
///    pread: many ranges are read at once, each into the cache of the core
///    that counts it, and no reader thread stands between file and cores.
///
/// A file piece may also hold several consecutive ranges (see
/// for_each_piece's `whole_files`), to be split before loading.
struct Piece {
  std::span<char> bytes;              ///< a stream block
  std::shared_ptr<const void> owner;  ///< keeps `bytes` alive
  std::shared_ptr<OpenFile> file;     ///< set for ranges of a regular file
  std::uint64_t offset = 0;           ///< the bytes [offset, offset + length),
  std::uint64_t length = 0;           ///< in ranges of `range` bytes
  std::uint64_t range = 0;

  /// The input bytes this piece stands for (for progress).
  [[nodiscard]] std::uint64_t input_bytes() const noexcept { return file ? length : bytes.size(); }
  /// How many ranges the piece holds: 1 for a stream block.
  [[nodiscard]] std::uint64_t ranges() const noexcept { return file ? (length + range - 1) / range : 1; }
  /// Halves a piece of several ranges at a range boundary: {lower, upper}.
  [[nodiscard]] std::pair<Piece, Piece> split() const;

  /// The piece's text, its own to rewrite in place (fold), followed by
  /// kWordPadding readable bytes. A range's text runs from the first cut
  /// (Tokenizer::next_cut) at or after its start, or from the file's start,
  /// to the first cut at or after its end (read on past the range), or to
  /// the file's end: every byte of a file belongs to exactly one range's
  /// text and no word is split. A range wholly inside one word is empty. A
  /// stream block's text is its bytes. Read errors and a file that shrank
  /// are reported to `diag` once per file; the text is then what was read.
  /// Only for a piece of one range (throws std::logic_error otherwise).
  std::span<char> load(ReadBuffer& buffer, const Tokenizer& tokenizer, common::Diagnostics& diag) const;
};

/// The regular files in which a range found a word longer than `max_word`.
/// A stream stops at such a word ("rest of the input skipped"); a file's
/// ranges are counted at once, so the ranges after the word's are counted
/// before anyone knows. They are taken back at the end instead: the result
/// is then the same as a stream's, whatever the strategy. Filled by
/// Piece::load from many threads; read once every piece is done.
class LongWords {
 public:
  LongWords() = default;
  LongWords(const LongWords&) = delete;
  LongWords& operator=(const LongWords&) = delete;

  void add(std::shared_ptr<OpenFile> file);

  /// For each such file, in input order: reports its first over-long word
  /// to `diag` as a stream's is reported ("FILE: word at byte N longer than
  /// 64M: rest of the input skipped"), then reads again the text of every
  /// range after that word's, exactly as it was counted, and hands it to
  /// `taken_back`, whose counts the caller subtracts.
  void take_back(const Tokenizer& tokenizer, common::Diagnostics& diag,
                 const std::function<void(std::span<char> text)>& taken_back);

 private:
  Mutex mutex_;
  std::vector<std::shared_ptr<OpenFile>> files_ GUARDED_BY(mutex_);
};

/// The bytes [begin, end) of a regular file that a `--shard` run counts:
/// its text runs from the first cut at or after `begin` (or the file's
/// start) to the first cut at or after `end` (or the file's end), as a
/// range's does, so windows that adjoin share out every word exactly once.
struct ByteWindow {
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
};

/// Produces the pieces of `inputs` in order and hands each to `sink`, which
/// may block (that is how callers bound the pieces in flight). A regular
/// file becomes ranges of `chunk_size` bytes, read later by whoever counts
/// them: one piece per range, or with `whole_files` one piece holding all
/// of a file's ranges, for the caller to split where it runs. Any other input (standard input, a pipe, a FIFO, a /proc
/// file) is read here in blocks of about `chunk_size` bytes, each cut at its last separator with the rest carried into
/// the next block, so memory stays bounded by the pieces in flight whatever the input size. A word longer than a block
/// is kept whole up to `max_word` bytes; a longer one is an error naming the input and the word's byte offset, and the
/// rest of that input is skipped (`/dev/zero` is one endless word). A regular file's ranges are at most `max_word`
/// bytes, so such a word always runs past a range's end, where the range that holds its start finds it while reading
/// on; that range's text then ends before the word, and the file goes to `long_words`, which takes back the ranges
/// after it once all are counted. Inputs that cannot be opened or read are reported to `diag` and skipped. Stops early
/// when `stop` is requested.
///
/// Given `windows` (one per input), only that window of each input is cut
/// into pieces, its ranges starting at the window's start. An input read as
/// a stream (empty, a /proc or sysfs file, a FIFO) is read whole by the
/// shard whose window starts at its byte 0 and skipped by the others; a
/// regular file must still have the size the walk saw, else it is reported
/// and skipped (the shards would not split it alike).
void for_each_piece(const std::vector<common::InputFile>& inputs, std::span<const ByteWindow> windows,
                    std::size_t chunk_size, std::size_t max_word, bool whole_files, const Tokenizer& tokenizer,
                    common::Diagnostics& diag, std::stop_token stop, LongWords& long_words,
                    const std::function<void(Piece&&)>& sink);

}  // namespace conc::wordcount
