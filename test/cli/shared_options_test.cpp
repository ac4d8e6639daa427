// The shared options, parsed through the same code the binary uses, for a
// command declared here (each real subcommand's tests repeat the end-to-end
// checks on the binary).
#include "shared_options.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

using conc::cli::Command;
using conc::cli::SharedOptions;

namespace {

Command sample_command() {
  Command c;
  c.name = "sample";
  c.summary = "a command for tests";
  // The default is not the first row: the flag decides, not the position.
  c.strategies = {{"seq", "one thread", false}, {"steal", "work-stealing pool", true}};
  c.formats = {"text", "json"};
  return c;
}

// Parses `args` for the sample command; returns "" or the CLI11 error text.
std::string parse(std::vector<std::string> args, SharedOptions& o) {
  const Command c = sample_command();
  CLI::App app("test");
  CLI::App* sub = app.add_subcommand(c.name, c.summary);
  conc::cli::add_shared_options(*sub, o, c);
  args.insert(args.begin(), c.name);
  std::reverse(args.begin(), args.end());  // CLI11 takes a reversed vector
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("shared options take their defaults") {
  SharedOptions o;
  REQUIRE(parse({}, o).empty());
  CHECK(o.threads == 0);  // no -j: passed on as 0, the engine resolves every core
  CHECK(o.strategy == "steal");
  CHECK(o.format == "text");
  CHECK(o.output == "-");
  CHECK(o.progress == "auto");
  CHECK_FALSE(o.stats);
}

TEST_CASE("shared options parse every flag") {
  SharedOptions o;
  REQUIRE(parse({"-j", "3", "-s", "steal", "--stats", "--stats-json", "s.json", "-vv", "--log-level", "debug",
                 "--progress", "never", "-o", "out.txt", "--format", "json"},
                o)
              .empty());
  CHECK(o.threads == 3);
  CHECK(o.strategy == "steal");
  CHECK(o.stats);
  CHECK(o.stats_json == "s.json");
  CHECK(o.verbose == 2);
  CHECK(o.log_level == "debug");
  CHECK(o.progress == "never");
  CHECK(o.output == "out.txt");
  CHECK(o.format == "json");
  SharedOptions q;
  REQUIRE(parse({"--quiet", "--threads=1", "--strategy=help"}, q).empty());
  CHECK(q.quiet);
  CHECK(q.strategy == "help");
}

TEST_CASE("threads option rejects zero, negatives and non-numbers") {
  for (const char* bad : {"0", "-1", "two", "1.5", "", "99999"}) {
    SharedOptions o;
    const std::string err = parse({"-j", bad}, o);
    CAPTURE(bad, err);
    CHECK(err.find("expected a whole number of threads from 1 to 4096") != std::string::npos);
  }
}

TEST_CASE("unknown strategies and formats are rejected with the choices") {
  SharedOptions o;
  CHECK(parse({"-s", "magic"}, o).find("unknown strategy 'magic' (choose from seq, steal)") != std::string::npos);
  CHECK(parse({"--format", "xml"}, o).find("xml") != std::string::npos);
  CHECK(parse({"--progress", "sometimes"}, o).find("sometimes") != std::string::npos);
  CHECK(parse({"--log-level", "loud"}, o).find("loud") != std::string::npos);
}

TEST_CASE("strategy help text: name, two spaces, description, default marked") {
  CHECK(conc::cli::strategy_help(sample_command()) == "seq  one thread\nsteal  work-stealing pool (default)\n");
}

namespace {
enum class Sample { kSeq, kSteal };
constexpr conc::common::StrategyInfo<Sample> kSampleTable[] = {
    {Sample::kSeq, "seq", "one thread", false},
    {Sample::kSteal, "steal", "work-stealing pool", true},
};
}  // namespace

TEST_CASE("a command's strategies are its engine's table, converted back without a fallback") {
  const std::span<const conc::common::StrategyInfo<Sample>> table = kSampleTable;
  const auto choices = conc::cli::strategy_choices(table);
  REQUIRE(choices.size() == 2);
  CHECK(choices[1].name == "steal");
  CHECK(choices[1].description == "work-stealing pool");
  CHECK(choices[1].is_default);
  CHECK_FALSE(choices[0].is_default);
  CHECK(conc::cli::strategy_of(table, "seq") == Sample::kSeq);
  CHECK(conc::cli::strategy_of(table, "steal") == Sample::kSteal);
  CHECK_THROWS_AS(conc::cli::strategy_of(table, "magic"), conc::cli::UsageError);
  CHECK_THROWS_WITH(conc::cli::strategy_of(table, "magic"), "unknown strategy 'magic'");
}

TEST_CASE("check_threads") {
  CHECK(conc::cli::check_threads("1").empty());
  CHECK(conc::cli::check_threads("4096").empty());
  CHECK_FALSE(conc::cli::check_threads("4097").empty());
  CHECK_FALSE(conc::cli::check_threads("+2").empty());
}

TEST_CASE("check_whole_number states the range and rejects signs, fractions and overflow") {
  using conc::cli::check_whole_number;
  CHECK(check_whole_number("0", 0, 10).empty());
  CHECK(check_whole_number("10", 0, 10).empty());
  CHECK(check_whole_number("18446744073709551615", 0, UINT64_MAX).empty());
  for (const char* bad : {"11", "-1", "+1", "1.0", "", " 1", "1 ", "abc", "18446744073709551616"}) {
    CAPTURE(bad);
    CHECK(check_whole_number(bad, 0, 10) == std::string("expected a whole number from 0 to 10, got '") + bad + "'");
  }
  CHECK_FALSE(check_whole_number("0", 1, 10).empty());
}

TEST_CASE("parse_size and format_size: binary units, no wrap-around") {
  using conc::cli::format_size;
  using conc::cli::parse_size;
  CHECK(parse_size("65536") == 65536);
  CHECK(parse_size("64K") == 64u << 10);
  CHECK(parse_size("8m") == 8u << 20);
  CHECK(parse_size("1G") == std::size_t{1} << 30);
  CHECK(parse_size("999999999999G") == 0);  // would wrap to a small size
  CHECK(parse_size("-1") == 0);
  CHECK(parse_size("1T") == 0);
  CHECK(format_size(std::size_t{64} << 20) == "64M");
  CHECK(format_size(std::size_t{1} << 30) == "1G");
  CHECK(format_size(1536) == "1536");
  CHECK(format_size(2048) == "2K");
}
