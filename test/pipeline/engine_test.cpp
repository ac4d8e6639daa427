// run_pipeline: every strategy x threads x capacity x batch size gives the
// seq output byte for byte; unordered output conserves lines; --on-error;
// stopping; odd inputs.
#include <signal.h>
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <future>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "conc/tsan.h"
#include "pipeline/batch_reader.h"
#include "pipeline/pipeline.h"
#include "temp_dir.h"

using namespace conc::pipeline;
using conc::test::TempDir;

namespace {

struct Run {
  std::string out;
  std::vector<std::string> errors;
  std::uint64_t failed = 0;
  conc::RunStats stats;
};

Run run(const std::vector<std::string>& texts, const Options& o, std::stop_token stop = {}) {
  Run r;
  conc::common::Diagnostics diag("pipeline", [&](std::string_view line) { r.errors.emplace_back(line); });
  auto stages = parse_stages(texts);
  auto result = run_pipeline(o, stages, diag, stop, nullptr, [&](std::string_view d) { r.out.append(d); });
  r.failed = result.failed_batches;
  r.stats = std::move(result.stats);
  return r;
}

// Lines with the awkward bits: empty lines, CRLF, NUL, tabs, UTF-8, long
// lines; `final_newline` decides how the input ends.
std::string corpus(unsigned seed, std::size_t lines, bool final_newline) {
  std::mt19937 rng(seed);
  const std::vector<std::string> pieces = {"the", "cat",      "a",  "b", ",", " ", "\t",
                                           "x=y", "\xc3\xa9", "QQ", "e", "1", "aa"};
  std::string text;
  for (std::size_t i = 0; i < lines; ++i) {
    const auto kind = rng() % 20;
    if (kind == 0) {
      // empty line
    } else if (kind == 1) {
      text += std::string(3000 + rng() % 3000, 'z');
    } else {
      for (auto n = rng() % 12; n > 0; --n) text += pieces[rng() % pieces.size()];
      if (kind == 2) text.push_back('\0');
      if (kind == 3) text.push_back('\r');
    }
    if (rng() % 7 == 0 && i > 0) text += text.substr(text.rfind('\n', text.size() - 1) + 1);  // a duplicate for uniq
    text.push_back('\n');
  }
  if (!final_newline) text += "no final newline";
  return text;
}

Options options(const std::string& input, Strategy s, std::size_t threads, std::size_t capacity, BatchLimits limits) {
  Options o;
  o.inputs = {input};
  o.strategy = s;
  o.threads = threads;
  o.capacity = capacity;
  o.limits = limits;
  return o;
}

// Every strategy of the engine's table: a new one is tested by adding its row.
std::vector<Strategy> strategy_ids() {
  std::vector<Strategy> v;
  for (const auto& s : conc::pipeline::strategies()) v.push_back(s.id);
  return v;
}

std::vector<Strategy> concurrent_strategies() {
  auto v = strategy_ids();
  v.erase(std::remove(v.begin(), v.end(), Strategy::kSeq), v.end());
  return v;
}

const BatchLimits kBatchSizes[] = {{1, 1 << 20}, {7, 1 << 20}, {0, 100}, {0, 1 << 20}};
// Under ThreadSanitizer the full matrix ran past the 300 s timeout (1500
// one-line batches through every channel, each access checked): there it
// keeps the sizes that still cut the input into hundreds of batches, which
// is what exercises the handoffs.
#if CONC_TSAN
const std::vector<BatchLimits> kCheckedBatchSizes = {{7, 1 << 20}, {0, 100}};
#else
const std::vector<BatchLimits> kCheckedBatchSizes(std::begin(kBatchSizes), std::end(kBatchSizes));
#endif

// The exec tests below stream tens of MB through each run. Under
// ThreadSanitizer one multi-threaded count per strategy checks the
// handoffs for races; the other builds try every count for deadlocks
// (together the TSan runs took four minutes of CI).
#if CONC_TSAN
const std::vector<std::size_t> kExecThreadCounts = {2};
#else
const std::vector<std::size_t> kExecThreadCounts = {1, 2, 4};
#endif

}  // namespace

