// check(): verdicts in check-file order, coreutils' error cases, --report-new;
// check files read as a stream, a bounded number of lines in flight.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "hash/check.h"
#include "hash/checksum_line.h"
#include "stdin_from.h"
#include "temp_dir.h"

using namespace conc::hash;
using conc::common::Algo;
using conc::common::hex_digest;
using conc::test::TempDir;

namespace {

struct Run {
  std::vector<std::pair<std::string, Verdict>> verdicts;
  std::vector<std::string> diagnostics;
  CheckSummary summary;
};

Run run_check(const std::vector<std::string>& files, const CheckOptions& options,
              Strategy strategy = Strategy::kSteal) {
  Run r;
  conc::common::Diagnostics diag("hash", [&](std::string_view line) { r.diagnostics.emplace_back(line); });
  CheckSink sink;
  sink.verdict = [&](const std::string& name, Verdict v) { r.verdicts.emplace_back(name, v); };
  r.summary = check(files, options, {strategy, 2, IoMode::kRead, 4096}, diag, {}, nullptr, sink);
  return r;
}

std::string line(const std::string& path, const std::string& content, Algo algo = Algo::kSha256) {
  return format_line(LineStyle::kGnu, algo, hex_digest(algo, content), path, false);
}

}  // namespace

TEST_CASE("verdicts come in line order for every strategy, mismatches and unreadable files counted") {
  TempDir dir;
  const auto a = dir.write("a", "alpha");
  const auto b = dir.write("b", "beta");
  const auto c = dir.write("c", "gamma");
  const auto missing = (dir.path / "gone").string();
  const auto sums =
      dir.write("SUMS", "# a comment\n" + line(a, "alpha") + line(b, "not beta") + "garbage\n" + line(missing, "x") +
                            format_line(LineStyle::kTag, Algo::kMd5, hex_digest(Algo::kMd5, "gamma"), c, false));
  for (auto strategy : {Strategy::kSeq, Strategy::kPool, Strategy::kSteal, Strategy::kChannels}) {
    CheckOptions o;
    o.warn = true;
    const auto r = run_check({sums}, o, strategy);
    REQUIRE(r.verdicts.size() == 4);
    CHECK(r.verdicts[0] == std::pair{a, Verdict::kOk});
    CHECK(r.verdicts[1] == std::pair{b, Verdict::kFailed});
    CHECK(r.verdicts[2] == std::pair{missing, Verdict::kUnreadable});
    CHECK(r.verdicts[3] == std::pair{c, Verdict::kOk});
    CHECK(r.summary.lines == 4);
    CHECK(r.summary.misformatted == 1);
    CHECK(r.summary.verified == 3);
    CHECK(r.summary.mismatched == 1);
    CHECK(r.summary.unreadable == 1);
    REQUIRE(r.diagnostics.size() == 2);
    CHECK(r.diagnostics[0] == "conc hash: " + sums + ": 4: improperly formatted SHA256 checksum line");
    CHECK(r.diagnostics[1] == "conc hash: " + missing + ": No such file or directory");
  }
}

TEST_CASE("check with ignore_missing skips missing files, and says so when nothing was verified") {
  TempDir dir;
  const auto a = dir.write("a", "alpha");
  const auto gone = (dir.path / "gone").string();
  CheckOptions o;
  o.ignore_missing = true;
  auto r = run_check({dir.write("S1", line(gone, "x") + line(a, "alpha"))}, o);
  REQUIRE(r.verdicts.size() == 1);
  CHECK(r.verdicts[0].second == Verdict::kOk);
  CHECK(r.diagnostics.empty());
  const auto only_missing = dir.write("S2", line(gone, "x"));
  r = run_check({only_missing}, o);
  CHECK(r.verdicts.empty());
  CHECK(r.diagnostics == std::vector<std::string>{"conc hash: " + only_missing + ": no file was verified"});
}

TEST_CASE("check files that cannot be used are reported") {
  TempDir dir;
  const auto bad = dir.write("bad", "zzz\n\n");
  const auto missing = (dir.path / "nope").string();
  const auto r = run_check({bad, missing, dir.path.string()}, {});
  CHECK(r.verdicts.empty());
  CHECK(r.summary.misformatted == 1);  // "zzz"; the blank line is skipped, as coreutils does
  CHECK(r.diagnostics == std::vector<std::string>{"conc hash: " + bad + ": no properly formatted checksum lines found",
                                                  "conc hash: " + missing + ": No such file or directory",
                                                  "conc hash: " + dir.path.string() + ": Is a directory"});
}

