// hash/shard_part.h: one shard's part of a manifest (`--shard K/N`), and
// the merge of a job's N parts into the manifest one machine would write.
//
// A part is the manifest of the shard's files, in walk order and in the
// run's own format, with records of its own before and among the lines:
//   - first, a header: the shard, a fingerprint of the walk and the options
//     (parts of different jobs never merge), how many inputs the walk found
//     and which of them, by walk index, are this shard's;
//   - in the place of an input the shard could not hash, its error line, so
//     the merge knows which slot it stands for and reports it again;
//   - in shard 0's part only, after the header, the walk's errors.
// Text parts hold them as `# conc-shard {...}` comment lines (NUL-ended
// under -z), which sha256sum -c and conc -c skip, so a part also checks its
// own files; json and jsonl parts as `{"conc_shard":{...}}` elements.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "common/diagnostics.h"
#include "common/output.h"
#include "common/shard.h"
#include "hash/hash_jobs.h"

namespace conc::hash {

/// How a text part's records begin: what sha256sum -c takes for a comment.
inline constexpr std::string_view kShardComment = "# conc-shard ";

/// What opens a part.
struct PartHeader {
  common::Shard shard;
  std::string fingerprint;         ///< common::Fingerprint of the walk and the options
  std::size_t inputs = 0;          ///< what the walk found, all shards together
  std::vector<std::size_t> order;  ///< this shard's walk indices, ascending: one record each follows
};

/// --shard deals files by size plus this, the price of opening a file and
/// writing its line, so that many small files spread over the shards too.
inline constexpr std::uint64_t kFileCost = std::uint64_t{64} << 10;

/// One shard's share of a walk.
struct ShardJobs {
  std::vector<Job> jobs;  ///< the shard's, in walk order
  PartHeader header;      ///< what opens its part
};

/// Deals the walk's `jobs` to `shard.count` shards (common::deal_by_cost:
/// by size plus kFileCost) and keeps shard `shard.index`'s. The header's
/// fingerprint covers the walk (names, sizes: the deal follows them), N,
/// `digest` and `output_shape` (what else decides the part's bytes: the
/// format, --tag, -z), so parts of different jobs never merge. Every node
/// given the same walk deals alike. Throws std::runtime_error when the
/// shard has more files than a header can list (kMaxHeaderRecord).
ShardJobs plan_shard(std::vector<Job> jobs, common::Shard shard, const common::DigestSpec& digest,
                     std::string_view output_shape);

/// The records of a part, as JSON objects for ResultWriter::add_shard_record.
std::string header_record(const PartHeader& header);
/// Stands in the slot of an input the shard could not hash; `line` is the
/// diagnostic the shard printed (Diagnostics::format).
std::string failure_record(std::string_view line);
/// An error of the walk, which every shard met and shard 0 records.
std::string walk_error_record(std::string_view line);

/// Merges the parts named by `paths` (one per shard, in any order) into
/// `out`: the manifest one machine would have written, byte for byte, in
/// the format the parts were written in. Every part is checked before a
/// byte is written: a part that is not one, missing or given twice, from
/// another job or other options, or truncated (cut mid-line, or short of
/// the results its header lists) throws std::runtime_error naming it (and
/// the line). Then the errors the shards recorded (walk and inputs) are
/// relayed to `diag`, once each, in walk order. A part is read twice when it
/// is a regular file, else held in memory from the first reading; the
/// second reading holds every part open at once (one block each), raising
/// the soft limit on open files as far as the hard one allows.
void merge_parts(const std::vector<std::string>& paths, common::Output& out, common::Diagnostics& diag,
                 const std::stop_token& stop);

}  // namespace conc::hash