TEST_CASE("the strategy table: DESIGN.md's names, one default, unique rows, channels the default") {
  std::vector<std::string> names;
  int defaults = 0;
  for (const auto& row : conc::pipeline::strategies()) {
    names.emplace_back(row.name);
    CHECK_FALSE(row.description.empty());
    defaults += row.is_default ? 1 : 0;
    CHECK(conc::common::strategy_by_name(conc::pipeline::strategies(), row.name) == row.id);
  }
  CHECK(names == std::vector<std::string>{"channels", "pool", "steal", "seq"});
  CHECK(defaults == 1);
  CHECK(conc::common::default_strategy(conc::pipeline::strategies()).id == Options{}.strategy);
}

TEST_CASE("threads = 0 (the default) is every core, for every strategy, --stats names the strategy") {
  TempDir dir;
  const auto input = dir.write("in.txt", corpus(3, 800, true));
  const std::vector<std::string> chain = {"upper", "number"};
  const auto reference = run(chain, options(input, Strategy::kSeq, 1, 4, {7, 1 << 20}));
  REQUIRE_FALSE(reference.out.empty());
  for (const auto& row : conc::pipeline::strategies()) {
    CAPTURE(row.name);
    Options o;
    o.inputs = {input};
    o.strategy = row.id;
    o.limits = {7, 1 << 20};
    REQUIRE(o.threads == 0);
    const auto r = run(chain, o);
    CHECK(r.out == reference.out);
    CHECK(r.errors.empty());
    CHECK(r.stats.executor == row.name);
  }
}

// Every strategy, thread count, capacity and batch size gives the seq
// output for `chain`. One test case per chain below, so ctest runs them
// side by side (together they took over 300 s under ThreadSanitizer).
static void check_every_strategy_matches_seq(const std::vector<std::string>& chain) {
  TempDir dir;
  const auto input = dir.write("in.txt", corpus(1, 1500, false));
  const auto reference = run(chain, options(input, Strategy::kSeq, 1, 4, {0, 1 << 20}));
  REQUIRE(!reference.out.empty());
  for (auto s : strategy_ids()) {
    // seq has neither threads nor channels: only its batch sizes vary.
    // -j 0 (every core), 1 and an odd 3; the tightest capacity and a roomy one.
    const auto threads_list = s == Strategy::kSeq ? std::vector<std::size_t>{1} : std::vector<std::size_t>{0, 1, 3};
    const auto capacity_list = s == Strategy::kSeq ? std::vector<std::size_t>{4} : std::vector<std::size_t>{1, 64};
    for (std::size_t threads : threads_list) {
      for (std::size_t capacity : capacity_list) {
        for (const auto& limits : kCheckedBatchSizes) {
          INFO("chain " << chain.front() << "... strategy " << static_cast<int>(s) << " -j " << threads << " capacity "
                        << capacity << " lines " << limits.max_lines << " bytes " << limits.max_bytes);
          const auto r = run(chain, options(input, s, threads, capacity, limits));
          CHECK(r.out == reference.out);
          CHECK(r.errors.empty());
        }
      }
    }
  }
}

TEST_CASE("every strategy, thread count, capacity and batch size gives the seq output: upper") {
  check_every_strategy_matches_seq({"upper"});
}
TEST_CASE("every strategy, thread count, capacity and batch size gives the seq output: grep, replace, number") {
  check_every_strategy_matches_seq({"grep -v e", "replace (\\w)(\\w) \\2\\1", "number"});
}
TEST_CASE("every strategy, thread count, capacity and batch size gives the seq output: trim, uniq, cut, rev") {
  check_every_strategy_matches_seq({"trim", "uniq", "cut , 2-3", "rev"});
}
TEST_CASE("every strategy, thread count, capacity and batch size gives the seq output: lower, head, hash") {
  check_every_strategy_matches_seq({"lower", "replace-first a A", "head 700", "hash xxh64"});
}
TEST_CASE("every strategy, thread count, capacity and batch size gives the seq output: two serial gates") {
  check_every_strategy_matches_seq({"grep a", "number", "grep 1", "uniq", "replace the THE"});
}

