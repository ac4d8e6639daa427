// conc wordcount: flags in, engine call, results out.
#include <algorithm>
#include <iostream>
#include <memory>

#include "command.h"
#include "commands.h"
#include "common/exit_code.h"
#include "shared_options.h"
#include "wordcount/report.h"
#include "wordcount/shard.h"
#include "wordcount/wordcount.h"

namespace conc::cli {
namespace {

struct WordcountFlags {
  std::vector<std::string> paths;
  std::string split = "words";
  std::string letter_case = "fold";
  std::size_t top = 0;
  std::uint64_t min_count = 1;
  bool totals = false;
  bool merge = false;
  std::string chunk_size = "1M";
  bool follow = false;
  std::optional<common::Shard> shard;
};

// --chunk-size: a piece is held in memory per worker, so a bigger one is a
// mistake, not a wish (issue 11 case 11).
constexpr std::size_t kMaxChunkSize = std::size_t{1} << 30;
constexpr std::uint64_t kMaxCount = UINT64_MAX;

wordcount::Format format_of(const std::string& name) {
  using F = wordcount::Format;
  if (name == "tsv") return F::kTsv;
  if (name == "csv") return F::kCsv;
  if (name == "json") return F::kJson;
  if (name == "jsonl") return F::kJsonl;
  return F::kText;
}

// --shard writes whole partial counts for --merge: a cut one would merge
// into wrong counts. Throws UsageError.
void validate(const WordcountFlags& f, const SharedOptions& o) {
  if (!f.shard) return;
  if (f.merge) throw UsageError("--shard splits counting; --merge combines the parts: give one");
  if (o.format != "tsv") {
    throw UsageError(
        "--shard writes partial counts for --merge: give --format tsv (the parts' format), and the "
        "final format to --merge");
  }
  if (f.top != 0)
    throw UsageError(
        "--top cuts a shard's partial counts, so the merged counts would be wrong: "
        "give --top to --merge");
  if (f.min_count > 1) {
    throw UsageError(
        "--min-count cuts a shard's partial counts, so the merged counts would be wrong: give "
        "--min-count to --merge");
  }
  if (f.paths.empty() || std::find(f.paths.begin(), f.paths.end(), "-") != f.paths.end()) {
    throw UsageError("--shard splits named files and trees across machines; standard input cannot be split");
  }
}

int run(const WordcountFlags& f, RunContext& ctx) {
  wordcount::Options o;
  o.inputs = f.paths;
  o.tokenizer.mode = f.split == "ws"      ? wordcount::SplitMode::kWs
                     : f.split == "alpha" ? wordcount::SplitMode::kAlpha
                                          : wordcount::SplitMode::kWords;
  o.tokenizer.fold_case = f.letter_case == "fold";
  o.strategy = strategy_of(wordcount::strategies(), ctx.options.strategy);
  o.threads = ctx.options.threads;
  o.chunk_size = parse_size(f.chunk_size);
  o.merge = f.merge;
  o.shard = f.shard;
  o.walk.follow_symlinks = f.follow;
  o.walk.skip = ctx.own_files;

  common::ProgressBar progress(ctx.progress, "wordcount", "pieces");
  auto result = wordcount::count_words(o, ctx.diagnostics, ctx.stop, &progress);
  progress.finish();
  ctx.stats = std::move(result.stats);
  if (ctx.stop.stop_requested()) return common::kExitInterrupted;

  if (f.shard) {  // partial counts for --merge: the header, the errors to report once, then every word
    ctx.output.write(wordcount::format_shard_header({*f.shard, result.shard_fingerprint, result.totals}));
    ctx.output.put('\n');
    if (f.shard->index == 0) {
      for (const auto& line : result.shard_walk_errors) {
        ctx.output.write(wordcount::format_shard_error(line, true));
        ctx.output.put('\n');
      }
    }
    for (const auto& line : result.shard_failures) {
      ctx.output.write(wordcount::format_shard_error(line, false));
      ctx.output.put('\n');
    }
  }
  const auto format = format_of(ctx.options.format);
  const auto words = wordcount::select(result.sorted, f.top, f.min_count);
  const bool json = format == wordcount::Format::kJson;
  wordcount::write_counts(ctx.output, words, format, f.totals && json ? &result.totals : nullptr);
  if (f.totals && !json) std::cerr << "conc wordcount: " << wordcount::totals_line(result.totals) << "\n";
  return ctx.diagnostics.errors() > 0 ? common::kExitInputFailed : common::kExitOk;
}

}  // namespace

Command wordcount_command() {
  auto flags = std::make_shared<WordcountFlags>();
  Command c;
  c.name = "wordcount";
  c.summary = "word frequencies of files, trees and stdin, map-reduce on every core";
  c.examples = {
      "conc wordcount --top 10 README.md",
      "conc wordcount --split ws --format tsv corpus/ > counts.tsv",
      "cat part-* | conc wordcount --merge --top 20        # reducer for mapper | sort | reducer",
      "conc wordcount --shard 1/4 --format tsv corpus/ > part-1   # task 1 of a 4-task job array",
      "conc wordcount --merge --top 20 part-*                     # the counts one machine would give",
      "conc wordcount -s help",
  };
  c.strategies = strategy_choices(wordcount::strategies());
  c.formats = {"text", "tsv", "csv", "json", "jsonl"};
  c.add_options = [flags](CLI::App& app) {
    app.add_option("paths", flags->paths, "files, directories (walked recursively) or - for stdin (default)")
        ->type_name("PATH");
    app.add_option("--split", flags->split,
                   "words: Unicode letters/marks/digits, ' and ’ inside words (default); "
                   "ws: runs of non-whitespace bytes (wc -w); alpha: runs of ASCII letters")
        ->type_name("MODE")
        ->check(CLI::IsMember({"words", "ws", "alpha"}));
    app.add_option("--case", flags->letter_case,
                   "fold (default: Unicode simple case folding; A-Z only in ws/alpha) or keep")
        ->type_name("fold|keep")
        ->check(CLI::IsMember({"fold", "keep"}));
    app.add_option(
           "--top", flags->top,
           "print only the N most frequent words, 0 to " + std::to_string(kMaxCount) + " (default 0: all of them)")
        ->type_name("N")
        ->check(whole_number(0, kMaxCount));
    app.add_option("--min-count", flags->min_count,
                   "print only words seen at least N times, 0 to " + std::to_string(kMaxCount) +
                       " (default 1; 0 and 1 both print every word)")
        ->type_name("N")
        ->check(whole_number(0, kMaxCount));
    app.add_flag("--totals", flags->totals,
                 "report words, distinct words, bytes and lines (stderr; in the document for json)");
    app.add_flag("--merge", flags->merge,
                 "inputs are word<TAB>count lines (e.g. --format tsv output) to sum, in any order; "
                 "parsed sequentially whatever the strategy");
    app.add_option("--chunk-size", flags->chunk_size,
                   "count inputs in pieces of about BYTES, 1 to " + format_size(kMaxChunkSize) +
                       ": ranges of a regular file, read by the worker that counts them, or blocks of a stream "
                       "(K, M, G suffixes; default 1M: a piece stays in cache between read and count)")
        ->type_name("BYTES")
        ->check(size_validator(kMaxChunkSize));
    add_shard_option(app, flags->shard,
                     "1/N of the inputs' bytes laid end to end, cut between words; writes --format tsv partial "
                     "counts that --merge sums into exactly one machine's counts");
    app.add_flag("-L,--follow", flags->follow, "follow symbolic links inside directories (loops are reported)");
  };
  c.validate = [flags](const SharedOptions& o) { validate(*flags, o); };
  c.run = [flags](RunContext& ctx) { return run(*flags, ctx); };
  return c;
}

}  // namespace conc::cli
