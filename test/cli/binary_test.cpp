// End-to-end checks of the built `conc` binary: help, version, usage errors.
#include <catch2/catch.hpp>
#include <string>

#include "process.h"

using conc::test::run_process;

namespace {
std::size_t count_lines(const std::string& s) {
  std::size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}
}  // namespace

TEST_CASE("conc --help describes the tool and exits 0") {
  const auto r = run_process({CONC_BINARY, "--help"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("conc: concurrent utilities") != std::string::npos);
  CHECK(r.out.find("Exit status: 0 success, 1 some inputs failed, 2 usage error, 130 interrupted.") !=
        std::string::npos);
  CHECK(r.err.empty());
}

TEST_CASE("conc --version prints the version") {
  const auto r = run_process({CONC_BINARY, "--version"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("conc ", 0) == 0);
  CHECK(count_lines(r.out) == 1);
}

TEST_CASE("an unknown subcommand is a usage error with one line") {
  const auto r = run_process({CONC_BINARY, "frobnicate"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err == "conc: unknown subcommand 'frobnicate' (see 'conc --help')\n");
}

TEST_CASE("an unknown option is a usage error with one line") {
  const auto r = run_process({CONC_BINARY, "--frobnicate"});
  CHECK(r.exit_code == 2);
  CHECK(count_lines(r.err) == 1);
  CHECK(r.err.find("--frobnicate") != std::string::npos);
}

TEST_CASE("no subcommand is a usage error") {
  const auto r = run_process({CONC_BINARY});
  CHECK(r.exit_code == 2);
  CHECK(count_lines(r.err) == 1);
  CHECK(r.err.rfind("conc: ", 0) == 0);
}