TEST_CASE("exec chains agree across strategies too") {
  TempDir dir;
  const auto input = dir.write("in.txt", corpus(2, 400, true));
  const std::vector<std::string> chain = {"exec tr a-z A-Z", "grep -v E", "exec sed 's/A/[a]/g'", "number"};
  const auto reference = run(chain, options(input, Strategy::kSeq, 1, 4, {50, 1 << 20}));
  for (auto s : concurrent_strategies()) {
    for (std::size_t threads : {1, 4}) {
      for (std::size_t capacity : {1, 64}) {
        const auto r = run(chain, options(input, s, threads, capacity, {50, 1 << 20}));
        CHECK(r.out == reference.out);
      }
    }
  }
}

TEST_CASE("unordered output holds exactly the lines of the ordered output") {
  TempDir dir;
  const auto input = dir.write("in.txt", corpus(3, 3000, true));
  const std::vector<std::string> chain = {"replace a A", "grep -v QQ", "rev"};
  auto lines = [](const std::string& text) {
    std::vector<std::string> v;
    for_each_line(text, [&](std::string_view l, bool) { v.emplace_back(l); });
    std::sort(v.begin(), v.end());
    return v;
  };
  const auto ordered = run(chain, options(input, Strategy::kChannels, 4, 4, {5, 1 << 20}));
  for (auto s : concurrent_strategies()) {
    auto o = options(input, s, 4, 4, {5, 1 << 20});
    o.ordered = false;
    const auto r = run(chain, o);
    CHECK(r.out.size() == ordered.out.size());
    CHECK(lines(r.out) == lines(ordered.out));
  }
}

TEST_CASE("odd inputs: empty, no final newline, one long line, several files, a missing file") {
  TempDir dir;
  const auto empty = dir.write("empty", "");
  const auto no_nl = dir.write("no_nl", "a\nb");
  const auto crlf = dir.write("crlf", "x\r\ny\r\n");
  const auto nul = dir.write("nul", std::string("a\0b\n\0\n", 6));
  const std::string long_line(5 << 20, 'q');
  const auto big = dir.write("big", long_line + "\nend\n");
  for (auto s : strategy_ids()) {
    auto o = options(empty, s, 2, 2, {0, 4096});
    CHECK(run({"upper"}, o).out.empty());
    o.inputs = {no_nl, crlf, nul};
    CHECK(run({"upper"}, o).out == std::string("A\nBX\r\nY\r\nA\0B\n\0\n", 15));  // lines never span files
    o.inputs = {big};
    const auto r = run({"upper", "number"}, o);
    CHECK(r.out == "     1\t" + std::string(5 << 20, 'Q') + "\n     2\tEND\n");
    o.inputs = {no_nl, (dir.path / "missing").string(), no_nl};
    const auto m = run({"lower"}, o);
    CHECK(m.out == "a\nba\nb");
    CHECK(m.errors == std::vector<std::string>{"conc pipeline: " + (dir.path / "missing").string() +
                                               ": No such file or directory"});
  }
}

TEST_CASE("on-error stop keeps the output before the failing batch, skip drops only that batch") {
  TempDir dir;
  std::string text;
  for (int i = 1; i <= 100; ++i) text += (i == 25 ? std::string("FAIL") : std::to_string(i)) + "\n";
  const auto input = dir.write("in.txt", text);
  const std::vector<std::string> chain = {"exec awk '/FAIL/{bad=1} {print} END{exit bad}'"};
  std::string first20, all_but_21_30;
  for (int i = 1; i <= 100; ++i) {
    if (i <= 20) first20 += std::to_string(i) + "\n";
    if (i <= 20 || i > 30) all_but_21_30 += std::to_string(i) + "\n";
  }
  const std::string message = "conc pipeline: stage 1 '" + chain[0] + "': exit status 1 (input lines 21-30)";
  for (auto s : strategy_ids()) {
    auto o = options(input, s, 2, 2, {10, 1 << 20});
    o.on_error = OnError::kSkip;
    auto r = run(chain, o);
    CHECK(r.out == all_but_21_30);
    CHECK(r.failed == 1);
    CHECK(r.errors == std::vector<std::string>{message});
    o.on_error = OnError::kStop;
    r = run(chain, o);
    CHECK(r.out == first20);
    CHECK(r.failed == 1);
    CHECK(r.errors == std::vector<std::string>{message});
  }
}

