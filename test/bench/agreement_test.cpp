// bench/agreement.h: distinct outputs are kept once; the verdict names the odd ones out.
#include "bench/agreement.h"

#include <catch2/catch.hpp>
#include <filesystem>

#include "temp_dir.h"

using conc::bench::OutputVariants;
using conc::bench::Voter;
using conc::test::TempDir;
namespace fs = std::filesystem;

namespace {

// A run's output at `dir/out`, as a runner leaves it.
fs::path output(const TempDir& d, const std::string& text) { return d.write("out", text); }

}  // namespace

TEST_CASE("equal outputs share a variant, and a different text or exit code makes a new one") {
  TempDir d;
  fs::create_directory(d.path / "kept");
  OutputVariants v(d.path / "kept");
  CHECK(v.add(output(d, "a\n"), 0) == 0);
  CHECK_FALSE(fs::exists(d.path / "out"));  // moved aside: the next run writes afresh
  CHECK(v.add(output(d, "a\n"), 0) == 0);
  CHECK(v.add(output(d, "b\n"), 0) == 1);
  CHECK(v.add(output(d, "a\n"), 1) == 2);
  CHECK(v.add(d.path / "none", 0) == 3);  // no output at all is a variant too
  CHECK(v.add(d.path / "none", 0) == 3);
  CHECK(v.size() == 4);
}

TEST_CASE("past the cap a new output is not kept, and still counts as a disagreement") {
  TempDir d;
  fs::create_directory(d.path / "kept");
  OutputVariants v(d.path / "kept");
  for (std::size_t i = 0; i < OutputVariants::kMaxKept; ++i) CHECK(v.add(output(d, std::to_string(i)), 0) == i);
  CHECK(v.add(output(d, "one too many"), 0) == OutputVariants::kNotKept);
  const auto verdict = v.judge({{"seq -j 1", true, {0}}, {"steal -j 2", false, {OutputVariants::kNotKept}}}, "stdout");
  REQUIRE(verdict.size() == 1);
  CHECK(verdict[0].what == "stdout differs (one of more than 8 distinct outputs, not kept)");
}

TEST_CASE("seq's output is the reference even when most configurations gave another") {
  TempDir d;
  fs::create_directory(d.path / "kept");
  OutputVariants v(d.path / "kept");
  const auto right = v.add(output(d, "hello\n"), 0);
  const auto wrong = v.add(output(d, "hellO\n"), 0);
  const auto verdict = v.judge({{"steal -j 1", false, {wrong}},
                                {"steal -j 2", false, {wrong}},
                                {"seq -j 1", true, {right}},
                                {"pool -j 2", false, {right}}},
                               "stdout");
  REQUIRE(verdict.size() == 2);
  CHECK(verdict[0].reference == "seq -j 1");
  CHECK(verdict[0].other == "steal -j 1");
  CHECK(verdict[0].what == "stdout differs: byte 4");
  CHECK(verdict[1].other == "steal -j 2");
}

TEST_CASE("without seq the majority is right, and a tie goes to the output seen first") {
  TempDir d;
  fs::create_directory(d.path / "kept");
  OutputVariants v(d.path / "kept");
  const auto a = v.add(output(d, "a"), 0);
  const auto b = v.add(output(d, "b"), 0);
  auto verdict = v.judge({{"pool -j 1", false, {b}}, {"steal -j 1", false, {a}}, {"steal -j 2", false, {a}}}, "stdout");
  REQUIRE(verdict.size() == 1);
  CHECK(verdict[0].reference == "steal -j 1");
  CHECK(verdict[0].other == "pool -j 1");
  verdict = v.judge({{"pool -j 1", false, {b}}, {"steal -j 1", false, {a}}}, "stdout");
  REQUIRE(verdict.size() == 1);
  CHECK(verdict[0].other == "pool -j 1");  // a was seen first
}

TEST_CASE("the verdict says exit codes, missing outputs and flaky configurations in words") {
  TempDir d;
  fs::create_directory(d.path / "kept");
  OutputVariants v(d.path / "kept");
  const auto ok = v.add(output(d, "x"), 0);
  const auto exit1 = v.add(output(d, "x"), 1);
  const auto missing = v.add(d.path / "none", 0);
  const auto verdict = v.judge({{"seq -j 1", true, {ok}},
                                {"pool -j 2", false, {exit1}},
                                {"steal -j 2", false, {missing}},
                                {"channels -j 2", false, {ok, exit1}}},
                               "the -o output");
  REQUIRE(verdict.size() == 3);
  CHECK(verdict[0].what == "exit code 1 where seq -j 1 gave 0");
  CHECK(verdict[1].what == "the -o output is missing (seq -j 1 wrote one)");
  CHECK(verdict[2].other == "channels -j 2");
  CHECK(verdict[2].what == "exit code 1 where seq -j 1 gave 0 in some of its runs");
}

TEST_CASE("one output for everyone is no disagreement") {
  TempDir d;
  fs::create_directory(d.path / "kept");
  OutputVariants v(d.path / "kept");
  const auto only = v.add(output(d, "same"), 0);
  CHECK(v.add(output(d, "same"), 0) == only);
  CHECK(v.judge({{"seq -j 1", true, {only}}, {"steal -j 2", false, {only}}}, "stdout").empty());
  CHECK(OutputVariants(d.path).judge({}, "stdout").empty());
}