TEST_CASE("a listed directory is FAILED open or read") {
  TempDir dir;
  const auto d = (dir.path / "sub").string();
  (void)dir.write("sub/x", "x");
  const auto r = run_check({dir.write("S", line(d, ""))}, {});
  REQUIRE(r.verdicts.size() == 1);
  CHECK(r.verdicts[0].second == Verdict::kUnreadable);
  CHECK(r.diagnostics == std::vector<std::string>{"conc hash: " + d + ": Is a directory"});
}

TEST_CASE("check with report_new lists walked files the check file does not mention") {
  TempDir dir;
  const auto root = (dir.path / "tree").string();
  (void)dir.write("tree/a", "1");
  (void)dir.write("tree/sub/b", "2");
  (void)dir.write("tree/sub/c", "3");
  // Listed through a differently spelled but equal path.
  const auto sums = dir.write("S", line(root + "/./sub//b", "2") + line(root + "/a", "1"));
  CheckOptions o;
  o.report_new = {root};
  const auto r = run_check({sums}, o);
  REQUIRE(r.verdicts.size() == 3);
  CHECK(r.verdicts[2] == std::pair{root + "/sub/c", Verdict::kNew});
  CHECK(r.summary.new_files == 1);
}

TEST_CASE("paths are normalised lexically") {
  CHECK(normalize_path("./a//b/./c") == "a/b/c");
  CHECK(normalize_path("/x/./y/") == "/x/y");
  CHECK(normalize_path("a/../b") == "a/../b");
  CHECK(normalize_path(".") == ".");
  CHECK(normalize_path("/") == "/");
}

TEST_CASE("a checksum line longer than the limit ends its check file with an error naming the line") {
  TempDir dir;
  const auto a = dir.write("a", "alpha");
  const auto b = dir.write("b", "beta");
  const std::string good = line(a, "alpha");
  CheckOptions o;
  o.max_line = good.size() - 1;  // the good line, without its '\n', is exactly the limit
  const auto sums = dir.write("SUMS", good + std::string(good.size(), 'x') + "\n" + line(b, "beta"));
  const auto only_long = dir.write("LONG", std::string(10 * good.size(), '0'));  // no '\n' at all
  const auto other = dir.write("OTHER", line(b, "beta"));
  for (auto strategy : {Strategy::kSeq, Strategy::kPool, Strategy::kSteal, Strategy::kChannels}) {
    const auto r = run_check({sums, only_long, other}, o, strategy);
    // The lines before the long one are verified; the long-only file adds no
    // "no properly formatted checksum lines found".
    CHECK(r.verdicts == std::vector<std::pair<std::string, Verdict>>{{a, Verdict::kOk}, {b, Verdict::kOk}});
    const std::string limit = std::to_string(o.max_line) + " bytes";
    CHECK(r.diagnostics == std::vector<std::string>{
                               "conc hash: " + sums + ":2: line longer than " + limit,
                               "conc hash: " + only_long + ":1: line longer than " + limit,
                           });
  }
}

TEST_CASE("check files are read as a stream under a 1M line limit by default") {
  TempDir dir;
  const auto a = dir.write("a", "alpha");
  const auto sums = dir.write("SUMS", line(a, "alpha") + std::string((1 << 20) + 1, 'x'));
  const auto r = run_check({sums}, CheckOptions{});
  CHECK(r.verdicts == std::vector<std::pair<std::string, Verdict>>{{a, Verdict::kOk}});
  CHECK(r.diagnostics == std::vector<std::string>{"conc hash: " + sums + ":2: line longer than 1M"});
}

namespace {

// A FIFO the test writes a check file into while check() reads it on another
// thread. The write end is opened read-write, so it never waits for the
// reader, and the reader sees the end only once it is closed.
struct FifoWriter {
  std::string path;
  int fd = -1;
  explicit FifoWriter(const TempDir& dir) : path((dir.path / "fifo").string()) {
    REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
    fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    REQUIRE(fd >= 0);
  }
  FifoWriter(const FifoWriter&) = delete;
  FifoWriter& operator=(const FifoWriter&) = delete;
  ~FifoWriter() { close(); }
  void write(const std::string& text) const { REQUIRE(::write(fd, text.data(), text.size()) == ssize_t(text.size())); }
  void close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

// The verdicts and diagnostics of a check() running on its own thread, in
// the order they came, and a way to wait for them.
class Watched {
 public:
  void add(std::string event) {
    {
      const std::lock_guard lock(mutex_);
      events_.push_back(std::move(event));
    }
    changed_.notify_all();
  }
  // Waits (at most `bound`: a hang guard, not a timing assertion) until
  // there are `n` events; returns them.
  std::vector<std::string> wait_for(std::size_t n, std::chrono::seconds bound = std::chrono::seconds(20)) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, bound, [&] { return events_.size() >= n; });
    return events_;
  }
  std::vector<std::string> events() {
    const std::lock_guard lock(mutex_);
    return events_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> events_;
};

std::string verdict_event(const std::string& name, Verdict v) { return name + ": " + std::string(verdict_text(v)); }

}  // namespace