TEST_CASE("a sink that throws or a stop request ends the run, and head stops the reading") {
  TempDir dir;
  const auto input = dir.write("in.txt", corpus(4, 20000, true));
  for (auto s : strategy_ids()) {
    conc::common::Diagnostics diag("pipeline", [](std::string_view) {});
    auto stages = parse_stages({"upper", "number"});
    int calls = 0;
    auto o = options(input, s, 2, 2, {10, 1 << 20});
    CHECK_THROWS_WITH(run_pipeline(o, stages, diag, {}, nullptr,
                                   [&](std::string_view) {
                                     if (++calls == 3) throw std::runtime_error("broken pipe");
                                   }),
                      "broken pipe");
    CHECK(calls == 3);

    std::stop_source stop;
    stages = parse_stages({"upper"});
    calls = 0;
    (void)run_pipeline(o, stages, diag, stop.get_token(), nullptr, [&](std::string_view) {
      if (++calls == 2) stop.request_stop();
    });
    CHECK(calls == 2);

    const auto head = run({"head 15", "number"}, o);
    CHECK(std::count(head.out.begin(), head.out.end(), '\n') == 15);
    CHECK(head.stats.stages[0].items < 100);  // the reading stopped early (2000 batches in all)
  }
}

TEST_CASE("stage stats count batches and bytes, channels report waiting") {
  TempDir dir;
  const auto input = dir.write("in.txt", std::string(10000, 'a') + "\n");
  auto o = options(input, Strategy::kChannels, 2, 2, {0, 1000});
  const auto r = run({"upper", "grep -v b"}, o);
  REQUIRE(r.stats.stages.size() == 2);
  CHECK(r.stats.stages[0].name == "upper");
  CHECK(r.stats.stages[0].workers == 2);
  CHECK(r.stats.stages[0].items == 1);
  CHECK(r.stats.stages[0].bytes_in == 10001);
  CHECK(r.stats.stages[1].bytes_out == 10001);
  CHECK(r.stats.channels.size() == 3);
  CHECK(r.stats.channels[0].name == "input -> stage 1");
  CHECK(r.stats.channels[2].name == "stage 2 -> output");
}

namespace {

// Holds batch 0 back until the other workers have done all they are allowed
// to, and records how far they got meanwhile. "All" is: at least one other
// batch done (awaited however long the scheduler takes, so the lower bound
// cannot fail from load), then nothing new for 300 ms (a quiet period that
// comes late only makes the upper bound's check stricter).
class HoldFirst final : public Stage {
 public:
  HoldFirst() : Stage("hold-first") {}
  void process(Batch& b, const StageControl&) override {
    if (b.seq != 0) {
      std::uint64_t seen = furthest_.load();
      while (b.seq > seen && !furthest_.compare_exchange_weak(seen, b.seq)) {}
      processed_.fetch_add(1);
      return;
    }
    // Only against a hang: the test's lower bound fails then, not ctest's timeout.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    std::uint64_t last = 0;
    auto quiet_since = std::chrono::steady_clock::now();
    while (
        std::chrono::steady_clock::now() < give_up &&
        (processed_.load() == 0 || std::chrono::steady_clock::now() - quiet_since < std::chrono::milliseconds(300))) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      if (processed_.load() != last) {
        last = processed_.load();
        quiet_since = std::chrono::steady_clock::now();
      }
    }
    furthest_while_held = furthest_.load();
  }
  std::uint64_t furthest_while_held = 0;

