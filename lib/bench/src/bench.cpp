#include "bench/bench.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "bench/agreement.h"
#include "bench/child_process.h"
#include "common/diagnostics.h"
#include "common/json_reader.h"
#include "common/temp_directory.h"

namespace conc::bench {
namespace fs = std::filesystem;
namespace {

// The first lines of a run's stderr, for a failure report: one line of ours.
std::string stderr_excerpt(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::string out;
  std::string line;
  for (int n = 0; n < 3 && std::getline(in, line); ++n) {
    if (line.size() > 300) line = line.substr(0, 300) + "...";
    out += (out.empty() ? "" : " | ") + common::printable_name(line);  // an escape sequence stays text
  }
  return out.empty() ? "(nothing on stderr)" : out;
}

// The figures a run's --stats-json report adds to its sample. A report
// that is missing or lacks a field (an older binary behind --conc) leaves
// them at zero: the timing stands.
void read_report(const fs::path& p, RunSample& s, std::string& work_unit) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return;
  std::ostringstream text;
  text << in.rdbuf();
  try {
    const auto doc = common::Json::parse(text.str());
    if (const auto* unit = doc.find("work_unit"); unit != nullptr && unit->is_string()) {
      if (work_unit.empty()) work_unit = unit->string();
      s.work = static_cast<std::uint64_t>(std::max(0LL, doc.at("work").integer()));
    }
    const double wall = doc.at("wall_seconds").number();
    double idle = 0;
    const auto& workers = doc.at("workers").array();
    for (const auto& w : workers) {
      s.steals += static_cast<std::uint64_t>(std::max(0LL, w.at("steals").integer()));
      idle += w.at("idle_seconds").number();
    }
    s.has_workers = !workers.empty();
    if (!workers.empty() && wall > 0) s.idle_share = idle / (static_cast<double>(workers.size()) * wall);
    const auto& channels = doc.at("channels").array();
    s.has_channels = !channels.empty();
    for (const auto& c : channels) {
      s.blocked += c.at("send_blocked_seconds").number() + c.at("recv_blocked_seconds").number();
    }
  } catch (const std::exception&) {
    // As above: the timing stands without the report's figures.
  }
}

// A child that ended with a stop signal's code may have raced our own
// watcher to the terminal's Ctrl-C: give the watcher a moment to see it.
bool ended_by_interrupt(const ChildOutcome& o, const std::stop_token& stop) {
  if (o.stopped || stop.stop_requested()) return true;
  const bool stop_like = o.exit_code == 130 || o.signal == SIGINT || o.signal == SIGTERM || o.signal == SIGHUP;
  if (!stop_like) return false;
  for (int i = 0; i < 20 && !stop.stop_requested(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return stop.stop_requested();
}

struct Tally {
  std::vector<RunSample> runs;
  std::optional<int> exit_code;
  std::string failure;
  std::set<std::size_t> variants;  // what its runs gave (OutputVariants indices)
};

// Runs the children in the scratch directory and files their outputs.
class Runner {
 public:
  Runner(const Options& o, std::stop_token stop)
      : o_(o), stop_(std::move(stop)), dir_("conc-bench-", o.temp_root), variants_(dir_.path()) {
    if (o.args.output_at) {
      const std::string value = o.args.args[*o.args.output_at].substr(o.args.output_prefix.size());
      // A directory (named with a trailing '/', or existing) is the output
      // tree: the runs' copies are directories too.
      std::error_code ec;
      const bool tree = value.ends_with('/') || fs::is_directory(value, ec);
      std::string name = fs::path(value).lexically_normal().filename().string();
      if (name.empty() || name == "." || name == "..") name = "output";
      fs::create_directory(dir_.path() / "out");
      output_ = dir_.path() / "out" / name;
      output_arg_ = output_.string() + (tree ? "/" : "");
    } else {
      output_ = dir_.path() / "stdout";
    }
  }

  // One run of configuration `c`; a timed run adds a sample. Returns false
  // when the bench must end (interrupted).
  bool run(const Configuration& c, Tally& t, bool timed, Result& result) {
    if (timed && !o_.prepare.empty() && !prepare()) return false;
    if (stop_.stop_requested()) return false;
    std::error_code ec;
    fs::remove_all(output_, ec);
    fs::remove(dir_.path() / "stats.json", ec);
    std::vector<std::string> argv = {o_.program,     o_.subcommand,
                                     "-s",           c.strategy,
                                     "-j",           std::to_string(c.threads),
                                     "--stats-json", (dir_.path() / "stats.json").string()};
    for (std::size_t i = 0; i < o_.args.args.size(); ++i) {
      argv.push_back(o_.args.output_at == i ? o_.args.output_prefix + output_arg_ : o_.args.args[i]);
    }
    ChildIo io;
    io.stdin_path = o_.input.empty() ? "/dev/null" : o_.input;
    io.stdout_path = (dir_.path() / "stdout").string();
    io.stderr_path = (dir_.path() / "stderr").string();
    const ChildOutcome outcome = run_child(argv, io, stop_);
    if (ended_by_interrupt(outcome, stop_)) return false;
    if (outcome.signal != 0 || outcome.exit_code >= 2) {
      t.failure = std::string(timed ? "a timed run " : "a warm-up run ") + describe(outcome) + ": " +
                  stderr_excerpt(io.stderr_path);
      return true;
    }
    if (!t.exit_code) t.exit_code = outcome.exit_code;
    if (outcome.exit_code == 1 && result.exit1_stderr.empty()) result.exit1_stderr = stderr_excerpt(io.stderr_path);
    t.variants.insert(variants_.add(output_, outcome.exit_code));
    if (!timed) return true;
    RunSample s;
    s.wall = outcome.wall;
    s.cpu = outcome.cpu;
    s.max_rss = outcome.max_rss;
    read_report(dir_.path() / "stats.json", s, result.work_unit);
    t.runs.push_back(s);
    return true;
  }

  [[nodiscard]] const OutputVariants& variants() const { return variants_; }

 private:
  // Returns false when a stop ended it.
  bool prepare() {
    ChildIo io;
    io.stdout_path = (dir_.path() / "prepare.out").string();
    io.stderr_path = (dir_.path() / "prepare.err").string();
    const ChildOutcome outcome = run_child({"/bin/sh", "-c", o_.prepare}, io, stop_);
    if (ended_by_interrupt(outcome, stop_)) return false;
    if (outcome.signal != 0 || outcome.exit_code != 0) {
      throw std::runtime_error("--prepare '" + common::printable_name(o_.prepare) + "' " + describe(outcome) + ": " +
                               stderr_excerpt(io.stderr_path));
    }
    return true;
  }

  const Options& o_;
  std::stop_token stop_;
  common::TempDirectory dir_;
  OutputVariants variants_;
  fs::path output_;         // where each run's output lands
  std::string output_arg_;  // the -o value the runs get
};

ConfigResult finish(const Configuration& c, Tally& t, unsigned repeat) {
  ConfigResult r;
  r.config = c;
  r.failure = t.failure;
  r.exit_code = t.exit_code.value_or(0);
  if (!r.failure.empty() || t.runs.empty()) return r;
  r.runs = std::move(t.runs);
  std::vector<double> walls;
  std::vector<double> cpus;
  std::vector<double> rates;
  for (const auto& s : r.runs) {
    walls.push_back(s.wall);
    cpus.push_back(s.cpu);
    if (s.wall > 0) rates.push_back(static_cast<double>(s.work) / s.wall);
    r.max_rss = std::max(r.max_rss, s.max_rss);
    r.steals += static_cast<double>(s.steals);
    r.idle_share += s.idle_share;
    r.blocked += s.blocked;
    r.has_workers = r.has_workers || s.has_workers;
    r.has_channels = r.has_channels || s.has_channels;
  }
  const auto n = static_cast<double>(r.runs.size());
  r.steals /= n;
  r.idle_share /= n;
  r.blocked /= n;
  r.wall = summarize(walls);
  r.cpu = median(cpus);
  r.throughput = median(rates);
  r.warnings = hygiene_warnings(r.wall, repeat);
  return r;
}

// Speed-ups over seq -j 1 when it has figures, else over the first
// configuration that has.
void add_speedups(Result& result) {
  const ConfigResult* base = nullptr;
  for (const auto& c : result.configs) {
    if (c.runs.empty() || c.wall.median <= 0) continue;
    if (base == nullptr || (c.config.strategy == "seq" && base->config.strategy != "seq")) base = &c;
  }
  if (base == nullptr) return;
  result.baseline = base->config.label();
  const double base_median = base->wall.median;
  const double base_threads = static_cast<double>(base->config.threads);
  for (auto& c : result.configs) {
    if (c.runs.empty() || c.wall.median <= 0) continue;
    c.speedup = base_median / c.wall.median;
    c.efficiency = *c.speedup * base_threads / static_cast<double>(c.config.threads);
  }
}

}  // namespace

std::string Configuration::label() const { return strategy + " -j " + std::to_string(threads); }

bool Result::ok() const {
  if (interrupted || !disagreements.empty()) return false;
  return std::none_of(configs.begin(), configs.end(), [](const auto& c) { return !c.failure.empty(); });
}

std::vector<Configuration> plan(const Options& o) {
  std::vector<Configuration> out;
  for (const auto& s : o.strategies) {
    if (s == "seq") {
      out.push_back({s, 1});  // one thread by definition: more would time the same thing again
      continue;
    }
    for (const std::size_t t : o.threads) out.push_back({s, t});
  }
  return out;
}

std::vector<std::size_t> run_order(std::size_t configs, unsigned round) {
  std::vector<std::size_t> order(configs);
  for (std::size_t k = 0; k < configs; ++k) order[k] = round % 2 == 0 ? k : configs - 1 - k;
  return order;
}

Result run_bench(const Options& o, std::stop_token stop, const ProgressFn& progress) {
  Result result;
  result.compared = o.args.output_at ? "the -o output" : "stdout";
  const auto configs = plan(o);
  std::vector<Tally> tallies(configs.size());
  const unsigned rounds = o.warmup + o.repeat;
  const std::size_t total = rounds * configs.size();
  std::size_t done = 0;
  {
    Runner runner(o, stop);
    for (unsigned round = 0; round < rounds && !result.interrupted; ++round) {
      for (const std::size_t i : run_order(configs.size(), round)) {
        // A failed configuration runs no more; its runs still count as done for the progress line.
        if (tallies[i].failure.empty()) {
          if (!runner.run(configs[i], tallies[i], round >= o.warmup, result)) {
            result.interrupted = true;
            break;
          }
        }
        if (progress) progress(++done, total);
      }
    }
    if (!result.interrupted) {
      std::vector<Voter> voters;
      for (std::size_t i = 0; i < configs.size(); ++i) {
        voters.push_back({configs[i].label(), configs[i].strategy == "seq", tallies[i].variants});
      }
      result.disagreements = runner.variants().judge(voters, result.compared);
    }
  }
  for (std::size_t i = 0; i < configs.size(); ++i) result.configs.push_back(finish(configs[i], tallies[i], o.repeat));
  add_speedups(result);
  return result;
}

}  // namespace conc::bench
