// apps/conc/command.h: what a subcommand declares, and what it is handed to run.
#pragma once

#include <cstddef>
#include <functional>
#include <stop_token>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "common/diagnostics.h"
#include "common/file_walk.h"
#include "common/output.h"
#include "common/progress.h"
#include "conc/run_stats.h"

namespace conc::cli {

/// One `--strategy` choice.
struct Strategy {
  std::string name;
  std::string description;  ///< one line, shown by `--strategy help`
};

/// The options every subcommand shares (DESIGN.md §4), parsed once.
struct SharedOptions {
  std::size_t threads = 0;  ///< -j; defaults to every core
  std::string strategy;     ///< -s; defaults to the command's default
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
  std::stop_token stop;              ///< requested on SIGINT, SIGTERM or SIGHUP
  conc::RunStats& stats;             ///< filled by the command for --stats
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
  std::vector<Strategy> strategies;   ///< the first one is the default
  std::vector<std::string> formats;   ///< the first one is the default; empty: no --format
  std::function<void(CLI::App&)> add_options;
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
