#include "app.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdio>
#include <deque>
#include <exception>
#include <filesystem>
#include <iostream>
#include <new>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "common/exit_code.h"
#include "common/interrupt.h"
#include "common/stats_report.h"
#include "conc/executor.h"
#include "shared_options.h"
#include "usage_error.h"

#ifndef CONC_VERSION
#define CONC_VERSION "unknown"
#endif

namespace conc::cli {
namespace {

constexpr const char* kDescription =
    "conc: concurrent utilities that use every core, each with several "
    "concurrency designs (--strategy) to compare.";

std::string top_footer(const std::vector<Command>& commands) {
  std::string out = "\nExamples:\n";
  for (const auto& c : commands) {
    if (!c.examples.empty()) out += "  " + c.examples.front() + "\n";
  }
  out +=
      "  conc <subcommand> --strategy help\n"
      "\nExit status: 0 success, 1 some inputs failed, 2 usage error, 130 interrupted.\n";
  return out;
}

std::string sub_footer(const Command& c) {
  std::string out = c.details;
  if (!c.examples.empty()) {
    out += "\nExamples:\n";
    for (const auto& e : c.examples) out += "  " + e + "\n";
  }
  return out;
}

void setup_logging(const std::string& command, const SharedOptions& o) {
  auto logger = spdlog::stderr_logger_mt("conc");
  logger->set_pattern("conc " + command + ": [%l] %v");
  spdlog::level::level_enum level = spdlog::level::warn;
  if (o.quiet) level = spdlog::level::err;
  if (o.verbose == 1) level = spdlog::level::info;
  if (o.verbose == 2) level = spdlog::level::debug;
  if (o.verbose >= 3) level = spdlog::level::trace;
  if (!o.log_level.empty()) level = spdlog::level::from_str(o.log_level);
  logger->set_level(level);
  spdlog::set_default_logger(logger);
}

// One line on stderr for a usage error; CLI11's messages already name the option.
int usage_error(const std::string& who, const std::string& message, const std::string& see = "--help") {
  std::cerr << usage_line(who, message, see) << "\n";
  return common::kExitUsage;
}

// Help, version and `--strategy help` text to stdout, through the same
// layer as results, so a write error (`> /dev/full`) is exit 1 with a
// message instead of a silent 0.
int print(const std::string& who, const std::string& text) {
  try {
    common::Output out("-");
    out.write(text);
    out.commit();
  } catch (const common::BrokenPipe&) {
    return common::kExitOk;  // `conc --help | head -1`
  } catch (const std::exception& e) {
    std::cerr << who << ": " << e.what() << "\n";
    return common::kExitInputFailed;
  }
  return common::kExitOk;
}

// The device and inode of an output's files, for walks to skip.
void add_own_files(const common::Output& out, std::vector<common::FileId>& ids) {
  if (out.is_stdout()) return;
  for (const std::string* p : {&out.temp_path(), &out.target()}) {
    if (p->empty()) continue;
    if (const auto id = common::file_id(*p)) ids.push_back(*id);
  }
}

// True when two file outputs would replace the same file (stdout and
// descriptors written in place may be shared: both land, one after the other).
bool same_file(const common::Output& a, const common::Output& b) {
  if (a.temp_path().empty() || b.temp_path().empty()) return false;
  std::error_code ec;
  const auto ta = std::filesystem::weakly_canonical(a.target(), ec);
  const auto tb = std::filesystem::weakly_canonical(b.target(), ec);
  return !ec && ta == tb;
}

// --stats to stderr and --stats-json to its file (already open). Returns
// false when either could not be written.
bool write_stats(const SharedOptions& o, common::Diagnostics& diag, const common::RunReport& report,
                 std::optional<common::Output>& json) {
  bool ok = true;
  if (o.stats) {
    std::cerr << common::render_stats_text(report) << std::flush;
    if (!std::cerr) {
      ok = false;  // stderr is full or gone: nowhere left to say so
      std::cerr.clear();
    }
  }
  if (json) {
    try {
      json->write(common::render_stats_json(report));
      json->commit();
    } catch (const std::exception& e) {
      diag.error("", "--stats-json: " + common::exception_reason(e));
      ok = false;
    }
  }
  return ok;
}

int run_command(const Command& command, const SharedOptions& o) {
  const std::string who = "conc " + command.name;
  // Every option is checked before any output is opened: a usage error
  // must leave the user's -o file as it was.
  try {
    if (command.validate) command.validate(o);
  } catch (const UsageError& e) {
    return usage_error(who, e.what(), e.see());
  }

  setup_logging(command.name, o);
  common::Diagnostics diag(command.name);
  diag.set_quiet(o.quiet);
  common::InterruptGuard interrupt;
  const auto progress = o.quiet ? common::ProgressMode::kNever : common::parse_progress_mode(o.progress);

  // What the engine will resolve -j to (0: every core), for the log and the report.
  const std::size_t threads = o.threads != 0                 ? o.threads
                              : command.default_threads != 0 ? command.default_threads
                                                             : conc::thread_count(0);
  if (command.runs_workers) {
    spdlog::info("strategy {}, {} thread{}, output {}", o.strategy, threads, threads == 1 ? "" : "s", o.output);
  }
  const auto wall_start = std::chrono::steady_clock::now();
  const auto cpu_start = common::CpuTime::now();
  conc::RunStats stats;
  int code = common::kExitOk;
  std::optional<common::Output> stats_json;
  try {
    // A command that owns -o (image) writes it itself; its results go to stdout.
    common::Output output(command.output_help.empty() ? o.output : "-", interrupt.token());
    // Opened before the run too: an unwritable --stats-json fails before
    // the work, and the walks skip it.
    if (!o.stats_json.empty()) {
      try {
        stats_json.emplace(o.stats_json, interrupt.token());
      } catch (const std::exception& e) {
        throw std::runtime_error("--stats-json: " + common::exception_reason(e));
      }
    }
    // Two renames onto one file: the last would silently win and the other
    // output would be lost. Compared once both are open, symlinks resolved.
    if (stats_json && same_file(output, *stats_json)) {
      throw UsageError("-o and --stats-json name the same file '" + o.output + "'");
    }
    RunContext ctx{o, diag, output, progress, interrupt.token(), stats, {}};
    add_own_files(output, ctx.own_files);
    if (stats_json) add_own_files(*stats_json, ctx.own_files);
    code = command.run(ctx);
    if (interrupt.interrupted() || code == common::kExitInterrupted) {
      diag.error("", "interrupted");
      return common::kExitInterrupted;  // nothing is committed: no partial file
    }
    if (code != common::kExitOk && code != common::kExitInputFailed) return code;  // committed only on 0 or 1
    output.commit();
  } catch (const common::BrokenPipe&) {
    // The reader has all it wanted (`| head`): no error of ours, but the
    // verdict known so far stands, so `set -o pipefail` and a CI gate
    // still see a failure that was found (a run stopped by the closed
    // pipe may not have found them all).
    return code == common::kExitInputFailed || diag.errors() > 0 ? common::kExitInputFailed : common::kExitOk;
  } catch (const UsageError& e) {
    return usage_error(who, e.what(), e.see());  // a check `validate` missed: still nothing committed
  } catch (const std::exception& e) {
    if (interrupt.interrupted()) return common::kExitInterrupted;
    diag.error("", common::exception_reason(e));  // "out of memory", never "std::bad_alloc"
    code = common::kExitInputFailed;
  }

  const auto cpu_end = common::CpuTime::now();
  common::RunReport report;
  report.command = command.name;
  report.strategy = o.strategy;
  report.threads = threads;
  report.wall = std::chrono::steady_clock::now() - wall_start;
  report.cpu = {cpu_end.user - cpu_start.user, cpu_end.system - cpu_start.system};
  report.stats = std::move(stats);
  if (!write_stats(o, diag, report, stats_json)) code = common::kExitInputFailed;
  if (code == common::kExitOk && diag.errors() > 0) code = common::kExitInputFailed;
  spdlog::info("done in {:.3f} s, {} input error{}, exit {}", std::chrono::duration<double>(report.wall).count(),
               diag.errors(), diag.errors() == 1 ? "" : "s", code);
  return code;
}

}  // namespace

int run_app(int argc, char** argv, std::vector<Command> commands) {
  // Writes to a closed pipe fail with EPIPE (handled) instead of killing us.
  std::signal(SIGPIPE, SIG_IGN);

  CLI::App app(kDescription, "conc");
  app.set_version_flag("--version", std::string("conc ") + CONC_VERSION);
  app.require_subcommand(1, 1);
  app.footer(top_footer(commands));
  std::vector<SharedOptions> options(commands.size());
  std::vector<CLI::App*> subs;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    const Command& c = commands[i];
    CLI::App* sub = app.add_subcommand(c.name, c.summary);
    add_shared_options(*sub, options[i], c);
    if (c.add_options) c.add_options(*sub);
    sub->footer(sub_footer(c));
    subs.push_back(sub);
  }

