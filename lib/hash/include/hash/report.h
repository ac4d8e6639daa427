// hash/report.h: the output formats of conc hash and the summary of a check.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/digest.h"
#include "common/output.h"
#include "hash/check.h"
#include "hash/checksum_line.h"

namespace conc::hash {

enum class Format { kText, kJson, kJsonl };

/// Writes one result per hashed file to `out`, in the order `add` is called:
///   text   checksum lines in `style` (GNU or --tag), `zero`: NUL-ended, names unescaped
///   json   [{"path":..,"algo":..,"digest":..,"size":..}, ...], one object per line
///   jsonl  one such object per line
/// `finish()` closes the json array; call it once, after the last `add`.
class ResultWriter {
 public:
  ResultWriter(common::Output& out, Format format, LineStyle style, common::Algo algo, bool zero);

  void add(const std::string& path, const std::string& hex, std::uint64_t size);
  /// A `--shard` part's own record (hash/shard_part.h), `json` an object:
  /// text `# conc-shard JSON` (a comment to sha256sum -c and conc -c), json
  /// and jsonl `{"conc_shard":JSON}`.
  void add_shard_record(std::string_view json);
  /// A record `add` or `add_shard_record` rendered before, without its
  /// line end or json framing (what --merge copies from the parts).
  void add_rendered(std::string_view record);
  void finish();

 private:
  common::Output& out_;
  Format format_;
  LineStyle style_;
  common::Algo algo_;
  bool zero_;
  bool first_ = true;
};

/// The summary coreutils prints after each check file, one line each for
/// what went wrong (`WARNING: 1 computed checksum did NOT match`), nothing
/// when all is well; `new_files` adds conc's own line for --report-new. The
/// caller prints them to stderr after its prefix.
std::vector<std::string> check_warnings(const CheckCounts& counts);

}  // namespace conc::hash
