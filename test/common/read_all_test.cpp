// common/read_all: the whole of an input, and NUL-separated names as a stream.
#include "common/read_all.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "common/file_walk.h"
#include "stdin_from.h"
#include "temp_dir.h"

using conc::common::Diagnostics;
using conc::common::for_each_name0;
using conc::common::read_all;
using conc::common::read_names0;
using conc::test::StdinFrom;
using conc::test::TempDir;

namespace {

struct Captured {
  std::vector<std::string> lines;
  Diagnostics diag{"hash", [this](std::string_view l) { lines.emplace_back(l); }};
};

}  // namespace

TEST_CASE("read_all: a file's bytes, missing paths and directories are reported") {
  TempDir dir;
  Captured c;
  const std::string text("a\0b\nc", 5);
  CHECK(read_all(dir.write("f", text), c.diag) == text);
  const auto missing = (dir.path / "missing").string();
  CHECK_FALSE(read_all(missing, c.diag).has_value());
  CHECK_FALSE(read_all(dir.path.string(), c.diag).has_value());
  CHECK(c.lines == std::vector<std::string>{"conc hash: " + missing + ": No such file or directory",
                                            "conc hash: " + dir.path.string() + ": Is a directory"});
}

TEST_CASE("read_all: a stop ends the read of a silent FIFO, with no report") {
  TempDir dir;
  const auto fifo = (dir.path / "fifo").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const int writer = ::open(fifo.c_str(), O_RDWR | O_CLOEXEC);  // a writer that never writes
  REQUIRE(writer >= 0);
  Captured c;
  std::stop_source stop;
  std::jthread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    stop.request_stop();
  });
  CHECK_FALSE(read_all(fifo, c.diag, stop.get_token()).has_value());
  CHECK(c.lines.empty());
  ::close(writer);
}

TEST_CASE("for_each_name0: names in order as they are read, bad ones reported at once") {
  TempDir dir;
  Captured c;
  const auto list = dir.write("list", std::string("a\0\0b c\0-\0last", 14));
  std::vector<std::string> names;
  for_each_name0(list, c.diag, {}, [&](std::string&& n) {
    names.push_back(n);
    c.lines.push_back("name " + n);  // interleaves with the reports: they come as read
  });
  CHECK(names == std::vector<std::string>{"a", "b c", "-", "last"});  // '-' from a file is stdin
  CHECK(c.lines == std::vector<std::string>{"name a", "conc hash: " + list + ": entry 2: invalid zero-length file name",
                                            "name b c", "name -", "name last"});
  CHECK(read_names0(list, c.diag) == names);
}

TEST_CASE("for_each_name0: '-' is rejected when the names come from standard input") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  REQUIRE(::write(fds[1], "x\0-\0y\0", 6) == 6);
  ::close(fds[1]);
  Captured c;
  std::vector<std::string> names;
  {
    StdinFrom redirect(fds[0]);
    names = read_names0("-", c.diag);
  }
  ::close(fds[0]);
  CHECK(names == std::vector<std::string>{"x", "y"});
  CHECK(c.lines == std::vector<std::string>{
                       "conc hash: when reading file names from standard input, no file name of '-' allowed"});
}

TEST_CASE("read_names0: /dev/zero holds no memory and ends on stop") {
  std::size_t reported = 0;
  Diagnostics diag("hash", [&](std::string_view) { ++reported; });
  std::stop_source stop;
  std::jthread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    stop.request_stop();
  });
  CHECK(read_names0("/dev/zero", diag, stop.get_token()).empty());
  CHECK(reported > 0);
  CHECK(diag.errors() == reported);
}
