// conc bench: flags in, the bench engine runs the subcommand, the table and plots out.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>
#include <tuple>

#include "bench/bench.h"
#include "bench/plot.h"
#include "bench/report.h"
#include "command.h"
#include "commands.h"
#include "common/diagnostics.h"
#include "common/exit_code.h"
#include "common/file_walk.h"
#include "common/temp_directory.h"
#include "conc/executor.h"
#include "shared_options.h"

namespace conc::cli {
namespace {

constexpr std::uint64_t kMaxRuns = 100000;

/// Options of a subcommand that rewrite the user's own files: a bench
/// would run them again and again on the outputs of the run before.
constexpr const char* kRewritesInputs[] = {"--in-place"};

struct BenchFlags {
  std::string subcommand;
  std::string strategies = "all";
  std::string threads;
  unsigned warmup = 1;
  unsigned repeat = 5;
  std::string prepare;
  std::string input;
  std::string plot;
  std::string plot_time;
  std::string program;
  std::optional<std::vector<std::string>> child_args;  ///< after `--`; nullopt: no `--`
  std::vector<std::string> stray;                      ///< words before `--` that are no option of bench
  bench::Options options;                              ///< built by validate
};

// An option given with an empty value means no default silently: say so.
CLI::Validator non_empty() {
  return CLI::Validator([](std::string& v) { return v.empty() ? std::string("expected a value, got ''") : ""; }, "",
                        "non-empty");
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(item);
  if (!text.empty() && text.back() == ',') out.emplace_back();
  return out;
}

std::string names_of(const std::vector<Strategy>& strategies) {
  std::string out;
  for (const auto& s : strategies) out += (out.empty() ? "" : ", ") + std::string(s.name);
  return out;
}

// The binary running now, as the kernel holds it: the runs time this very
// build (even if it is rebuilt meanwhile) unless --conc names another.
constexpr const char* kThisProgram = "/proc/self/exe";

std::vector<std::string> chosen_strategies(const Command& t, const std::string& list) {
  if (list == "all") {
    std::vector<std::string> all;
    all.reserve(t.strategies.size());
    for (const auto& s : t.strategies) all.emplace_back(s.name);
    return all;
  }
  std::vector<std::string> wanted = split_list(list);
  for (const auto& w : wanted) {
    const bool known =
        std::any_of(t.strategies.begin(), t.strategies.end(), [&](const auto& s) { return s.name == w; });
    if (!known) {
      throw UsageError("--strategies: unknown strategy '" + w + "' for conc " + t.name + " (choose from " +
                       names_of(t.strategies) + ", or all)");
    }
  }
  // In the table's order, each once: the table and the plot read the same whatever the spelling.
  std::vector<std::string> out;
  for (const auto& s : t.strategies) {
    if (std::find(wanted.begin(), wanted.end(), s.name) != wanted.end()) out.emplace_back(s.name);
  }
  return out;
}

std::vector<std::size_t> chosen_threads(const std::string& list, std::size_t default_threads) {
  std::vector<std::size_t> out;
  if (list.empty()) {
    out = {1, 2, default_threads};
  } else {
    for (const auto& item : split_list(list)) {
      if (const std::string error = check_threads(item); !error.empty()) throw UsageError("--threads: " + error);
      out.push_back(std::stoul(item));
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

const std::string kAfter = " (in the arguments after '--')";

// SUBCOMMAND-ARGS parsed as `conc SUBCOMMAND` parses them: the only way to
// tell an option from a value that looks like one (`--suffix -small`) or
// an option inside a cluster (`-qj4`, `-zoFILE`). Throws CLI::ParseError.
class ChildParse {
 public:
  ChildParse(const Command& target, const std::vector<std::string>& args) {
    sub_ = app_.add_subcommand(target.name);
    add_shared_options(*sub_, shared_, target);
    if (target.add_options) target.add_options(*sub_);
    std::vector<std::string> words = {"conc", target.name};
    words.insert(words.end(), args.begin(), args.end());
    std::vector<char*> argv;
    argv.reserve(words.size());
    for (auto& w : words) argv.push_back(w.data());
    app_.parse(static_cast<int>(argv.size()), argv.data());
  }
  /// How often the option `name` was given; 0 when the subcommand has none.
  [[nodiscard]] std::size_t count(const std::string& name) const {
    const auto* opt = sub_->get_option_no_throw(name);
    return opt == nullptr ? 0 : opt->count();
  }
  [[nodiscard]] const SharedOptions& shared() const { return shared_; }

 private:
  CLI::App app_;
  SharedOptions shared_;
  CLI::App* sub_ = nullptr;
};

// SUBCOMMAND-ARGS checked, and the word holding their -o value found (by
// changing each candidate and seeing whether the parser's -o changes with
// it), so that each run can be given its own output.
bench::ChildArgs checked_child_args(const Command& target, const std::vector<std::string>& args) {
  std::optional<ChildParse> parsed;
  try {
    parsed.emplace(target, args);
  } catch (const CLI::CallForHelp&) {
    throw UsageError("--help after '--': see 'conc " + target.name + " --help' instead");
  } catch (const CLI::ParseError& e) {
    throw UsageError("conc " + target.name + ": " + e.what() + kAfter);
  }
  for (const char* name : {"-j", "-s", "--stats-json"}) {
    if (parsed->count(name) > 0) throw UsageError(std::string(name) + kAfter + ": bench sets it for each run");
  }
  for (const char* name : kRewritesInputs) {
    if (parsed->count(name) > 0)
      throw UsageError(std::string(name) + kAfter + ": every run would rewrite the inputs of the next");
  }
  bench::ChildArgs out{args, std::nullopt, ""};
  const std::string value = parsed->shared().output;
  if (value.empty() || value == "-") return out;  // stdout: compared as such
  static const std::string kMarker = "\x01conc-bench-output";
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& word = args[i];
    if (!word.ends_with(value)) continue;
    std::vector<std::string> trial = args;
    const std::string prefix = word.substr(0, word.size() - value.size());
    trial[i] = prefix + kMarker;
    try {
      if (ChildParse(target, trial).shared().output == kMarker) {
        out.output_at = i;
        out.output_prefix = prefix;
        return out;
      }
    } catch (const CLI::Error&) {
      // that word was not it (the change broke another option's value)
    }
  }
  throw UsageError("-o" + kAfter + ": cannot tell which word holds its value");
}

// --input and --conc are read by every run: checked once, before any.
void check_files(const BenchFlags& f) {
  struct stat st {};
  if (!f.input.empty()) {
    if (::stat(f.input.c_str(), &st) != 0) throw UsageError("--input: " + f.input + ": " + common::errno_reason(errno));
    if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode)) {
      throw UsageError("--input: " + f.input + ": not a regular file or a device (every run reads it from the start)");
    }
  }
  if (!f.program.empty()) {
    if (::stat(f.program.c_str(), &st) != 0) {
      throw UsageError("--conc: " + f.program + ": " + common::errno_reason(errno));
    }
    if (!S_ISREG(st.st_mode) || ::access(f.program.c_str(), X_OK) != 0) {
      throw UsageError("--conc: " + f.program + ": not an executable file");
    }
  }
}

// bench's own outputs may not replace one another, nor anything the runs read.
void check_outputs(const BenchFlags& f, const SharedOptions& o) {
  namespace fs = std::filesystem;
  const std::vector<std::pair<std::string, std::string>> named = {
      {"-o", o.output == "-" ? "" : o.output}, {"--plot", f.plot}, {"--plot-time", f.plot_time}};
  auto where = [](const std::string& path) {
    std::error_code ec;
    return fs::weakly_canonical(fs::absolute(path, ec), ec);
  };
  for (std::size_t i = 0; i < named.size(); ++i) {
    if (named[i].second.empty()) continue;
    const auto a = where(named[i].second);
    std::error_code ec;
    if (fs::exists(a, ec) && !fs::is_regular_file(a, ec)) continue;  // a device is written in place: nothing replaced
    for (std::size_t k = i + 1; k < named.size(); ++k) {
      if (!named[k].second.empty() && a == where(named[k].second)) {
        throw UsageError(named[i].first + " and " + named[k].first + " name the same file '" + named[i].second + "'");
      }
    }
    const auto id = common::file_id(named[i].second);
    if (!id) continue;
    std::vector<std::string> read = *f.child_args;
    if (!f.input.empty()) read.push_back(f.input);
    for (const auto& input : read) {
      if (common::file_id(input) == id) {
        throw UsageError(named[i].first + " names '" + input + "', which the runs read");
      }
    }
  }
}

// A scratch directory inside a tree the runs walk would be walked too.
void check_scratch_outside_inputs(const std::vector<std::string>& args) {
  namespace fs = std::filesystem;
  const std::string root = common::temp_root();
  std::error_code ec;
  const auto scratch = fs::weakly_canonical(fs::absolute(root, ec), ec);
  for (const auto& word : args) {
    if (!fs::is_directory(word, ec)) continue;
    const auto dir = fs::weakly_canonical(fs::absolute(word, ec), ec);
    const auto rel = scratch.lexically_relative(dir);
    if (!rel.empty() && *rel.begin() != "..") {
      std::string message = "the scratch directory's root ";
      message += root;
      message += " ($TMPDIR) lies inside '";
      message += word;
      message += "'";
      message += kAfter;
      message += ": the runs would see bench's own files; set TMPDIR to a directory outside it";
      throw UsageError(message);
    }
  }
}

void validate(BenchFlags& f, const std::vector<Command>& targets, const SharedOptions& shared) {
  const auto target =
      std::find_if(targets.begin(), targets.end(), [&](const Command& t) { return t.name == f.subcommand; });
  if (target == targets.end()) {
    std::string names;
    for (const auto& t : targets) names += (names.empty() ? "" : ", ") + t.name;
    throw UsageError("unknown subcommand '" + f.subcommand + "' to bench (choose from " + names + ")");
  }
  if (!f.child_args || !f.stray.empty()) {
    throw UsageError("missing '--' before the subcommand's arguments: conc bench " + f.subcommand +
                     " [OPTIONS] -- ARGS...");
  }
  check_files(f);
  check_outputs(f, shared);
  bench::Options& o = f.options;
  o.program = f.program.empty() ? kThisProgram : f.program;
  o.program_given = !f.program.empty();
  o.subcommand = f.subcommand;
  o.strategies = chosen_strategies(*target, f.strategies);
  for (const auto& s : target->strategies) {
    if (s.is_default) o.default_strategy = s.name;
  }
  o.default_threads = target->default_threads != 0 ? target->default_threads : conc::thread_count(0);
  o.threads = chosen_threads(f.threads, o.default_threads);
  o.args = checked_child_args(*target, *f.child_args);
  check_scratch_outside_inputs(o.args.args);
  o.warmup = f.warmup;
  o.repeat = f.repeat;
  o.prepare = f.prepare;
  o.input = f.input;
}

// Failures and disagreements are errors (exit 1), noise is a warning; all on stderr.
void report_problems(const bench::Result& r, common::Diagnostics& diag) {
  for (const auto& d : r.disagreements) diag.error(d.other, "disagrees with " + d.reference + ": " + d.what);
  for (const auto& c : r.configs) {
    if (!c.failure.empty()) diag.error(c.config.label(), c.failure);
    for (const auto& w : c.warnings) diag.warning(c.config.label(), w);
  }
}

int run(const BenchFlags& f, RunContext& ctx) {
  const bench::Options& o = f.options;
  // Opened before the first run, so an unwritable plot fails before the work.
  std::optional<common::Output> plot;
  std::optional<common::Output> plot_time;
  for (auto [path, out, flag] :
       {std::tuple{&f.plot, &plot, "--plot: "}, std::tuple{&f.plot_time, &plot_time, "--plot-time: "}}) {
    if (path->empty()) continue;
    try {
      out->emplace(*path, ctx.stop);
    } catch (const std::exception& e) {
      throw std::runtime_error(flag + common::exception_reason(e));
    }
  }

  common::ProgressBar progress(ctx.progress, "bench " + o.subcommand, "runs");
  const bench::Result result = bench::run_bench(o, ctx.stop, [&](std::size_t, std::size_t total) {
    progress.set_total(total, 0);
    progress.add(1, 0);  // called once per run
  });
  progress.finish();
  if (result.interrupted || ctx.stop.stop_requested()) return common::kExitInterrupted;

  ctx.output.write(bench::render_report(o, result, bench::parse_format(ctx.options.format)));
  report_problems(result, ctx.diagnostics);
  if (plot) {
    plot->write(bench::plot_speedup(o, result));
    plot->commit();
  }
  if (plot_time) {
    plot_time->write(bench::plot_time(o, result));
    plot_time->commit();
  }
  return result.ok() ? common::kExitOk : common::kExitInputFailed;
}

}  // namespace

Command bench_command(const std::vector<Command>& timed) {
  std::vector<Command> targets;
  for (const auto& c : timed) {
    if (!c.strategies.empty()) targets.push_back(c);
  }
  auto flags = std::make_shared<BenchFlags>();
  Command c;
  c.name = "bench";
  c.summary = "time a subcommand under every strategy and thread count, check they agree, compare";
  c.examples = {
      "conc bench wordcount -- big.txt",
      "conc bench hash --strategies seq,steal --threads 1,2,4,8 --repeat 10 -- -a sha256 data/",
      "conc bench image --plot speedup.svg -- -f blur:3 -o out.png photo.jpg",
      "conc bench wordcount --format markdown -- corpus/ >> pr-comment.md",
  };
  c.details =
      "\nEach run is `conc SUBCOMMAND -s STRATEGY -j N --stats-json TMP ARGS...`, started directly (no shell),\n"
      "with stdin from --input (default /dev/null). An -o in ARGS is redirected into a scratch\n"
      "directory ($TMPDIR) for each run; your own -o path is never written. The outputs and exit codes\n"
      "(0 or 1) of every run must agree: with seq's when it ran, else with the one most configurations\n"
      "gave. A disagreement, or a run that exits 2 or more or is killed, makes the exit status 1.\n"
      "Peak RSS counts conc bench's own (a few MiB: Linux carries the spawning process's peak over exec).\n";
  c.formats = {"text", "csv", "json", "markdown"};
  c.runs_workers = false;
  c.add_options = [flags](CLI::App& app) {
    app.add_option("subcommand", flags->subcommand, "the subcommand to time")->type_name("SUBCOMMAND")->required();
    // Words meant for the subcommand but given without `--`: caught here
    // so that validate can say what is missing.
    app.add_option("stray", flags->stray)->group("");
    app.add_option("--strategies", flags->strategies,
                   "comma-separated strategies of the subcommand, or all (default all; seq runs at -j 1 only)")
        ->type_name("LIST")
        ->check(non_empty());
    app.add_option("--threads", flags->threads,
                   "comma-separated thread counts (-j), 1 to " + std::to_string(kMaxThreads) +
                       " each (default 1,2 and the subcommand's default: every core, crawl's 16)")
        ->type_name("LIST")
        ->check(non_empty());
    app.add_option("--repeat", flags->repeat,
                   "timed runs per configuration, 1 to " + std::to_string(kMaxRuns) + " (default 5)")
        ->type_name("N")
        ->check(whole_number(1, kMaxRuns));
    app.add_option("--warmup", flags->warmup,
                   "untimed runs per configuration first, 0 to " + std::to_string(kMaxRuns) + " (default 1)")
        ->type_name("N")
        ->check(whole_number(0, kMaxRuns));
    app.add_option("--prepare", flags->prepare,
                   "shell command run before each timed run (e.g. to drop caches); its failure ends the bench")
        ->type_name("CMD")
        ->check(non_empty());
    app.add_option("--input", flags->input, "file every run reads as stdin (default /dev/null)")
        ->type_name("FILE")
        ->check(non_empty());
    app.add_option("--plot", flags->plot, "write an SVG chart of speed-up against threads, one line per strategy")
        ->type_name("FILE.svg")
        ->check(non_empty());
    app.add_option("--plot-time", flags->plot_time,
                   "write an SVG chart of wall time per configuration (median bars, min-max whiskers)")
        ->type_name("FILE.svg")
        ->check(non_empty());
    app.add_option("--conc", flags->program,
                   "the conc binary to time (default: this one), e.g. another build to compare")
        ->type_name("PATH")
        ->check(non_empty());
  };
  c.take_trailing_args = [flags](std::optional<std::vector<std::string>> args) { flags->child_args = std::move(args); };
  c.validate = [flags, targets](const SharedOptions& shared) { validate(*flags, targets, shared); };
  c.run = [flags](RunContext& ctx) { return run(*flags, ctx); };
  return c;
}

}  // namespace conc::cli