TEST_CASE("check streams: each verdict comes while the check file is still being written, for every strategy") {
  TempDir dir;
  const auto a = dir.write("a", "alpha");
  const auto b = dir.write("b", "beta");
  for (const auto& row : strategies()) {
    for (std::size_t threads : {1, 3}) {
      CAPTURE(row.name, threads);
      TempDir fifo_dir;
      FifoWriter fifo(fifo_dir);
      Watched seen;
      conc::common::Diagnostics diag("hash", [&](std::string_view line) { seen.add(std::string(line)); });
      CheckSink sink;
      sink.verdict = [&](const std::string& name, Verdict v) { seen.add(verdict_event(name, v)); };
      CheckSummary summary;
      std::thread run([&] {
        summary = check({fifo.path}, {}, {row.id, threads, IoMode::kRead, 4096}, diag, {}, nullptr, sink);
      });
      fifo.write(line(a, "alpha"));
      CHECK(seen.wait_for(1) == std::vector<std::string>{a + ": OK"});
      fifo.write(line(b, "not beta"));
      CHECK(seen.wait_for(2) == std::vector<std::string>{a + ": OK", b + ": FAILED"});
      fifo.close();
      run.join();
      CHECK(seen.events().size() == 2);
      CHECK(summary.verified == 2);
      CHECK(summary.mismatched == 1);
    }
  }
}

