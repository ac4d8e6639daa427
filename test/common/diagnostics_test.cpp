#include "common/diagnostics.h"

#include <catch2/catch.hpp>
#include <cerrno>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

TEST_CASE("Diagnostics prints 'conc <sub>: <input>: <reason>' and counts") {
  std::vector<std::string> lines;
  conc::common::Diagnostics d("hash", [&](std::string_view l) { lines.emplace_back(l); });
  d.error("a.txt", "No such file or directory");
  d.warning("fifo", "not a regular file, skipped");
  d.error("", "interrupted");
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "conc hash: a.txt: No such file or directory");
  CHECK(lines[1] == "conc hash: fifo: not a regular file, skipped");
  CHECK(lines[2] == "conc hash: interrupted");
  CHECK(d.errors() == 2);
  CHECK(d.warnings() == 1);
}

TEST_CASE("quiet Diagnostics still prints errors but not warnings") {
  std::vector<std::string> lines;
  conc::common::Diagnostics d("wordcount", [&](std::string_view l) { lines.emplace_back(l); });
  d.set_quiet(true);
  d.warning("x", "skipped");
  d.error("y", "unreadable");
  CHECK(lines == std::vector<std::string>{"conc wordcount: y: unreadable"});
  CHECK(d.warnings() == 1);
}

TEST_CASE("errno_reason gives the C library's text") {
  CHECK(conc::common::errno_reason(ENOENT) == "No such file or directory");
  CHECK(conc::common::errno_reason(EACCES) == "Permission denied");
}

TEST_CASE("exception_reason: the message, or out of memory for bad_alloc") {
  CHECK(conc::common::exception_reason(std::bad_alloc()) == "out of memory");
  CHECK(conc::common::exception_reason(std::runtime_error("x.txt: gone")) == "x.txt: gone");
}
