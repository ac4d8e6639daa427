// wordcount/shard.h: one task of a job array (`--shard K/N`): its share of
// the input bytes, the header of the partial counts it writes, and the
// checks `--merge` makes on the parts before it trusts them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/file_walk.h"
#include "common/shard.h"
#include "wordcount/pieces.h"
#include "wordcount/tokenizer.h"
#include "wordcount/wordcount.h"

namespace conc::wordcount {

/// How a part's header line begins. Its word field is empty (the line
/// starts with a tab), so no count line can look like it, and it survives
/// the `sort` of a Hadoop-style mapper | sort | reducer flow.
inline constexpr std::string_view kShardHeaderStart = "\tconc-shard ";

/// A part's header: `\tconc-shard {"shard":"K/N","fingerprint":..,"words":..,...}`.
struct ShardHeader {
  common::Shard shard;
  std::string fingerprint;  ///< of the walk and the options that change counts
  Totals totals;            ///< the shard's: `distinct` is how many count lines follow
};

/// The header line, without its newline.
std::string format_shard_header(const ShardHeader& header);
/// The line that carries an error the shard reported (`line`, a
/// Diagnostics line): an input it could not count, or (shard 0 only) an
/// error of the walk every shard met. The merge reports each once.
std::string format_shard_error(std::string_view line, bool walk);

/// A line that starts with kShardHeaderStart, read: a header or an error.
struct ShardRecord {
  std::optional<ShardHeader> header;
  std::string error;  ///< the Diagnostics line, when not a header
  bool walk = false;  ///< the error is the walk's
};
/// Throws std::runtime_error saying what is wrong with the line.
ShardRecord parse_shard_record(std::string_view line);

/// Shard `shard`'s share of the walked `inputs`: the inputs laid end to end
/// are cut into N byte shares (common::byte_share), each file keeping the
/// window that falls in this shard's share; an input the walk saw with size
/// 0 (empty, a FIFO, most /proc files) gets the window [0, 0) on the shard
/// whose share holds its place (the last one at the very end). An input
/// read as a stream is counted whole by the shard whose window holds its
/// byte 0 (for_each_piece).
struct ShardPlan {
  std::vector<common::InputFile> inputs;
  std::vector<ByteWindow> windows;  ///< one per input
  std::string fingerprint;          ///< of the walk and `tokenizer`, alike on every shard
};
ShardPlan plan_shard(const std::vector<common::InputFile>& inputs, common::Shard shard,
                     const TokenizerOptions& tokenizer, std::size_t max_word);

/// The first faulty line of a kind in one input, kept for check_shard_parts.
struct LineFault {
  std::uint64_t line = 0;  ///< 0: none
  std::string reason;
  void keep_first(std::uint64_t no, std::string why) {
    if (line != 0) return;
    line = no;
    reason = std::move(why);
  }
};

/// What `--merge` saw of one input: its shard headers, its count lines and
/// their sum, and whether its last line lacked its newline.
struct MergeTally {
  std::string name;
  std::vector<ShardHeader> headers;
  std::vector<std::string> walk_errors;  ///< shard 0's record of the walk's errors
  std::vector<std::string> failures;     ///< inputs the shards could not count
  std::uint64_t count_lines = 0;
  std::uint64_t count_sum = 0;          ///< saturates at 2^64-1
  std::uint64_t unterminated_line = 0;  ///< the number of a last line without '\n', else 0
  /// A part's first malformed line: not reported as it is met, but
  /// refused once the sums are checked (they blame an altered part).
  LineFault malformed;
  /// A part's first count line that passes 2^64-1 added to the other
  /// parts' (counted in count_lines and count_sum: the line is sound).
  LineFault overflow;
};

/// When any input holds a shard header, checks that the inputs are exactly
/// one job's N parts, whole: every input holds a header; headers agree on
/// the job (fingerprint, N); every shard is there once; no part ends
/// mid-line; and the count lines and their sum are what the headers say
/// (per input when it holds one header, else over all), with no malformed
/// line among them and no count that passes 2^64-1 once added. Throws
/// std::runtime_error naming the input and the problem otherwise. Returns
/// the job's totals (bytes and lines of the original input; words and
/// distinct are the caller's to count) and the errors the shards recorded,
/// the walk's first, or nothing when no input holds a header (plain
/// word<TAB>count inputs).
struct ShardJob {
  Totals totals;
  std::vector<std::string> errors;
};
std::optional<ShardJob> check_shard_parts(const std::vector<MergeTally>& inputs);

}  // namespace conc::wordcount
