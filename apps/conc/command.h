// apps/conc/command.h: what a subcommand declares, and what it is handed to run.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "common/diagnostics.h"
#include "common/file_walk.h"
#include "common/output.h"
#include "common/progress.h"
#include "common/strategy.h"
#include "conc/run_stats.h"
#include "usage_error.h"

namespace conc::cli {

/// One `--strategy` choice: a row of the engine's table (common/strategy.h),
/// without its enum, which only the command's own file needs.
struct Strategy {
  std::string_view name;
  std::string_view description;  ///< one line, shown by `--strategy help`
  bool is_default = false;
};

/// The choices of an engine's strategy table, in its order.
template <class E>
std::vector<Strategy> strategy_choices(std::span<const common::StrategyInfo<E>> table) {
  std::vector<Strategy> out;
  for (const auto& s : table) out.push_back({s.name, s.description, s.is_default});
  return out;
}

/// The enum of the `-s` value `name`. `-s` was validated against the same
/// table, so an unknown name is a usage error that validation missed, never
/// a silent fallback to some other strategy.
template <class E>
E strategy_of(std::span<const common::StrategyInfo<E>> table, std::string_view name) {
  if (const auto id = common::strategy_by_name(table, name)) return *id;
  throw UsageError("unknown strategy '" + std::string(name) + "'", "--strategy help");
}

/// The options every subcommand shares (DESIGN.md §4), parsed once.
struct SharedOptions {
  std::size_t threads = 0;  ///< -j; 0 (no -j): every core, resolved by the engine
  std::string strategy;     ///< -s; defaults to the table's default
  bool stats = false;
  std::string stats_json;
  int verbose = 0;
  bool quiet = false;
  std::string log_level;
  std::string progress = "auto";
  std::string output = "-";
  std::string format;
};

/// What a running subcommand is handed by the app.
struct RunContext {
  const SharedOptions& options;
  common::Diagnostics& diagnostics;  ///< bad input: one line each, counted
  common::Output& output;            ///< results (stdout or -o FILE, atomic)
  common::ProgressMode progress;
  std::stop_token stop;   ///< requested on SIGINT, SIGTERM or SIGHUP
  conc::RunStats& stats;  ///< filled by the command for --stats
  /// The run's own output files (-o and --stats-json: temporaries and the
  /// files they replace); every walk puts them in `WalkOptions::skip`.
  std::vector<common::FileId> own_files;
};

/// A subcommand: its name and help, its strategies and formats, a hook that
/// adds its own options, and the function that runs it. Registered in one
/// place, commands.cpp.
struct Command {
  std::string name;
  std::string summary;                ///< one line for `conc --help`
  std::vector<std::string> examples;  ///< shown in `conc <name> --help`
  /// More help after the options in `conc <name> --help`, before the
  /// examples (pipeline's stages, from its stage table). Optional.
  std::string details;
  std::vector<Strategy> strategies;  ///< from the engine's table: `strategy_choices(engine::strategies())`
  std::vector<std::string> formats;  ///< the first one is the default; empty: no --format
  /// What -j means and defaults to, when not "worker threads, every core"
  /// (crawl: transfers in flight, 16); the engine applies the default.
  std::string threads_help;
  std::size_t default_threads = 0;  ///< 0: every core
  /// When set, -o is the command's own output (image: the image file or
  /// directory), described by this text: the command reads it from
  /// SharedOptions::output and writes it itself, and the results (the
  /// report) go to stdout.
  std::string output_help;
  /// False for a command that runs no workers of its own (bench): it takes
  /// no -j, -s, --stats or --stats-json.
  bool runs_workers = true;
  std::function<void(CLI::App&)> add_options;
  /// When set, the command takes every argument after the first `--`
  /// verbatim (bench: the timed subcommand's own arguments): run_app cuts
  /// them off argv before parsing the rest and hands them here, nullopt
  /// when the command line has no `--`. Optional.
  std::function<void(std::optional<std::vector<std::string>>)> take_trailing_args;
  /// A listing the command line asks for instead of a run (`--algo help`),
  /// or nullopt. Printed to stdout like `--strategy help`, never to -o, and
  /// asked before `validate`. Optional.
  std::function<std::optional<std::string>()> listing;
  /// Checks every option after parsing and before any output is opened:
  /// throws `UsageError` (usage_error.h) for a command line that cannot
  /// run, so a usage error never touches the user's -o file. May keep what
  /// it parsed (e.g. stages) for `run`. Optional.
  std::function<void(const SharedOptions&)> validate;
  /// Returns the exit code (0, or 1 when some inputs failed). Called only
  /// after `validate` passed.
  std::function<int(RunContext&)> run;
};

/// Every subcommand, in the order `conc --help` lists them.
std::vector<Command> all_commands();

}  // namespace conc::cli
