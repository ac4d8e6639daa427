// conc bench: flags in, the bench engine runs the subcommand, the table and plots out.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>
#include <tuple>

#include "bench/bench.h"
#include "bench/child_args.h"
#include "bench/plot.h"
#include "bench/report.h"
#include "command.h"
#include "commands.h"
#include "common/diagnostics.h"
#include "common/exit_code.h"
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

// The binary running now: the runs time this very build unless --conc says otherwise.
std::string this_program() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string("/proc/self/exe");
}

std::vector<std::string> chosen_strategies(const Command& t, const std::string& list) {
  if (list == "all") {
    std::vector<std::string> all;
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

// SUBCOMMAND-ARGS parsed as `conc SUBCOMMAND` would parse them, so that a
// usage error in them is bench's usage error before any run, and options
// hidden in a cluster (`-qj4`, `-zo FILE`) are found as the subcommand
// would find them.
void probe_child_args(const Command& target, const bench::ChildArgs& child) {
  CLI::App app;
  SharedOptions shared;
  CLI::App* sub = app.add_subcommand(target.name);
  add_shared_options(*sub, shared, target);
  if (target.add_options) target.add_options(*sub);
  std::vector<std::string> words = {"conc", target.name};
  words.insert(words.end(), child.args.begin(), child.args.end());
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  const std::string after = " (in the arguments after '--')";
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::CallForHelp&) {
    throw UsageError("--help after '--': see 'conc " + target.name + " --help' instead");
  } catch (const CLI::ParseError& e) {
    throw UsageError("conc " + target.name + ": " + e.what() + after);
  }
  for (const char* name : {"-j", "-s", "--stats-json"}) {
    if (sub->count(name) > 0)
      throw UsageError(std::string(name) + " inside a cluster of options" + after + ": bench sets it");
  }
  if (sub->count("-o") > 0 && !child.output_at && shared.output != "-") {
    throw UsageError("-o inside a cluster of options" + after +
                     ": give it as a word of its own, so that bench can give each run its own output");
  }
  for (const char* name : kRewritesInputs) {
    if (const auto* opt = sub->get_option_no_throw(name); opt != nullptr && opt->count() > 0) {
      throw UsageError(std::string(name) + after + ": every run would rewrite the inputs of the next");
    }
  }
}

// --input and --conc are read by every run: checked once, before any.
void check_files(const BenchFlags& f) {
  struct stat st {};
  if (!f.input.empty()) {
    if (::stat(f.input.c_str(), &st) != 0) throw UsageError("--input: " + f.input + ": " + common::errno_reason(errno));
    if (!S_ISREG(st.st_mode)) {
      throw UsageError("--input: " + f.input + ": not a regular file (every run reads it from the start)");
    }
  }
  if (!f.program.empty()) {
    if (::stat(f.program.c_str(), &st) != 0)
      throw UsageError("--conc: " + f.program + ": " + common::errno_reason(errno));
    if (!S_ISREG(st.st_mode) || ::access(f.program.c_str(), X_OK) != 0) {
      throw UsageError("--conc: " + f.program + ": not an executable file");
    }
  }
}

// Two outputs renamed onto one file: the last would silently win.
void check_outputs_differ(const BenchFlags& f, const SharedOptions& o) {
  const std::vector<std::pair<std::string, std::string>> named = {
      {"-o", o.output == "-" ? "" : o.output}, {"--plot", f.plot}, {"--plot-time", f.plot_time}};
  for (std::size_t i = 0; i < named.size(); ++i) {
    for (std::size_t k = i + 1; k < named.size(); ++k) {
      if (named[i].second.empty() || named[k].second.empty()) continue;
      std::error_code ec;
      const auto a = std::filesystem::weakly_canonical(std::filesystem::absolute(named[i].second, ec), ec);
      const auto b = std::filesystem::weakly_canonical(std::filesystem::absolute(named[k].second, ec), ec);
      const bool device = std::filesystem::exists(a, ec) && !std::filesystem::is_regular_file(a, ec);
      if (a == b && !device) {  // /dev/null twice is fine: written in place, nothing renamed
        throw UsageError(named[i].first + " and " + named[k].first + " name the same file '" + named[i].second + "'");
      }
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
  check_outputs_differ(f, shared);
  bench::Options& o = f.options;
  o.program = f.program.empty() ? this_program() : f.program;
  o.program_given = !f.program.empty();
  o.subcommand = f.subcommand;
  o.strategies = chosen_strategies(*target, f.strategies);
  for (const auto& s : target->strategies) {
    if (s.is_default) o.default_strategy = s.name;
  }
  o.default_threads = target->default_threads != 0 ? target->default_threads : conc::thread_count(0);
  o.threads = chosen_threads(f.threads, o.default_threads);
  try {
    o.args = bench::check_child_args(*f.child_args);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  probe_child_args(*target, o.args);
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
  bench::Result result;
  try {
    result = bench::run_bench(o, ctx.stop, [&](std::size_t, std::size_t total) {
      progress.set_total(total, 0);
      progress.add(1, 0);  // called once per run
    });
  } catch (const bench::ChildUsageError& e) {
    throw UsageError(std::string(e.what()) + " (the arguments after '--')");
  }
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
        ->type_name("LIST");
    app.add_option("--threads", flags->threads,
                   "comma-separated thread counts (-j), 1 to " + std::to_string(kMaxThreads) +
                       " each (default 1,2 and the subcommand's default: every core, crawl's 16)")
        ->type_name("LIST");
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
        ->type_name("CMD");
    app.add_option("--input", flags->input, "file every run reads as stdin (default /dev/null)")->type_name("FILE");
    app.add_option("--plot", flags->plot, "write an SVG chart of speed-up against threads, one line per strategy")
        ->type_name("FILE.svg");
    app.add_option("--plot-time", flags->plot_time,
                   "write an SVG chart of wall time per configuration (median bars, min-max whiskers)")
        ->type_name("FILE.svg");
    app.add_option("--conc", flags->program,
                   "the conc binary to time (default: this one), e.g. another build to compare")
        ->type_name("PATH");
  };
  c.take_trailing_args = [flags](std::optional<std::vector<std::string>> args) { flags->child_args = std::move(args); };
  c.validate = [flags, targets](const SharedOptions& shared) { validate(*flags, targets, shared); };
  c.run = [flags](RunContext& ctx) { return run(*flags, ctx); };
  return c;
}

}  // namespace conc::cli
