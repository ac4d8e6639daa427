// record_reader.h: a hash part's records, one at a time, pulled (the
// merge interleaves N parts, so a callback reader would not do).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>

namespace conc::hash {

/// How a part's records are framed: lines, NUL-ended records (-z), or a json
/// array one element per line, or json lines.
enum class Shape { kLines, kZero, kJson, kJsonl };

/// The most bytes of a part's header (its walk-index list grows with the
/// shard's files: a few bytes each) and of any other record (a checksum
/// line: a digest and a name).
inline constexpr std::size_t kMaxHeaderRecord = std::size_t{64} << 20;
inline constexpr std::size_t kMaxRecord = std::size_t{1} << 20;

/// Throws std::runtime_error "PART: reason" (the name made printable).
[[noreturn]] void refuse(const std::string& part, const std::string& reason);

/// A part's records, one at a time, without their line ends, and for a json
/// array without its framing ("[", "]", the commas). The first record tells
/// a text part's shape: a header ends at a '\n' or, under -z, at a NUL.
/// Memory holds one record (at most kMaxRecord bytes; the header
/// kMaxHeaderRecord) and one block.
class RecordReader {
 public:
  /// Fills the buffer with the part's next bytes; 0 at its end.
  using Fill = std::function<std::size_t(std::span<char>)>;

  RecordReader(std::string part, Fill fill) : part_(std::move(part)), fill_(std::move(fill)) {}

  /// The next record, or nothing at the end. Throws (refuse) on a record
  /// cut short, one too long, or a json array framed wrongly.
  std::optional<std::string> next();

  void set_shape(Shape shape) noexcept { shape_ = shape; }
  [[nodiscard]] Shape shape() const noexcept { return shape_; }
  /// What ended the first record: '\n' or '\0'.
  [[nodiscard]] char end() const noexcept { return end_; }
  /// Refuses the part, naming the record last read ("PART:N: reason").
  [[noreturn]] void refuse_here(const std::string& reason) const;

 private:
  std::optional<std::string> next_raw();

  static constexpr char kUnknownEnd = 1;
  std::string part_;
  Fill fill_;
  std::string buffer_;
  std::size_t pos_ = 0;
  char end_ = kUnknownEnd;
  std::uint64_t number_ = 0;
  Shape shape_ = Shape::kLines;
  bool comma_ = false;
  bool closed_ = false;
};

}  // namespace conc::hash