 private:
  std::atomic<std::uint64_t> furthest_{0};
  std::atomic<std::uint64_t> processed_{0};
};

}  // namespace

TEST_CASE("a slow batch holds back at most capacity x (stages + 1) batches, reorder buffer included") {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 2000; ++i) text += std::to_string(i) + "\n";
  const auto input = dir.write("in.txt", text);
  for (auto s : concurrent_strategies()) {
    conc::common::Diagnostics diag("pipeline", [](std::string_view) {});
    std::vector<std::unique_ptr<Stage>> stages;
    stages.push_back(std::make_unique<HoldFirst>());
    auto* hold = static_cast<HoldFirst*>(stages.front().get());
    std::string out;
    auto o = options(input, s, 3, 2, {1, 1 << 20});  // one line per batch: 2000 batches
    (void)run_pipeline(o, stages, diag, {}, nullptr, [&](std::string_view d) { out.append(d); });
    CHECK(out == text);
    CHECK(hold->furthest_while_held > 0);            // the other workers did run meanwhile
    CHECK(hold->furthest_while_held < 2 * (1 + 1));  // batch 0 holds one of the 4 tokens
  }
}

TEST_CASE("an exec stage's output streams on in bounded pieces, in input order, for every strategy") {
  TempDir dir;
  std::string text, expected;
  for (int i = 1; i <= 8; ++i) {
    text += std::to_string(i) + "\n";
    std::string line = "x" + std::to_string(i);  // rev of "<i>x"
    for (int k = 0; k < 1000000; ++k) expected += line + "\n";
  }
  const auto input = dir.write("in.txt", text);
  // 2 lines a batch: each batch's command writes ~6 MB, more than a stage
  // may hold (4 MiB), and the later stage runs on each piece.
  const std::vector<std::string> chain = {"upper", "exec awk '{for (i = 0; i < 1000000; i++) print $0 \"x\"}'", "rev"};
  for (auto s : strategy_ids()) {
    for (std::size_t threads : kExecThreadCounts) {
      INFO("strategy " << static_cast<int>(s) << " -j " << threads);
      conc::common::Diagnostics diag("pipeline", [](std::string_view) {});
      auto stages = parse_stages(chain);
      std::string out;
      std::size_t writes = 0, largest = 0;
      auto o = options(input, s, threads, 1, {2, 1 << 20});
      o.stream_output = true;
      (void)run_pipeline(o, stages, diag, {}, nullptr, [&](std::string_view d) {
        out.append(d);
        ++writes;
        largest = std::max(largest, d.size());
      });
      CHECK(out == expected);
      CHECK(writes > 4);             // pieces, not one write for each of the 4 batches
      CHECK(largest <= (5u << 20));  // each at most what a stage may hold, plus one read
    }
  }
}

TEST_CASE("a serial stage before an expanding exec never deadlocks, whatever the strategy and thread count") {
  // Each batch's last command writes ~5.4 MB, more than a batch behind the
  // head may hold (4 MiB), so workers with later batches wait in emit: the
  // head batch must still get a worker. The first command holds batches 1
  // and 5 back a little, so batches reach the `number` gate in bursts: on
  // the stealing pool each burst's gate holder once queued the
  // continuations in its own deque and took the newest first, and with -j2
  // both workers then waited behind the head, whose task sat in a deque.
  TempDir dir;
  std::string text, expected;
  for (int i = 1; i <= 8; ++i) {
    text += std::to_string(i) + "\n";
    const std::string line = "     " + std::to_string(i) + "\t" + std::to_string(i) + "\n";
    for (int k = 0; k < 600000; ++k) expected += line;
  }
  const auto input = dir.write("in.txt", text);
  const std::vector<std::string> chain = {
      "exec awk '$0 == 1 {system(\"sleep 0.3\")} $0 == 5 {system(\"sleep 0.6\")} {print}'", "number",
      "exec awk '{for (i = 0; i < 600000; i++) print}'"};
  for (auto s : strategy_ids()) {
    for (std::size_t threads : kExecThreadCounts) {
      INFO("strategy " << static_cast<int>(s) << " -j " << threads);
      std::stop_source stop;
      auto o = options(input, s, threads, 4, {1, 1 << 20});
      o.stream_output = true;
      auto done = std::async(std::launch::async, [&] { return run(chain, o, stop.get_token()); });
      // A hang guard, not a timing check: a deadlock fails here instead of hanging CI.
      const bool finished = done.wait_for(std::chrono::seconds(60)) == std::future_status::ready;
      if (!finished) stop.request_stop();
      const auto r = done.get();
      REQUIRE(finished);
      CHECK(r.errors.empty());
      CHECK(r.out == expected);
    }
  }
}

