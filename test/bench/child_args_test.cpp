// bench/child_args.h: what bench refuses in SUBCOMMAND-ARGS, and where -o is.
#include "bench/child_args.h"

#include <catch2/catch.hpp>
#include <stdexcept>

using conc::bench::check_child_args;

TEST_CASE("options bench sets are refused after the separator, in every spelling") {
  for (const char* arg : {"-j", "-j4", "--threads", "--threads=4", "-s", "-ssteal", "--strategy", "--strategy=seq",
                          "--stats-json", "--stats-json=x.json"}) {
    INFO(arg);
    CHECK_THROWS_AS(check_child_args({"file", arg, "4"}), std::invalid_argument);
  }
  CHECK_THROWS_WITH(check_child_args({"-j", "2"}),
                    "'-j' after '--': bench sets the strategy and threads of each run (use --strategies and "
                    "--threads before '--')");
}

TEST_CASE("look-alike options are the subcommand's own") {
  const auto a = check_child_args({"--stats", "--split", "ws", "--strategies-x", "--top", "3", "f"});
  CHECK(a.args.size() == 7);
  CHECK_FALSE(a.output_at);
}

TEST_CASE("after the subcommand's own separator, words are positional") {
  const auto a = check_child_args({"--", "-j", "-o", "x"});
  CHECK(a.args == std::vector<std::string>{"--", "-j", "-o", "x"});
  CHECK_FALSE(a.output_at);
}

TEST_CASE("the -o option is found in every spelling and split into two words") {
  using V = std::vector<std::string>;
  auto a = check_child_args({"-o", "out.txt", "in"});
  CHECK(a.output_at == 1U);
  a = check_child_args({"-oout.txt", "in"});
  CHECK(a.args == V{"-o", "out.txt", "in"});
  CHECK(a.output_at == 1U);
  a = check_child_args({"in", "--output=dir/"});
  CHECK(a.args == V{"in", "--output", "dir/"});
  CHECK(a.output_at == 2U);
  a = check_child_args({"--output", "x", "in"});
  CHECK(a.output_at == 1U);
  CHECK_FALSE(check_child_args({"-o", "-", "in"}).output_at);  // stdout: compared as stdout
  CHECK_THROWS_WITH(check_child_args({"in", "-o"}), "'-o' after '--' needs a value");
  CHECK_THROWS_WITH(check_child_args({"-o", "-", "-o", "b"}), "-o given twice after '--'");
}
