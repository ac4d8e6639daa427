// hash/check.h: verify checksum files (sha256sum -c), in parallel, reported in file order.
#pragma once

#include <cstdint>
#include <functional>
#include <stop_token>
#include <string>
#include <vector>

#include "common/diagnostics.h"
#include "common/file_walk.h"
#include "common/progress.h"
#include "common/read_all.h"
#include "conc/run_stats.h"
#include "hash/hash_jobs.h"

namespace conc::hash {

struct CheckOptions {
  /// The digest of GNU-style lines; tag lines name their own algorithm, and
  /// take this one's mode, key and length when it is theirs.
  common::DigestSpec gnu_digest;
  /// Standard input is no input (it held the --keyed key): a line naming
  /// "-" is improperly formatted, as when the check file is stdin itself.
  bool stdin_taken = false;
  bool ignore_missing = false;  ///< a listed file that does not exist is skipped silently
  bool warn = false;            ///< report each improperly formatted line
  /// Directories whose files must all be listed: each unlisted one is a NEW verdict.
  std::vector<std::string> report_new;
  common::WalkOptions walk;  ///< how `report_new` directories are walked
  /// The longest checksum line accepted; a longer one is an error
  /// ("FILE:N: line longer than 1M") and the rest of that check file is skipped.
  std::size_t max_line = common::kMaxShortLine;
};

enum class Verdict {
  kOk,          ///< "NAME: OK"
  kFailed,      ///< "NAME: FAILED": the digest differs
  kUnreadable,  ///< "NAME: FAILED open or read"
  kNew,         ///< "NAME: NEW": under a --report-new directory, not listed
};

/// The words coreutils prints after "NAME: " ("OK", "FAILED", ...).
std::string_view verdict_text(Verdict v) noexcept;

/// What a check counted, for a whole run or for one check file.
struct CheckCounts {
  std::uint64_t lines = 0;         ///< properly formatted lines
  std::uint64_t misformatted = 0;  ///< improperly formatted lines
  std::uint64_t verified = 0;      ///< files hashed and compared (OK or FAILED)
  std::uint64_t mismatched = 0;
  std::uint64_t unreadable = 0;  ///< listed files that could not be read (not counting ignored missing ones)
  std::uint64_t new_files = 0;   ///< the run's only: --report-new is not per check file
};

struct CheckSummary : CheckCounts {
  conc::RunStats stats;
};

/// Receives each verdict on the calling thread: first the listed files in
/// the order of the check files and their lines, then the new files in walk
/// order. `name` is the file name as listed (or as walked).
using VerdictSink = std::function<void(const std::string& name, Verdict verdict)>;

/// What check() calls back, on its calling thread, in the order of the
/// check files and their lines.
struct CheckSink {
  VerdictSink verdict;
  /// Called before check() reports anything to its Diagnostics, and
  /// whenever it waits for more of a check file with every verdict so far
  /// handed out: the caller makes its verdicts visible now (flushes its
  /// output). So verdicts and diagnostics interleave in line order even
  /// when stdout and stderr are one file (`2>&1`, as coreutils, whose
  /// error() flushes stdout first), and verdicts appear while a pipe that
  /// feeds the check file stays open. Optional.
  std::function<void()> flush;
  /// After the last verdict of each check file that has properly formatted
  /// lines: that file's own counts, for the summary coreutils prints after
  /// each check file (`WARNING: 1 computed checksum did NOT match`, see
  /// check_warnings), before that file's "no file was verified". Optional.
  std::function<void(const std::string& check_file, const CheckCounts& counts)> file_done;
};

/// Reads every check file ("-": standard input) as a stream of lines and
/// verifies them as it goes: the listed files are hashed with `engine`'s
/// strategy, a bounded number in flight (so an endless check file keeps
/// memory bounded and verdicts coming), and the verdicts are handed to
/// `sink` in line order.
///
/// Reported to `diag` as errors (so the run exits 1), as coreutils reports
/// them: an unreadable check file; a check file with no properly formatted
/// line ("no properly formatted checksum lines found"); a listed file that
/// cannot be read (also a kUnreadable verdict); with `ignore_missing`, a
/// check file none of whose files exist ("no file was verified"). With
/// `warn`, each improperly formatted line is a warning naming its line
/// number, reported in its place among the verdicts. Lines starting with
/// `#` are comments. A line longer than `max_line`, or a read error, is an
/// error that ends that check file (the lines before it are still verified).
CheckSummary check(const std::vector<std::string>& check_files, const CheckOptions& options,
                   const EngineOptions& engine, common::Diagnostics& diag, std::stop_token stop,
                   common::ProgressBar* progress, const CheckSink& sink);

/// `path` with empty and "." components removed ("./a//b" -> "a/b"), so
/// that listed and walked names of the same file compare equal.
std::string normalize_path(const std::string& path);

}  // namespace conc::hash
