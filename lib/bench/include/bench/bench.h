// bench/bench.h: run a conc subcommand under several strategies and thread
// counts, time each run, check that every run's output agrees.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "bench/agreement.h"
#include "bench/statistics.h"

namespace conc::bench {

/// SUBCOMMAND-ARGS, with where the value of their -o is (the CLI finds it
/// with the subcommand's own parser), so that each run can write its own.
struct ChildArgs {
  std::vector<std::string> args;
  /// The word holding the -o value; nullopt without -o (or `-o -`): the
  /// runs' stdout is what gets compared.
  std::optional<std::size_t> output_at;
  /// What that word holds before the value: "" for `-o FILE`, "-o" for
  /// `-oFILE`, "--output=" for `--output=FILE`, "-zo" for `-zoFILE`.
  std::string output_prefix;
};

/// What to run and how often. The CLI fills it from its flags and from the
/// subcommand's strategy table; the tests fill it directly.
struct Options {
  std::string program;         ///< the conc binary each run executes
  bool program_given = false;  ///< named by the user (--conc), so the report shows it
  std::string subcommand;      ///< "wordcount"
  /// The strategies to time, in the table's order, and the table's default.
  std::vector<std::string> strategies;
  std::string default_strategy;
  /// Thread counts to time, ascending, no repeats. `seq` runs at 1 only:
  /// it is single-threaded by definition.
  std::vector<std::size_t> threads;
  /// What the subcommand runs with when not given -j (every core; crawl: 16).
  std::size_t default_threads = 1;
  ChildArgs args;
  unsigned warmup = 1;  ///< untimed runs per configuration
  unsigned repeat = 5;  ///< timed runs per configuration
  std::string prepare;  ///< run through /bin/sh -c before each timed run; "" for none
  std::string input;    ///< every run's stdin; "" for /dev/null
  /// Where the runs' scratch directory is made ("" for $TMPDIR, else /tmp).
  std::string temp_root;
};

/// One strategy at one thread count.
struct Configuration {
  std::string strategy;
  std::size_t threads = 1;
  [[nodiscard]] std::string label() const;  ///< "steal -j 2"
};

/// One timed run, as measured around the child process.
struct RunSample {
  double wall = 0;            ///< seconds, spawn to exit
  double cpu = 0;             ///< user + system seconds (the child's rusage)
  std::uint64_t max_rss = 0;  ///< bytes
  // From the run's --stats-json report:
  std::uint64_t work = 0;     ///< in `Result::work_unit`
  std::uint64_t steals = 0;   ///< summed over the workers
  double idle_share = 0;      ///< of the workers' time, 0 when it reports no workers
  double blocked = 0;         ///< seconds senders and receivers waited on channels
  bool has_workers = false;   ///< the report lists worker threads (steals and idle mean something)
  bool has_channels = false;  ///< the report lists channels (blocking means something)
};

/// Everything measured for one configuration.
struct ConfigResult {
  Configuration config;
  std::vector<RunSample> runs;  ///< the timed runs that completed
  Summary wall;                 ///< over `runs`
  double cpu = 0;               ///< median
  std::uint64_t max_rss = 0;    ///< the largest of the runs
  double throughput = 0;        ///< median work per wall second
  double steals = 0;            ///< mean per run
  double idle_share = 0;        ///< mean
  double blocked = 0;           ///< mean seconds
  bool has_workers = false;
  bool has_channels = false;
  std::optional<double> speedup;     ///< the baseline's median over this one's
  std::optional<double> efficiency;  ///< speedup / threads
  int exit_code = 0;                 ///< 0 or 1, the same in every run
  /// Set when a run exited 2 or more, or was killed: the reason with the
  /// run's stderr. Such a configuration has no figures.
  std::string failure;
  std::vector<std::string> warnings;  ///< statistical: spread, outliers
};

struct Result {
  std::vector<ConfigResult> configs;  ///< in plan order (strategy table order, threads ascending)
  std::string baseline;               ///< the label speed-ups are over ("seq -j 1"); "" when none ran
  std::string work_unit;              ///< from the runs' reports: "byte", "word", ...; "" when none
  std::string compared;               ///< what was compared: "stdout" or "-o output"
  std::vector<Disagreement> disagreements;
  /// The stderr of the first run that exited 1 (some inputs failed), so a
  /// table of runs that all failed the same way says why.
  std::string exit1_stderr;
  bool interrupted = false;       ///< a stop request ended the bench: the figures are partial
  [[nodiscard]] bool ok() const;  ///< no failure, no disagreement, not interrupted
};

/// Called after each run (warm-up and timed alike; a failed
/// configuration's skipped runs count as done) with the runs done and the
/// total, for a progress bar.
using ProgressFn = std::function<void(std::size_t done, std::size_t total)>;

/// Runs the plan: `warmup` untimed then `repeat` timed rounds, each round
/// one run of every configuration in `run_order`, so that drift in machine
/// speed hits every configuration alike. Each run gets `-s`, `-j` and
/// `--stats-json` into a scratch directory, its stdout into a file there
/// and (when the arguments have one) its -o redirected there too, and its
/// output and exit code filed with the others (agreement.h), judged once
/// all are in. A configuration whose run fails (exit >= 2, a signal) runs no
/// more. A stop request ends the child (SIGTERM, SIGKILL after 5 s), and
/// the result comes back with `interrupted` set. The scratch directory is
/// removed before returning, however the bench ends (but for a kill).
/// Throws std::runtime_error when the scratch directory cannot be made, a
/// run cannot be started or `--prepare` fails.
Result run_bench(const Options& options, std::stop_token stop, const ProgressFn& progress = {});

/// The configurations `options` describes, in plan order.
std::vector<Configuration> plan(const Options& options);

/// The order round `round` runs `configs` configurations in: forwards in
/// even rounds, backwards in odd ones, so that a drift in machine speed
/// across a round favours no configuration.
std::vector<std::size_t> run_order(std::size_t configs, unsigned round);

}  // namespace conc::bench