TEST_CASE("a stop ends an exec command that closed its output, ignores SIGTERM and never exits") {
  // The command closes its stdout at once, so the stage is past its output
  // and waiting for the exit when the stop comes: that wait must look at
  // the stop, and SIGKILL must follow the ignored SIGTERM.
  TempDir dir;
  const auto input = dir.write("in.txt", "a\n");
  const auto started = dir.path / "started";
  const std::string command = "exec trap '' TERM; exec >/dev/null; echo $$ > '" + started.string() + "'; sleep 100";
  std::stop_source stop;
  auto done = std::async(std::launch::async, [&] {
    return run({command}, options(input, Strategy::kSeq, 1, 1, {0, 1 << 20}), stop.get_token());
  });
  // Hang guards, not timing checks.
  std::string pid;
  for (int i = 0; i < 1000 && (pid = conc::test::slurp(started)).find('\n') == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE(std::stoi(pid) > 0);
  stop.request_stop();
  const bool finished = done.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  if (!finished) ::kill(-std::stoi(pid), SIGKILL);  // the shell leads its group: unblock the run, then fail
  REQUIRE(finished);
  const auto r = done.get();
  CHECK(r.out.empty());
  CHECK(r.errors.empty());  // stopped by the run: not a failure of the batch
  CHECK(r.failed == 0);
}

TEST_CASE("batch bytes left at 0: the engine takes 1 MiB, or 4 MiB with an exec stage") {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 200000; ++i) text += "a line of text\n";  // 3 MB: three 1 MiB batches, or one of 4 MiB
  const auto input = dir.write("in.txt", text);
  Options o;
  o.inputs = {input};
  o.strategy = Strategy::kSeq;
  REQUIRE(o.limits.max_bytes == 0);  // an engine caller that says nothing gets the engine's choice
  const auto plain = run({"upper"}, o);
  REQUIRE(plain.stats.stages.size() == 1);
  CHECK(plain.stats.stages[0].items == 3);
  const auto exec = run({"exec cat"}, o);
  REQUIRE(exec.stats.stages.size() == 1);
  CHECK(exec.stats.stages[0].items == 1);
  CHECK(exec.out == text);
}