TEST_CASE("check keeps few lines in flight: a stalled sink stops the reading of an endless check file") {
  TempDir dir;
  const auto a = dir.write("a", "alpha");
  const std::string good = line(a, "alpha");
  for (const auto& row : strategies()) {
    CAPTURE(row.name);
    TempDir fifo_dir;
    FifoWriter fifo(fifo_dir);
    REQUIRE(::fcntl(fifo.fd, F_SETFL, O_NONBLOCK) == 0);
    std::mutex mutex;
    std::condition_variable released;
    bool go = false;
    std::uint64_t verdicts = 0;
    conc::common::Diagnostics diag("hash", [](std::string_view) {});
    CheckSink sink;
    sink.verdict = [&](const std::string&, Verdict) {
      std::unique_lock lock(mutex);
      released.wait(lock, [&] { return go; });  // the first verdict waits until the test has seen the reading stop
      ++verdicts;
    };
    std::thread run([&] { (void)check({fifo.path}, {}, {row.id, 2, IoMode::kRead, 4096}, diag, {}, nullptr, sink); });
    // Write lines until the pipe stays full: the reader has stopped taking
    // them. Read without a bound, it would take them all; the cap ends the
    // test then (4 MiB: far more than the pipe, one read block and the
    // lines in flight).
    const std::size_t cap = std::size_t{4} << 20;
    std::size_t written = 0;
    for (int full = 0; full < 25 && written < cap;) {
      const ssize_t n = ::write(fifo.fd, good.data(), good.size());
      if (n > 0) {
        written += static_cast<std::size_t>(n);
        full = 0;
        continue;
      }
      REQUIRE(errno == EAGAIN);
      ++full;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    CHECK(written < cap);
    {
      const std::lock_guard lock(mutex);
      go = true;
    }
    released.notify_all();
    fifo.close();  // the rest is read to the end once the sink goes on
    run.join();
    CHECK(verdicts * good.size() >= written - good.size());  // every whole line written got its verdict
  }
}

TEST_CASE("check: many lines, bad ones among them, come back in line order with their warnings, every strategy") {
  TempDir dir;
  const auto path = (dir.path / "SUMS").string();
  std::string sums;
  std::vector<std::string> want;  // the verdicts and warnings, in line order
  for (int i = 0; i < 600; ++i) {
    const std::string content(static_cast<std::size_t>(i % 7) * 1000, 'x');
    const auto f = dir.write("f" + std::to_string(i), content);
    if (i % 5 == 3) {
      sums += "bad line\n";
      want.push_back("conc hash: " + path + ": " + std::to_string(i + 1) +
                     ": improperly formatted SHA256 checksum line");
      continue;
    }
    const bool ok = i % 11 != 0;
    sums += line(f, ok ? content : "other");
    want.push_back(f + (ok ? ": OK" : ": FAILED"));
  }
  (void)dir.write("SUMS", sums);
  for (const auto& row : strategies()) {
    for (std::size_t threads : {1, 2, 8}) {
      CAPTURE(row.name, threads);
      std::vector<std::string> events;
      conc::common::Diagnostics diag("hash", [&](std::string_view l) { events.emplace_back(l); });
      CheckSink sink;
      sink.verdict = [&](const std::string& name, Verdict v) { events.push_back(verdict_event(name, v)); };
      CheckOptions o;
      o.warn = true;
      (void)check({path}, o, {row.id, threads, IoMode::kRead, 4096}, diag, {}, nullptr, sink);
      CHECK(events == want);
    }
  }
}

TEST_CASE("check ends when its sink throws or a stop is requested, even on a check file that never ends") {
  TempDir dir;
  const auto a = dir.write("a", "alpha");
  for (const auto& row : strategies()) {
    CAPTURE(row.name);
    {  // a sink that throws: the exception reaches the caller
      TempDir fifo_dir;
      FifoWriter fifo(fifo_dir);
      for (int i = 0; i < 50; ++i) fifo.write(line(a, "alpha"));
      conc::common::Diagnostics diag("hash", [](std::string_view) {});
      CheckSink sink;
      int calls = 0;
      sink.verdict = [&](const std::string&, Verdict) {
        ++calls;
        throw std::runtime_error("sink failed");
      };
      CHECK_THROWS_WITH(check({fifo.path}, {}, {row.id, 2, IoMode::kRead, 4096}, diag, {}, nullptr, sink),
                        "sink failed");
      CHECK(calls == 1);
    }
    {  // a stop request: nothing more is handed out
      TempDir fifo_dir;
      FifoWriter fifo(fifo_dir);
      fifo.write(line(a, "alpha"));
      std::stop_source stop;
      conc::common::Diagnostics diag("hash", [](std::string_view) {});
      CheckSink sink;
      int calls = 0;
      sink.verdict = [&](const std::string&, Verdict) {
        ++calls;
        stop.request_stop();
      };
      (void)check({fifo.path}, {}, {row.id, 2, IoMode::kRead, 4096}, diag, stop.get_token(), nullptr, sink);
      CHECK(calls == 1);
    }
  }
}

TEST_CASE("check: a listed '-' reads standard input before a later check file '-' does, as coreutils") {
  TempDir dir;
  const auto sums =
      dir.write("A", format_line(LineStyle::kGnu, Algo::kSha256, hex_digest(Algo::kSha256, "abc"), "-", false));
  for (const auto& row : strategies()) {
    CAPTURE(row.name);
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    REQUIRE(::write(fds[1], "abc", 3) == 3);
    ::close(fds[1]);
    conc::test::StdinFrom in(fds[0]);
    ::close(fds[0]);
    Run r;
    conc::common::Diagnostics diag("hash", [&](std::string_view l) { r.diagnostics.emplace_back(l); });
    CheckSink sink;
    sink.verdict = [&](const std::string& name, Verdict v) { r.verdicts.emplace_back(name, v); };
    (void)check({sums, "-"}, {}, {row.id, 2, IoMode::kRead, 4096}, diag, {}, nullptr, sink);
    CHECK(r.verdicts == std::vector<std::pair<std::string, Verdict>>{{"-", Verdict::kOk}});
    CHECK(r.diagnostics == std::vector<std::string>{"conc hash: -: no properly formatted checksum lines found"});
  }
}

TEST_CASE("check: each diagnostic comes after a flush, each check file's counts after its verdicts, every strategy") {
  TempDir dir;
  const auto a = dir.write("a", "alpha");
  const auto gone = (dir.path / "gone").string();
  const auto s1 = dir.write("S1", line(a, "alpha") + "bad\n" + line(gone, "x") + line(a, "other"));
  const auto s2 = dir.write("S2", line(a, "alpha"));
  const auto empty = dir.write("E", "# nothing\n");
  for (const auto& row : strategies()) {
    CAPTURE(row.name);
    std::vector<std::string> events;
    conc::common::Diagnostics diag("hash", [&](std::string_view l) { events.emplace_back(l); });
    CheckSink sink;
    sink.verdict = [&](const std::string& name, Verdict v) { events.push_back(verdict_event(name, v)); };
    sink.flush = [&] {
      if (events.empty() || events.back() != "flush") events.emplace_back("flush");  // idle flushes collapse
    };
    sink.file_done = [&](const std::string& file, const CheckCounts& c) {
      events.push_back("done " + file + " " + std::to_string(c.lines) + " " + std::to_string(c.misformatted) + " " +
                       std::to_string(c.verified) + " " + std::to_string(c.mismatched) + " " +
                       std::to_string(c.unreadable));
    };
    CheckOptions o;
    o.warn = true;
    const auto summary = check({s1, empty, s2}, o, {row.id, 3, IoMode::kRead, 4096}, diag, {}, nullptr, sink);
    // Keep a flush only where a diagnostic follows it: idle flushes may come anywhere.
    std::vector<std::string> kept;
    for (std::size_t i = 0; i < events.size(); ++i) {
      const bool next_is_diag = i + 1 < events.size() && events[i + 1].rfind("conc hash: ", 0) == 0;
      if (events[i] != "flush" || next_is_diag) kept.push_back(events[i]);
    }
    CHECK(kept == std::vector<std::string>{
                      a + ": OK",
                      "flush",
                      "conc hash: " + s1 + ": 2: improperly formatted SHA256 checksum line",
                      "flush",
                      "conc hash: " + gone + ": No such file or directory",
                      gone + ": FAILED open or read",
                      a + ": FAILED",
                      "done " + s1 + " 3 1 2 1 1",
                      "flush",
                      "conc hash: " + empty + ": no properly formatted checksum lines found",
                      a + ": OK",
                      "done " + s2 + " 1 0 1 0 0",
                  });
    CHECK(summary.lines == 4);
    CHECK(summary.verified == 3);
  }
}

TEST_CASE("BLAKE3 check files: every strategy and thread count, big files split, the length and key of gnu_digest") {
  TempDir dir;
  std::array<std::uint8_t, 32> key{};
  key.fill(0x5a);
  conc::common::DigestSpec keyed = conc::common::DigestSpec::blake3_keyed(key);
  keyed.length = 48;
  const std::string big(300001, 'b');  // 73 subtrees at a 4 KiB block: steal splits it
  const auto a = dir.write("a", "alpha");
  const auto b = dir.write("b", big);
  const auto c = dir.write("c", big + "!");
  const auto sums = [&](const conc::common::DigestSpec& spec) {
    return format_line(LineStyle::kGnu, Algo::kBlake3, hex_digest(spec, "alpha"), a, false) +
           format_line(LineStyle::kTag, Algo::kBlake3, hex_digest(spec, big), b, false) +
           format_line(LineStyle::kGnu, Algo::kBlake3, hex_digest(spec, big), c, false) +  // c differs
           format_line(LineStyle::kGnu, Algo::kBlake3, hex_digest(spec, ""), "-", false);  // stdin, maybe taken
  };
  for (const auto& spec : {conc::common::DigestSpec(Algo::kBlake3), keyed}) {
    const auto file = dir.write("SUMS", sums(spec));
    for (auto strategy : {Strategy::kSeq, Strategy::kPool, Strategy::kSteal, Strategy::kChannels}) {
      INFO("strategy " << static_cast<int>(strategy) << " output bytes " << spec.output_bytes());
      CheckOptions o;
      o.gnu_digest = spec;
      o.stdin_taken = spec.mode == conc::common::KeyMode::kKeyed;  // as --keyed sets it
      o.warn = true;
      const int null_fd = ::open("/dev/null", O_RDONLY);  // the "-" line hashes empty stdin
      REQUIRE(null_fd >= 0);
      Run r;
      {
        const conc::test::StdinFrom no_input(null_fd);
        r = run_check({file}, o, strategy);
      }
      ::close(null_fd);
      REQUIRE(r.verdicts.size() == (o.stdin_taken ? 3 : 4));
      CHECK(r.verdicts[0] == std::pair{a, Verdict::kOk});
      CHECK(r.verdicts[1] == std::pair{b, Verdict::kOk});
      CHECK(r.verdicts[2] == std::pair{c, Verdict::kFailed});
      if (o.stdin_taken) {
        CHECK(r.summary.misformatted == 1);
        CHECK(r.diagnostics ==
              std::vector<std::string>{"conc hash: " + file + ": 4: improperly formatted BLAKE3 checksum line"});
      } else {
        CHECK(r.verdicts[3] == std::pair{std::string("-"), Verdict::kOk});
      }
    }
  }
}
