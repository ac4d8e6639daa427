#include "bench/bench.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "bench/child_process.h"
#include "bench/compare_outputs.h"
#include "common/json_reader.h"

namespace conc::bench {
namespace fs = std::filesystem;
namespace {

// The run's scratch directory: made on construction, removed with
// everything in it on destruction, whatever ended the bench.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& root) {
    std::string base = root;
    if (base.empty()) {
      const char* tmp = std::getenv("TMPDIR");  // NOLINT(concurrency-mt-unsafe): nothing sets the environment
      base = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
    }
    std::string pattern = (fs::path(base) / "conc-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error(base + ": cannot make a scratch directory: " + std::strerror(errno));
    }
    path_ = pattern;
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// The first lines of a run's stderr, for a failure report.
std::string stderr_excerpt(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::string out;
  std::string line;
  for (int n = 0; n < 3 && std::getline(in, line); ++n) {
    if (line.size() > 300) line = line.substr(0, 300) + "...";
    out += (out.empty() ? "" : " | ") + line;
  }
  return out.empty() ? "(nothing on stderr)" : out;
}

// The figures a run's --stats-json report adds to its sample. A report
// that is missing or unreadable leaves them at zero: the timing stands.
void read_report(const fs::path& p, RunSample& s, std::string& work_unit) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return;
  std::ostringstream text;
  text << in.rdbuf();
  try {
    const auto doc = common::Json::parse(text.str());
    if (const auto* unit = doc.find("work_unit"); unit != nullptr && unit->is_string()) {
      if (work_unit.empty()) work_unit = unit->string();
      s.work = static_cast<std::uint64_t>(doc.at("work").integer());
    }
    const double wall = doc.at("wall_seconds").number();
    double idle = 0;
    const auto& workers = doc.at("workers").array();
    for (const auto& w : workers) {
      s.steals += static_cast<std::uint64_t>(w.at("steals").integer());
      idle += w.at("idle_seconds").number();
    }
    s.has_workers = !workers.empty();
    s.has_channels = !doc.at("channels").array().empty();
    if (!workers.empty() && wall > 0) s.idle_share = idle / (static_cast<double>(workers.size()) * wall);
    for (const auto& c : doc.at("channels").array()) {
      s.blocked += c.at("send_blocked_seconds").number() + c.at("recv_blocked_seconds").number();
    }
  } catch (const std::exception&) {
    // An older conc behind --conc may lack a field: the timing stands.
  }
}

// A child that ended with a stop signal's code may have raced our own
// watcher to the terminal's Ctrl-C: give the watcher a moment to see it.
bool ended_by_interrupt(const ChildOutcome& o, const std::stop_token& stop) {
  const bool stop_like = o.exit_code == 130 || o.signal == SIGINT || o.signal == SIGTERM || o.signal == SIGHUP;
  if (o.stopped || stop.stop_requested()) return true;
  if (!stop_like) return false;
  for (int i = 0; i < 20 && !stop.stop_requested(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return stop.stop_requested();
}

struct Tally {
  std::vector<RunSample> runs;
  std::optional<int> exit_code;
  std::string failure;
  std::set<std::size_t> variants;  // the outputs its runs gave (indices into Runner::variants_)
};

class Runner {
 public:
  Runner(const Options& o, std::stop_token stop) : o_(o), stop_(std::move(stop)), dir_(o.temp_root) {
    if (o.args.output_at) {
      const std::string& value = o.args.args[*o.args.output_at];
      // A directory (named with a trailing '/', or existing) is the output
      // tree: the runs' copies are directories too.
      std::error_code ec;
      const bool tree = value.ends_with('/') || fs::is_directory(value, ec);
      std::string name = fs::path(value).lexically_normal().filename().string();
      if (name.empty() || name == "." || name == "..") name = "output";
      output_ = dir_.path() / "out" / name;
      output_arg_ = output_.string() + (tree ? "/" : "");
      fs::create_directory(dir_.path() / "out");
    } else {
      output_ = dir_.path() / "stdout";
    }
  }

  // One run of configuration `c`; timed runs add a sample. Returns false
  // when the bench must end (interrupted).
  bool run(const Configuration& c, Tally& t, bool timed, Result& result) {
    if (timed && !o_.prepare.empty()) prepare();
    std::error_code ec;
    fs::remove_all(output_, ec);
    fs::remove(dir_.path() / "stats.json", ec);
    std::vector<std::string> argv = {o_.program,     o_.subcommand,
                                     "-s",           c.strategy,
                                     "-j",           std::to_string(c.threads),
                                     "--stats-json", (dir_.path() / "stats.json").string()};
    for (std::size_t i = 0; i < o_.args.args.size(); ++i) {
      argv.push_back(o_.args.output_at == i ? output_arg_ : o_.args.args[i]);
    }
    ChildIo io;
    io.stdin_path = o_.input.empty() ? "/dev/null" : o_.input;
    io.stdout_path = (dir_.path() / "stdout").string();
    io.stderr_path = (dir_.path() / "stderr").string();
    const ChildOutcome outcome = run_child(argv, io, stop_);
    if (ended_by_interrupt(outcome, stop_)) return false;
    if (outcome.signal != 0 || outcome.exit_code >= 2) {
      const std::string why = describe(outcome) + ": " + stderr_excerpt(io.stderr_path);
      if (outcome.signal == 0 && outcome.exit_code == 2) throw ChildUsageError("conc " + o_.subcommand + " " + why);
      t.failure = std::string(timed ? "a timed run " : "a warm-up run ") + why;
      return true;
    }
    classify(outcome.exit_code, t);
    if (!timed) return true;
    RunSample s;
    s.wall = outcome.wall;
    s.cpu = outcome.cpu;
    s.max_rss = outcome.max_rss;
    read_report(dir_.path() / "stats.json", s, result.work_unit);
    t.runs.push_back(s);
    return true;
  }

 private:
  void prepare() {
    ChildIo io;
    io.stdout_path = (dir_.path() / "prepare.out").string();
    io.stderr_path = (dir_.path() / "prepare.err").string();
    const ChildOutcome outcome = run_child({"/bin/sh", "-c", o_.prepare}, io, stop_);
    if (ended_by_interrupt(outcome, stop_)) return;  // the run after it sees the stop too
    if (outcome.signal != 0 || outcome.exit_code != 0) {
      throw std::runtime_error("--prepare '" + o_.prepare + "' " + describe(outcome) + ": " +
                               stderr_excerpt(io.stderr_path));
    }
  }

  // Files the run's output (with its exit code) under the variant it
  // equals, or as a new variant: usually there is one, compared once per run.
  void classify(int exit_code, Tally& t) {
    if (!t.exit_code) t.exit_code = exit_code;
    for (std::size_t i = 0; i < variants_.size(); ++i) {
      if (variants_[i].exit_code == exit_code && !first_difference(variants_[i].path, output_)) {
        t.variants.insert(i);
        return;
      }
    }
    const fs::path kept = dir_.path() / ("variant-" + std::to_string(variants_.size()));
    fs::rename(output_, kept);
    t.variants.insert(variants_.size());
    variants_.push_back({kept, exit_code});
  }

 public:
  // With more than one variant, the one most configurations gave is taken
  // for right (ties: seq's, else the first in plan order): a single broken
  // strategy is named, whichever ran first. Each configuration that gave
  // another names where it differs from that one.
  void judge(const std::vector<Configuration>& configs, const std::vector<Tally>& tallies, Result& result) const {
    if (variants_.size() < 2) return;
    std::vector<std::size_t> votes(variants_.size(), 0);
    for (const auto& t : tallies) {
      for (const std::size_t v : t.variants) ++votes[v];
    }
    auto holder = [&](std::size_t v) -> std::optional<std::size_t> {  // its seq config, else its first
      std::optional<std::size_t> first;
      for (std::size_t i = 0; i < configs.size(); ++i) {
        if (!tallies[i].variants.contains(v)) continue;
        if (configs[i].strategy == "seq") return i;
        if (!first) first = i;
      }
      return first;
    };
    std::size_t right = 0;
    for (std::size_t v = 1; v < variants_.size(); ++v) {
      const bool more = votes[v] > votes[right];
      const bool tie_to_seq = votes[v] == votes[right] && configs[*holder(v)].strategy == "seq" &&
                              configs[*holder(right)].strategy != "seq";
      if (more || tie_to_seq) right = v;
    }
    const std::string reference = configs[*holder(right)].label();
    for (std::size_t i = 0; i < configs.size(); ++i) {
      for (const std::size_t v : tallies[i].variants) {
        if (v == right) continue;
        std::string what;
        if (variants_[v].exit_code != variants_[right].exit_code) {
          what = "exit code " + std::to_string(variants_[v].exit_code) + " where " + reference + " gave " +
                 std::to_string(variants_[right].exit_code);
        } else {
          what = result.compared + " differs at " +
                 first_difference(variants_[right].path, variants_[v].path).value_or("?");
        }
        if (tallies[i].variants.contains(right)) what += " (in some of its runs only)";
        result.disagreements.push_back({reference, configs[i].label(), what});
        break;  // one report per configuration
      }
    }
  }

 private:
  struct Variant {
    fs::path path;
    int exit_code = 0;
  };

  const Options& o_;
  std::stop_token stop_;
  ScratchDir dir_;
  fs::path output_;                // where each run's output lands
  std::string output_arg_;         // the -o value the runs get
  std::vector<Variant> variants_;  // each distinct output so far, moved aside
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

Result run_bench(const Options& o, std::stop_token stop, const ProgressFn& progress) {
  Result result;
  result.compared = o.args.output_at ? "the -o output" : "stdout";
  const auto configs = plan(o);
  std::vector<Tally> tallies(configs.size());
  const std::size_t total = (o.warmup + o.repeat) * configs.size();
  std::size_t done = 0;
  {
    Runner runner(o, stop);
    const unsigned rounds = o.warmup + o.repeat;
    for (unsigned round = 0; round < rounds && !result.interrupted; ++round) {
      const bool timed = round >= o.warmup;
      for (std::size_t k = 0; k < configs.size(); ++k) {
        // Alternate directions: a drift across a round then favours no one.
        const std::size_t i = round % 2 == 0 ? k : configs.size() - 1 - k;
        if (!tallies[i].failure.empty()) continue;
        if (!runner.run(configs[i], tallies[i], timed, result)) {
          result.interrupted = true;
          break;
        }
        if (progress) progress(++done, total);
      }
    }
    if (!result.interrupted) runner.judge(configs, tallies, result);
  }
  for (std::size_t i = 0; i < configs.size(); ++i) result.configs.push_back(finish(configs[i], tallies[i], o.repeat));

  const ConfigResult* base = nullptr;
  for (const auto& c : result.configs) {
    if (c.config.strategy == "seq" && c.failure.empty() && !c.runs.empty()) base = &c;
  }
  if (base == nullptr) {
    for (const auto& c : result.configs) {
      if (base == nullptr && c.failure.empty() && !c.runs.empty()) base = &c;
    }
  }
  if (base != nullptr && base->wall.median > 0) {
    result.baseline = base->config.label();
    const double base_median = base->wall.median;
    const double base_threads = static_cast<double>(base->config.threads);
    for (auto& c : result.configs) {
      if (c.runs.empty() || c.wall.median <= 0) continue;
      c.speedup = base_median / c.wall.median;
      c.efficiency = *c.speedup * base_threads / static_cast<double>(c.config.threads);
    }
  }
  return result;
}

}  // namespace conc::bench