TEST_CASE(
    "exec yes with --stream-output: bounded pieces until the sink stops it, and --max-batch-output fails the batch") {
  TempDir dir;
  const auto input = dir.write("in.txt", "a\nb\nc\n");
  // What a stage may hold (4 MiB here) plus one read of the 1 MiB pipe: a
  // piece is handed on as soon as the held output reaches the bound.
  constexpr std::size_t kLargestPiece = (4u << 20) + (1u << 20);
  for (auto s : strategy_ids()) {
    INFO("strategy " << static_cast<int>(s));
    conc::common::Diagnostics diag("pipeline", [](std::string_view) {});
    auto stages = parse_stages({"exec yes"});
    auto o = options(input, s, 2, 2, {1, 1 << 20});
    o.stream_output = true;
    o.max_batch_output = 64u << 20;
    std::size_t written = 0, largest = 0;
    // Held whole, the output would fail at 64 MiB unwritten: the sink would never throw.
    CHECK_THROWS_WITH(run_pipeline(o, stages, diag, {}, nullptr,
                                   [&](std::string_view d) {
                                     written += d.size();
                                     largest = std::max(largest, d.size());
                                     if (written > (20u << 20)) throw std::runtime_error("broken pipe");
                                   }),
                      "broken pipe");
    CHECK(largest <= kLargestPiece);

    o.max_batch_output = 10u << 20;
    o.inputs = {dir.write("one.txt", "a\n")};  // one batch: others in flight would fail the same way
    largest = 0;
    Run r;
    conc::common::Diagnostics diag2("pipeline", [&](std::string_view line) { r.errors.emplace_back(line); });
    auto stages2 = parse_stages({"exec yes"});
    const auto result = run_pipeline(o, stages2, diag2, {}, nullptr, [&](std::string_view d) {
      r.out.append(d);
      largest = std::max(largest, d.size());
    });
    CHECK(result.failed_batches == 1);
    CHECK(
        r.errors ==
        std::vector<std::string>{
            "conc pipeline: stage 1 'exec yes': output passed --max-batch-output (10485760 bytes) (input lines 1-1)"});
    // The documented price of streaming: the pieces before the failure stay written.
    CHECK(r.out.size() >= (4u << 20));
    CHECK(r.out.size() <= (10u << 20));
    CHECK(largest <= kLargestPiece);
    CHECK(r.out.find_first_not_of("y\n") == std::string::npos);
  }
}

TEST_CASE("with --hold-output a failing batch writes nothing of its output, however big") {
  TempDir dir;
  // Batches of one line. Batch 2's command writes ~4.9 MB, more than a
  // stage holds before it would stream (4 MiB), then fails.
  const auto input = dir.write("in.txt", "1\n2\n3\n");
  const std::string command = "exec awk '{print} $0 == 2 {for (i = 0; i < 700000; i++) print \"xxxxxx\"; exit 5}'";
  for (auto s : strategy_ids()) {
    INFO("strategy " << static_cast<int>(s));
    auto o = options(input, s, 2, 2, {1, 1 << 20});
    o.stream_output = false;  // --hold-output
    const auto stop = run({command, "upper"}, o);
    CHECK(stop.out == "1\n");  // exactly the batches before the failing one
    CHECK(stop.errors ==
          std::vector<std::string>{"conc pipeline: stage 1 '" + command + "': exit status 5 (input lines 2-2)"});

    o.on_error = OnError::kSkip;
    const auto skip = run({command, "upper"}, o);
    CHECK(skip.out == "1\n3\n");  // exactly the successful batches

    o.max_batch_output = 1u << 20;  // held whole up to the bound: a batch passing it fails, unwritten
    const auto bound = run({"exec yes"}, o);
    CHECK(bound.out.empty());
    CHECK(bound.failed == 3);
  }
}

namespace {

// Fails batch `slow` only after the batches in `fast_first` have been
// processed (unless `wait` is false: seq runs batches in order; or after 5 s
// at most), and batch `fast_first.front()` at once when `fail_fast` is set.
class FailSlowly final : public Stage {
 public:
  FailSlowly(std::uint64_t slow, std::vector<std::uint64_t> fast_first, bool fail_fast, bool wait)
      : Stage("fail-slowly"), slow_(slow), fast_first_(std::move(fast_first)), fail_fast_(fail_fast), wait_(wait) {}
  void process(Batch& b, const StageControl&) override {
    if (b.seq == slow_) {
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      while (wait_ && done_.load() < fast_first_.size() && std::chrono::steady_clock::now() < give_up) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      throw BatchFailure("slow failure");
    }
    const bool fast = std::find(fast_first_.begin(), fast_first_.end(), b.seq) != fast_first_.end();
    if (fast) done_.fetch_add(1);
    if (fast && fail_fast_ && b.seq == fast_first_.front()) throw BatchFailure("fast failure");
  }

