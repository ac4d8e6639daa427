// check(): verdicts in check-file order, coreutils' error cases, --report-new.
#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

#include "hash/check.h"
#include "hash/checksum_line.h"
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
  r.summary = check(files, options, {strategy, 2, IoMode::kRead, 4096}, diag, {}, nullptr,
                    [&](const std::string& name, Verdict v) { r.verdicts.emplace_back(name, v); });
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
