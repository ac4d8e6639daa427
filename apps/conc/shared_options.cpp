#include "shared_options.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <utility>

#include "conc/executor.h"

namespace conc::cli {
namespace {

// The shortest fixed spelling that reads back the same: 0.001, 86400, 1000000.
std::string format_decimal(double value) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(value);
}

template <class S>
std::string join(const std::vector<S>& items) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += ", ";
    out += std::string(s);
  }
  return out;
}

}  // namespace

std::string check_threads(const std::string& text) {
  std::size_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value < 1 || value > kMaxThreads) {
    return "expected a whole number of threads from 1 to " + std::to_string(kMaxThreads) + ", got '" + text + "'";
  }
  return "";
}

std::string strategy_help(const Command& command) {
  std::string out;
  for (const auto& s : command.strategies) {
    out += std::string(s.name) + "  " + std::string(s.description) + (s.is_default ? " (default)" : "") + "\n";
  }
  return out;
}

namespace {

// -j, -s, --stats and --stats-json: for commands that run workers.
void add_worker_options(CLI::App& sub, SharedOptions& options, const Command& command, std::size_t cores) {
  sub.add_option("-j,--threads", options.threads,
                 !command.threads_help.empty() ? command.threads_help
                                               : "worker threads, 1 to " + std::to_string(kMaxThreads) +
                                                     " (default: every core, " + std::to_string(cores) + " here)")
      ->type_name("N")
      ->check(CLI::Validator([](std::string& v) { return check_threads(v); }, "", "threads"));

  std::vector<std::string_view> names;
  std::string_view default_name;
  for (const auto& s : command.strategies) {
    names.push_back(s.name);
    if (s.is_default) default_name = s.name;
  }
  if (!names.empty()) {
    options.strategy = std::string(default_name);
    sub.add_option(
           "-s,--strategy", options.strategy,
           "concurrency design: " + join(names) + " (default " + std::string(default_name) + "); 'help' describes each")
        ->type_name("NAME")
        ->check(CLI::Validator(
            [names](std::string& v) -> std::string {
              if (v == "help" || std::find(names.begin(), names.end(), v) != names.end()) return "";
              return "unknown strategy '" + v + "' (choose from " + join(names) + ")";
            },
            "", "strategy"));
  }

  sub.add_flag("--stats", options.stats, "print a run report to stderr: time, throughput, workers, channels");
  sub.add_option("--stats-json", options.stats_json, "write the run report as JSON to FILE")->type_name("FILE");
}

}  // namespace

void add_shared_options(CLI::App& sub, SharedOptions& options, const Command& command) {
  // 0 until -j says otherwise: the engine resolves it to every core
  // (conc::thread_count), the one place that rule lives.
  const std::size_t cores = conc::thread_count(0);
  if (command.runs_workers) add_worker_options(sub, options, command, cores);
  sub.add_flag("-v,--verbose", options.verbose, "more log output (repeat for more)");
  sub.add_flag("-q,--quiet", options.quiet, "only errors on stderr: no warnings, no progress");
  sub.add_option("--log-level", options.log_level, "trace, debug, info, warn, error or off")
      ->type_name("LEVEL")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  sub.add_option("--progress", options.progress, "progress bar on stderr: auto (if a terminal), always, never")
      ->type_name("WHEN")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  if (command.output_help.empty()) {
    sub.add_option("-o,--output", options.output, "write results to FILE (atomically) instead of stdout")
        ->type_name("FILE");
  } else {
    sub.add_option("-o,--output", options.output, command.output_help)->type_name("OUT");
  }
  if (!command.formats.empty()) {
    options.format = command.formats.front();
    sub.add_option("--format", options.format,
                   "output format: " + join(command.formats) + " (default " + command.formats.front() + ")")
        ->type_name("FMT")
        ->check(CLI::IsMember(command.formats));
  }
}

std::string check_whole_number(const std::string& text, std::uint64_t min, std::uint64_t max) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value < min || value > max) {
    return "expected a whole number from " + std::to_string(min) + " to " + std::to_string(max) + ", got '" + text +
           "'";
  }
  return "";
}

CLI::Validator whole_number(std::uint64_t min, std::uint64_t max) {
  return CLI::Validator([min, max](std::string& v) { return check_whole_number(v, min, max); }, "", "number");
}

std::string check_decimal_number(const std::string& text, double min, double max) {
  double value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  // `!(value >= min)` also refuses NaN; from_chars takes no leading '+'.
  if (text.empty() || ec != std::errc() || ptr != end || !(value >= min) || value > max) {
    return "expected a number from " + format_decimal(min) + " to " + format_decimal(max) + ", got '" + text + "'";
  }
  return "";
}

CLI::Validator decimal_number(double min, double max) {
  return CLI::Validator([min, max](std::string& v) { return check_decimal_number(v, min, max); }, "", "number");
}

std::string format_size(std::size_t bytes) {
  for (const auto& [shift, unit] : {std::pair{30, 'G'}, std::pair{20, 'M'}, std::pair{10, 'K'}}) {
    const std::size_t u = std::size_t{1} << shift;
    if (bytes != 0 && bytes % u == 0) return std::to_string(bytes / u) + unit;
  }
  return std::to_string(bytes);
}

std::size_t parse_size(const std::string& text) {
  if (text.empty()) return 0;
  std::size_t mult = 1;
  std::string digits = text;
  switch (text.back()) {
    case 'K':
    case 'k':
      mult = std::size_t{1} << 10;
      digits.pop_back();
      break;
    case 'M':
    case 'm':
      mult = std::size_t{1} << 20;
      digits.pop_back();
      break;
    case 'G':
    case 'g':
      mult = std::size_t{1} << 30;
      digits.pop_back();
      break;
    default: break;
  }
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 12) return 0;
  const auto value = static_cast<std::size_t>(std::stoull(digits));
  if (value > SIZE_MAX / mult) return 0;  // 99999999999G: no wrap to a small size
  return value * mult;
}

CLI::Validator size_validator(std::size_t max) {
  return CLI::Validator(
      [max](std::string& v) {
        const std::size_t size = parse_size(v);
        if (size >= 1 && size <= max) return std::string();
        return "expected a size from 1 to " + format_size(max) + " bytes (K, M, G suffixes), got '" + v + "'";
      },
      "", "size");
}

void add_shard_option(CLI::App& sub, std::optional<common::Shard>& shard, const std::string& what) {
  sub.add_option_function<std::string>(
         "--shard",
         [&shard](const std::string& text) {
           std::string error;
           shard = common::parse_shard(text, error);
           if (!shard) throw CLI::ValidationError("--shard", error);
         },
         "do shard K of N (0 <= K < N) of the job, one task of a job array: " + what +
             "; decided from the input alone, so N machines split the job without talking")
      ->type_name("K/N");
}

}  // namespace conc::cli