  // An unknown subcommand is a usage error even with --help after it
  // (CLI11 would answer the help flag first and exit 0).
  if (argc > 1 && argv[1][0] != '-') {
    const std::string first = argv[1];
    bool known = false;
    for (const auto& c : commands) known = known || c.name == first;
    if (!known) return usage_error("conc", "unknown subcommand '" + first + "'");
  }

  // A command that takes the arguments after `--` verbatim (bench) gets
  // them cut off before CLI11 sees the rest.
  std::vector<char*> args(argv, argv + argc);
  if (argc > 1) {
    for (const auto& c : commands) {
      if (c.name != argv[1] || !c.take_trailing_args) continue;
      const auto dashes =
          std::find_if(args.begin() + 2, args.end(), [](const char* a) { return std::string_view(a) == "--"; });
      if (dashes == args.end()) {
        c.take_trailing_args(std::nullopt);
      } else {
        c.take_trailing_args(std::vector<std::string>(dashes + 1, args.end()));
        args.erase(dashes, args.end());
      }
    }
  }

  // `--name=` gives an option the empty value, as getopt does (b3sum's
  // `--derive-key=` is the empty context); CLI11 would take the next
  // argument as the value instead, so it gets the two words `--name ""`.
  std::deque<std::string> long_names;  // the rewritten words: stable storage
  static char empty_value[] = "";
  CLI::App* named = nullptr;  // the subcommand argv names
  for (std::size_t i = 0; i < commands.size() && argc > 1; ++i) {
    if (commands[i].name == argv[1]) named = subs[i];
  }
  for (std::size_t i = 2; named != nullptr && i < args.size(); ++i) {
    const std::string_view word(args[i]);
    if (word == "--") break;
    if (word.size() < 4 || !word.starts_with("--") || word.find('=') != word.size() - 1) continue;
    const std::string name(word.substr(0, word.size() - 1));
    const CLI::Option* option = named->get_option_no_throw(name);
    if (option == nullptr || option->get_items_expected_min() == 0) continue;  // unknown, or a flag
    args[i] = long_names.emplace_back(name).data();
    args.insert(args.begin() + static_cast<std::ptrdiff_t>(++i), empty_value);
  }

