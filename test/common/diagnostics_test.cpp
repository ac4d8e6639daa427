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

TEST_CASE("a name's control characters are escaped, so a line stays one line") {
  using conc::common::printable_name;
  CHECK(printable_name("plain name.jpg") == "plain name.jpg");
  CHECK(printable_name("a\nb\tc\rd") == "a\\nb\\tc\\rd");
  CHECK(printable_name(std::string("x\x01\x1f\x7fy", 5)) == "x\\x01\\x1f\\x7fy");
  CHECK(printable_name("caf\xc3\xa9 \xff") == "caf\xc3\xa9 \xff");  // UTF-8 and other bytes kept
  std::vector<std::string> lines;
  conc::common::Diagnostics d("image", [&](std::string_view l) { lines.emplace_back(l); });
  d.error("evil\nconc image: fake.png: all good\n.jpg", "not an image");
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] == "conc image: evil\\nconc image: fake.png: all good\\n.jpg: not an image");
}

TEST_CASE("a relayed line is kept as it is, but for its control bytes") {
  std::vector<std::string> lines;
  conc::common::Diagnostics d("hash", [&](std::string_view l) { lines.emplace_back(l); });
  d.relay_error("conc hash: a\\nb: No such file or directory");   // an escaped name stays as it was
  d.relay_error("conc hash: x: gone\nconc hash: forged\x1b[2J");  // an altered part cannot forge a line
  CHECK(lines == std::vector<std::string>{"conc hash: a\\nb: No such file or directory",
                                          "conc hash: x: gone\\nconc hash: forged\\x1b[2J"});
  CHECK(d.errors() == 2);
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