 private:
  std::uint64_t slow_;
  std::vector<std::uint64_t> fast_first_;
  bool fail_fast_;
  bool wait_;
  std::atomic<std::size_t> done_{0};
};

Run run_stage(std::unique_ptr<Stage> stage, const Options& o) {
  Run r;
  conc::common::Diagnostics diag("pipeline", [&](std::string_view line) { r.errors.emplace_back(line); });
  std::vector<std::unique_ptr<Stage>> stages;
  stages.push_back(std::move(stage));
  auto result = run_pipeline(o, stages, diag, {}, nullptr, [&](std::string_view d) { r.out.append(d); });
  r.failed = result.failed_batches;
  return r;
}

}  // namespace

TEST_CASE("failures are reported in input order, even when a later batch fails first") {
  TempDir dir;
  const auto input = dir.write("in.txt", "1\n2\n3\n4\n");
  for (auto s : strategy_ids()) {
    for (bool ordered : {true, false}) {
      INFO("strategy " << static_cast<int>(s) << " ordered " << ordered);
      auto o = options(input, s, 2, 2, {1, 1 << 20});
      o.on_error = OnError::kSkip;
      o.ordered = ordered;
      // Batch 1 (line 2) fails slowly, after batch 2 (line 3) has failed fast.
      const auto r =
          run_stage(std::make_unique<FailSlowly>(1, std::vector<std::uint64_t>{2}, true, s != Strategy::kSeq), o);
      CHECK(r.failed == 2);
      CHECK(r.errors ==
            std::vector<std::string>{"conc pipeline: stage 1 'fail-slowly': slow failure (input lines 2-2)",
                                     "conc pipeline: stage 1 'fail-slowly': fast failure (input lines 3-3)"});
      if (ordered) CHECK(r.out == "1\n4\n");
    }
  }
}

TEST_CASE("on-error stop writes nothing after the failing batch, though later batches finish first") {
  TempDir dir;
  std::string text;
  for (int i = 1; i <= 40; ++i) text += std::to_string(i) + "\n";
  const auto input = dir.write("in.txt", text);
  for (auto s : strategy_ids()) {
    INFO("strategy " << static_cast<int>(s));
    // Batch 2 (line 3) fails once batches 3 and 4 are done and waiting in the reorder buffer.
    auto o = options(input, s, 3, 2, {1, 1 << 20});
    const auto r =
        run_stage(std::make_unique<FailSlowly>(2, std::vector<std::uint64_t>{3, 4}, false, s != Strategy::kSeq), o);
    CHECK(r.out == "1\n2\n");
    CHECK(r.failed == 1);
    CHECK(r.errors == std::vector<std::string>{"conc pipeline: stage 1 'fail-slowly': slow failure (input lines 3-3)"});
  }
}

TEST_CASE("BatchReader: a long line grows the buffer to the line limit plus one block, never double") {
  TempDir dir;
  constexpr std::size_t kBlock = std::size_t{1} << 18;          // batch_reader.cpp's read block
  const auto f = dir.write("long", std::string(3 << 20, 'x'));  // one line, no '\n'
  std::vector<std::string> errors;
  conc::common::Diagnostics diag("pipeline", [&](std::string_view l) { errors.emplace_back(l); });
  BatchLimits limits;
  limits.max_line = std::size_t{1} << 20;
  BatchReader reader({f}, limits, diag, {});
  CHECK_FALSE(reader.next());
  CHECK(errors ==
        std::vector<std::string>{"conc pipeline: " + f + ": line 1 is longer than the line limit (1048576 bytes)"});
  CHECK(reader.buffer_capacity() <= limits.max_line + kBlock);
}

TEST_CASE("BatchReader: a stop request ends the read of a long line") {
  TempDir dir;
  const auto f = dir.write("long", std::string(1 << 20, 'x'));
  std::vector<std::string> errors;
  conc::common::Diagnostics diag("pipeline", [&](std::string_view l) { errors.emplace_back(l); });
  std::stop_source stop;
  stop.request_stop();
  BatchReader reader({f}, BatchLimits{}, diag, stop.get_token());
  CHECK_FALSE(reader.next());
  CHECK(errors.empty());
  CHECK(reader.buffer_capacity() < (std::size_t{1} << 20));  // nothing was read
}
