// conc hash: flags in, engine call, checksum lines out.
#include <algorithm>
#include <array>
#include <iostream>
#include <memory>

#include "command.h"
#include "commands.h"
#include "common/exit_code.h"
#include "common/file_walk.h"
#include "common/input.h"
#include "common/read_all.h"
#include "common/shard.h"
#include "hash/check.h"
#include "hash/checksum_line.h"
#include "hash/hash_jobs.h"
#include "hash/report.h"
#include "hash/shard_part.h"
#include "shared_options.h"
#include "usage_error.h"

namespace conc::cli {
namespace {

struct HashFlags {
  std::vector<std::string> paths;
  std::string algo = "sha256";
  bool tag = false;
  bool zero = false;
  bool check = false;
  bool status = false;
  bool strict = false;
  bool warn = false;
  bool ignore_missing = false;
  std::vector<std::string> report_new;
  bool follow = false;
  std::vector<std::string> excludes;
  std::string files0_from;
  bool one_file_system = false;
  std::string io = "read";
  std::string block_size = "128K";
  std::size_t length = 0;  // BLAKE3's output bytes; 0: not given
  bool keyed = false;      // BLAKE3 keyed by 32 bytes read from stdin
  std::string derive_key;  // BLAKE3's key-derivation context
  bool derive_key_given = false;
  std::optional<common::Shard> shard;  // --shard K/N
  bool merge = false;                  // the paths are parts to merge
  CLI::Option* algo_option = nullptr;  // to tell -a given from its default
  common::DigestSpec digest;           // set by validate
};

// --block-size: a block is allocated per reader and in flight; bigger ones
// only cost memory (issue 11 case 10).
constexpr std::size_t kMaxBlockSize = std::size_t{64} << 20;

std::string algo_help() {
  std::string out;
  for (const auto& a : common::all_algos()) {
    std::string name(a.name);
    name.resize(10, ' ');
    out += name + std::string(a.description) + "\n";
  }
  return out;
}

// The flags only check mode understands, and the ones it rejects, as
// coreutils words them. Returns "" when the combination is valid.
std::string mode_conflict(const HashFlags& f, const SharedOptions& o) {
  if (f.check) {
    if (f.tag) return "the --tag option is meaningless when verifying checksums";
    if (f.zero) return "the --zero option is not supported when verifying checksums";
    if (!f.files0_from.empty()) return "--files0-from is not supported when verifying checksums";
    if (o.format != "text") return "--format " + o.format + " is not supported when verifying checksums";
    return "";
  }
  if (f.status) return "the --status option is meaningful only when verifying checksums";
  if (f.strict) return "the --strict option is meaningful only when verifying checksums";
  if (f.warn) return "the --warn option is meaningful only when verifying checksums";
  if (f.ignore_missing) return "the --ignore-missing option is meaningful only when verifying checksums";
  if (!f.report_new.empty()) return "the --report-new option is meaningful only when verifying checksums";
  if (!f.files0_from.empty() && !f.paths.empty())
    return "extra operand '" + f.paths.front() + "': file names cannot be combined with --files0-from";
  return "";
}

// --shard and --merge: a shard splits named files, a merge takes parts and
// writes their format. Returns "" when the combination is valid.
std::string shard_conflict(const HashFlags& f, const SharedOptions& o) {
  if (f.merge) {
    if (f.shard) return "--merge combines the parts of --shard runs; give it one or the other";
    if (f.check) return "--merge and --check are two modes: give one";
    if (f.paths.empty()) return "--merge needs the parts to merge (the files the --shard K/N runs wrote)";
    if (f.algo_option->count() != 0 || f.tag || f.zero || f.length != 0 || f.keyed || f.derive_key_given ||
        o.format != "text") {
      return "--merge writes the parts' own algorithm and format: give -a, --tag, -z, --format and BLAKE3's "
             "options to the --shard runs";
    }
    if (!f.files0_from.empty() || !f.excludes.empty() || f.follow || f.one_file_system) {
      return "--merge reads parts, it walks nothing: give the walk's options to the --shard runs";
    }
    return "";
  }
  if (f.shard && f.check) return "--shard splits hashing, not --check: check a manifest with -c on one machine";
  if (f.shard && !f.files0_from.empty()) return "";  // every node reads the same list
  if (f.shard && (f.paths.empty() || std::find(f.paths.begin(), f.paths.end(), "-") != f.paths.end())) {
    return "--shard splits named files and trees across machines; standard input cannot be split";
  }
  return "";
}

// BLAKE3's parameters: only -a blake3 takes them, and stdin cannot carry
// both the key and an input. Returns "" when they are valid.
std::string blake3_conflict(const HashFlags& f) {
  const bool blake3 = f.digest.algo == common::Algo::kBlake3;
  const std::string algo = "-a " + f.algo;
  if (f.length != 0 && !blake3) return "--length applies to -a blake3 only (" + algo + " has a fixed length)";
  if (f.keyed && !blake3) return "--keyed applies to -a blake3 only";
  if (f.derive_key_given && !blake3) return "--derive-key applies to -a blake3 only";
  if (f.keyed && f.derive_key_given) return "--keyed and --derive-key are two modes: give one";
  if (f.keyed) {
    const bool stdin_input = f.paths.empty() ? f.files0_from.empty() || f.files0_from == "-"
                                             : std::find(f.paths.begin(), f.paths.end(), "-") != f.paths.end();
    if (stdin_input || f.files0_from == "-") {
      return "--keyed reads the key from standard input, so standard input cannot also be " +
             std::string(f.check ? "a checksum file" : "an input or --files0-from");
    }
  }
  return "";
}

// --keyed: exactly 32 raw bytes on standard input, as b3sum reads them,
// read while the options are checked (before any output is opened; a
// signal then ends conc as it would any command that has written nothing).
std::array<std::uint8_t, 32> read_key() {
  std::string bytes;
  try {
    bytes = common::read_prefix("-", 33);
  } catch (const common::InputError& e) {
    throw UsageError("--keyed: cannot read the key from standard input: " + std::string(e.what()));
  }
  if (bytes.size() != 32) {
    throw UsageError("--keyed: the key on standard input must be exactly 32 bytes; it " +
                     (bytes.size() > 32 ? std::string("has more") : "has " + std::to_string(bytes.size())));
  }
  std::array<std::uint8_t, 32> key{};
  std::copy(bytes.begin(), bytes.end(), key.begin());
  return key;
}

hash::EngineOptions engine_options(const HashFlags& f, const RunContext& ctx) {
  hash::EngineOptions e;
  e.strategy = strategy_of(hash::strategies(), ctx.options.strategy);
  e.threads = ctx.options.threads;
  e.io = f.io == "mmap" ? hash::IoMode::kMmap : hash::IoMode::kRead;
  e.block_size = parse_size(f.block_size);
  return e;
}

common::WalkOptions walk_options(const HashFlags& f, const RunContext& ctx) {
  return {f.follow, f.excludes, f.one_file_system, ctx.own_files};
}

int run_check(const HashFlags& f, const common::DigestSpec& digest, RunContext& ctx) {
  hash::CheckOptions c;
  c.gnu_digest = digest;
  c.stdin_taken = f.keyed;
  c.ignore_missing = f.ignore_missing;
  c.warn = f.warn;
  c.report_new = f.report_new;
  c.walk = walk_options(f, ctx);
  const std::vector<std::string> files = f.paths.empty() ? std::vector<std::string>{"-"} : f.paths;
  const bool quiet_ok = ctx.options.quiet;  // coreutils' --quiet: no OK lines

  common::ProgressBar progress(ctx.progress, "hash --check", "files");
  hash::CheckSink sink;
  sink.verdict = [&](const std::string& name, hash::Verdict v) {
    if (f.status || (quiet_ok && v == hash::Verdict::kOk)) return;
    ctx.output.write(hash::display_name(name));
    ctx.output.write(": ");
    ctx.output.write(hash::verdict_text(v));
    ctx.output.put('\n');
  };
  // Verdicts go out before each diagnostic (so `2>&1` shows them in line
  // order, as coreutils) and whenever a check file on a pipe is slow.
  sink.flush = [&] { ctx.output.flush(); };
  // coreutils' summary comes after each check file's verdicts.
  sink.file_done = [&](const std::string&, const hash::CheckCounts& counts) {
    if (f.status) return;
    ctx.output.flush();
    for (const auto& line : hash::check_warnings(counts)) std::cerr << "conc hash: " << line << "\n";
  };
  const auto summary = hash::check(files, c, engine_options(f, ctx), ctx.diagnostics, ctx.stop, &progress, sink);
  progress.finish();
  ctx.stats = summary.stats;
  if (ctx.stop.stop_requested()) return common::kExitInterrupted;
  if (!f.status && summary.new_files != 0) {
    ctx.output.flush();  // the NEW verdicts before their summary
    hash::CheckCounts unlisted;
    unlisted.new_files = summary.new_files;
    for (const auto& line : hash::check_warnings(unlisted)) std::cerr << "conc hash: " << line << "\n";
  }
  const bool failed = summary.mismatched != 0 || summary.unreadable != 0 || summary.new_files != 0 ||
                      (f.strict && summary.misformatted != 0) || ctx.diagnostics.errors() != 0;
  return failed ? common::kExitInputFailed : common::kExitOk;
}

int run_merge(const HashFlags& f, RunContext& ctx) {
  hash::merge_parts(f.paths, ctx.output, ctx.diagnostics, ctx.stop);
  if (ctx.stop.stop_requested()) return common::kExitInterrupted;
  return ctx.diagnostics.errors() > 0 ? common::kExitInputFailed : common::kExitOk;
}

int run_hash(const HashFlags& f, const common::DigestSpec& digest, RunContext& ctx) {
  // Under --shard every node walks alike and meets the same errors; shard 0
  // records them in its part, so the merge reports them once, as one
  // machine would.
  std::vector<std::string> walk_errors;
  std::vector<hash::Job> jobs;
  {
    common::Diagnostics::Sink record;  // the walk's errors, under --shard
    if (f.shard) record = [&](std::string_view line) { walk_errors.emplace_back(line); };
    const common::ErrorTap tap(ctx.diagnostics, std::move(record));
    std::vector<std::string> names = f.paths;
    if (!f.files0_from.empty()) {
      names = common::read_names0(f.files0_from, ctx.diagnostics, ctx.stop);
    } else if (names.empty()) {
      names = {"-"};
    }
    for (auto& in : common::walk(names, walk_options(f, ctx), ctx.diagnostics)) {
      if (f.keyed && in.is_stdin) {  // named by --files0-from: the checks before the run cannot see it
        ctx.diagnostics.error(in.path, "standard input held the --keyed key; it cannot also be an input");
        continue;
      }
      if (f.shard && in.is_stdin) {  // named by --files0-from
        ctx.diagnostics.error(in.path, "standard input cannot be split across shards; name files");
        continue;
      }
      jobs.push_back({std::move(in.path), digest, in.size, in.is_stdin});
    }
  }

  const std::string& format = ctx.options.format;
  hash::ResultWriter results(ctx.output,
                             format == "json"    ? hash::Format::kJson
                             : format == "jsonl" ? hash::Format::kJsonl
                                                 : hash::Format::kText,
                             f.tag ? hash::LineStyle::kTag : hash::LineStyle::kGnu, digest.algo, f.zero);
  if (f.shard) {
    const std::string shape = format + (f.tag ? " --tag" : "") + (f.zero ? " -z" : "");
    hash::ShardJobs mine = hash::plan_shard(std::move(jobs), *f.shard, digest, shape);
    jobs = std::move(mine.jobs);
    results.add_shard_record(hash::header_record(mine.header));
    if (f.shard->index == 0) {
      for (const std::string& line : walk_errors) results.add_shard_record(hash::walk_error_record(line));
    }
  }
  common::ProgressBar progress(ctx.progress, "hash", "files");
  ctx.stats =
      hash::hash_jobs(jobs, engine_options(f, ctx), ctx.stop, &progress, [&](std::size_t i, hash::Outcome&& out) {
        const hash::Job& job = jobs[i];
        if (!out.ok()) {
          ctx.diagnostics.error(job.path, out.error);
          // In a part, the failure keeps its slot, for the merge to report.
          if (f.shard) results.add_shard_record(hash::failure_record(ctx.diagnostics.format(job.path, out.error)));
          return;
        }
        results.add(job.path, out.hex, out.bytes);
      });
  progress.finish();
  if (ctx.stop.stop_requested()) return common::kExitInterrupted;
  results.finish();
  return ctx.diagnostics.errors() > 0 ? common::kExitInputFailed : common::kExitOk;
}

// Every check of the command line, before any output is opened.
void validate(HashFlags& f, const SharedOptions& o) {
  const auto algo = common::algo_by_name(f.algo);
  if (!algo) throw UsageError("--algo: unknown algorithm '" + f.algo + "'", "--algo help");
  if (const auto conflict = shard_conflict(f, o); !conflict.empty()) throw UsageError(conflict);
  if (f.merge) return;
  if (const auto conflict = mode_conflict(f, o); !conflict.empty()) throw UsageError(conflict);
  f.digest = common::DigestSpec(*algo);
  if (const auto conflict = blake3_conflict(f); !conflict.empty()) throw UsageError(conflict);
  if (f.derive_key_given) f.digest = common::DigestSpec::blake3_derive_key(f.derive_key);
  if (f.keyed) f.digest = common::DigestSpec::blake3_keyed(read_key());  // last: it reads stdin
  f.digest.length = f.length;
}

int run(const HashFlags& f, RunContext& ctx) {
  if (f.merge) return run_merge(f, ctx);
  return f.check ? run_check(f, f.digest, ctx) : run_hash(f, f.digest, ctx);
}

}  // namespace

Command hash_command() {
  auto flags = std::make_shared<HashFlags>();
  Command c;
  c.name = "hash";
  c.summary = "checksums of files and trees on every core, interchangeable with sha256sum";
  c.examples = {
      "conc hash src/ > SHA256SUMS",
      "conc hash -c SHA256SUMS --quiet",
      "conc hash -a xxh3 --exclude '*.o' build/",
      "conc hash -a blake3 disk.img              # one big file on every core; b3sum's output",
      "find . -name '*.iso' -print0 | conc hash --files0-from - --tag",
      "conc hash -c SHA256SUMS --report-new .     # also list files SHA256SUMS does not mention",
      "conc hash --shard 2/4 /shared/data > part-2   # task 2 of a 4-task job array",
      "conc hash --merge part-* > SHA256SUMS         # the manifest one machine would write",
      "conc hash --algo help",
  };
  c.strategies = strategy_choices(hash::strategies());
  c.formats = {"text", "json", "jsonl"};
  c.add_options = [flags](CLI::App& app) {
    app.add_option("paths", flags->paths,
                   "files, directories (walked recursively, sorted by name) or - for stdin (default); "
                   "with --check: checksum files")
        ->type_name("PATH");
    flags->algo_option =
        app.add_option("-a,--algo", flags->algo,
                       "sha256 (default), sha1, sha224, sha384, sha512, md5, sha3-256, blake2b, blake3, xxh64, xxh3, "
                       "xxh128; 'help' lists them")
            ->type_name("NAME");
    app.add_flag("--tag", flags->tag, "BSD-style lines: SHA256 (NAME) = HASH");
    app.add_option("-l,--length", flags->length,
                   "blake3: output bytes before hex encoding, 1 to " + std::to_string(common::kMaxBlake3Length) +
                       " (default 32), as b3sum --length")
        ->type_name("N")
        ->check(whole_number(1, common::kMaxBlake3Length));
    app.add_flag("--keyed", flags->keyed,
                 "blake3: keyed hash (a MAC); the key is exactly 32 raw bytes read from standard input");
    app.add_option("--derive-key", flags->derive_key,
                   "blake3: key derivation; each input is key material under the context string CONTEXT")
        ->type_name("CONTEXT")
        ->each([flags](const std::string&) { flags->derive_key_given = true; });
    app.add_flag("-z,--zero", flags->zero, "end each line with NUL instead of newline, and do not escape names");
    app.add_flag("-c,--check", flags->check,
                 "read checksum lines (GNU or --tag, mixed) from the PATHs and verify them; "
                 "-q/--quiet then hides OK lines, as in coreutils");
    app.add_flag("--status", flags->status, "check mode: print nothing, the exit status tells");
    app.add_flag("--strict", flags->strict, "check mode: exit 1 if any line is improperly formatted");
    app.add_flag("-w,--warn", flags->warn, "check mode: warn about each improperly formatted line");
    app.add_flag("--ignore-missing", flags->ignore_missing, "check mode: skip listed files that do not exist");
    app.add_option(
           "--report-new", flags->report_new,
           "check mode: also list files under DIR that the checksum files do not mention (NAME: NEW; exit 1 if any)")
        ->type_name("DIR")
        ->allow_extra_args(false);
    app.add_flag("-L,--follow", flags->follow, "follow symbolic links inside directories (loops are reported)");
    app.add_option("--exclude", flags->excludes,
                   "skip entries inside walked directories whose name or path matches GLOB (repeatable)")
        ->type_name("GLOB")
        ->allow_extra_args(false);
    app.add_option("--files0-from", flags->files0_from,
                   "read NUL-separated names from FILE (- for stdin) instead of PATHs")
        ->type_name("FILE");
    add_shard_option(app, flags->shard,
                     "files, dealt biggest first to the least-loaded shard; the parts merge with --merge into "
                     "exactly one machine's manifest");
    app.add_flag("--merge", flags->merge,
                 "the PATHs are the parts a job's --shard K/N runs wrote (one per shard, any order): write the "
                 "manifest one machine would have, byte for byte, in the parts' format");
    app.add_flag("--one-file-system", flags->one_file_system, "do not enter directories on other file systems");
    app.add_option("--io", flags->io, "read (default: large reads, sequential hint) or mmap")
        ->type_name("read|mmap")
        ->check(CLI::IsMember({"read", "mmap"}));
    app.add_option("--block-size", flags->block_size,
                   "bytes per read or hashing step, 1 to " + format_size(kMaxBlockSize) +
                       " (K, M suffixes; default 128K: a block stays in cache from read to hash); "
                       "under -s steal also the BLAKE3 subtree one task reads and hashes")
        ->type_name("BYTES")
        ->check(size_validator(kMaxBlockSize));
  };
  // --algo help lists the algorithms, whatever else was given.
  c.listing = [flags]() -> std::optional<std::string> {
    if (flags->algo == "help") return algo_help();
    return std::nullopt;
  };
  c.validate = [flags](const SharedOptions& o) { validate(*flags, o); };
  c.run = [flags](RunContext& ctx) { return run(*flags, ctx); };
  return c;
}

}  // namespace conc::cli