  try {
    app.parse(static_cast<int>(args.size()), args.data());
  } catch (const CLI::CallForHelp& e) {
    std::ostringstream text;
    app.exit(e, text, std::cerr);
    return print("conc", text.str());
  } catch (const CLI::CallForAllHelp& e) {
    std::ostringstream text;
    app.exit(e, text, std::cerr);
    return print("conc", text.str());
  } catch (const CLI::CallForVersion& e) {
    std::ostringstream text;
    app.exit(e, text, std::cerr);
    return print("conc", text.str());
  } catch (const CLI::ParseError& e) {
    for (std::size_t i = 0; i < subs.size(); ++i) {
      if (subs[i]->parsed()) return usage_error("conc " + commands[i].name, e.what());
    }
    // CLI11 reports a missing subcommand before stray arguments; name the
    // stray one instead, it is what the user got wrong.
    if (argc > 1) {
      const std::string first = argv[1];
      if (first.empty() || first[0] != '-') return usage_error("conc", "unknown subcommand '" + first + "'");
      return usage_error("conc", "unknown option '" + first + "'");
    }
    return usage_error("conc", e.what());
  }

  for (std::size_t i = 0; i < subs.size(); ++i) {
    if (!subs[i]->parsed()) continue;
    if (options[i].strategy == "help") return print("conc " + commands[i].name, strategy_help(commands[i]));
    if (commands[i].listing) {
      if (const auto text = commands[i].listing()) return print("conc " + commands[i].name, *text);
    }
    return run_command(commands[i], options[i]);
  }
  return usage_error("conc", "a subcommand is required");
}

}  // namespace conc::cli
