#include "common/output.h"
#include "temp_dir.h"

#include <catch2/catch.hpp>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>

namespace fs = std::filesystem;

using conc::test::slurp;
using conc::test::TempDir;

namespace {
std::size_t entries(const TempDir& dir) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()));
}
}  // namespace

TEST_CASE("Output appears only on commit, whole") {
  TempDir dir;
  const fs::path target = dir.path / "result.txt";
  {
    std::ofstream(target) << "old contents\n";
    conc::common::Output out(target.string());
    out.write("new ");
    std::string big(200000, 'x');  // bigger than the buffer
    out.write(big);
    out.put('\n');
    out.flush();
    CHECK(slurp(target) == "old contents\n");  // readers still see the old file
    CHECK(entries(dir) == 2);                  // the target and the temporary
    out.commit();
  }
  const std::string got = slurp(target);
  CHECK(got.size() == 4 + 200000 + 1);
  CHECK(got.substr(0, 4) == "new ");
  CHECK(entries(dir) == 1);
}

TEST_CASE("Output without commit leaves no file behind") {
  TempDir dir;
  const fs::path target = dir.path / "never.txt";
  {
    conc::common::Output out(target.string());
    out.write("partial");
    out.flush();
  }
  CHECK_FALSE(fs::exists(target));
  CHECK(entries(dir) == 0);
}

TEST_CASE("Output names the path and the reason when it cannot write") {
  TempDir dir;
  CHECK_THROWS_WITH(conc::common::Output((dir.path / "missing" / "x").string()),
                    (dir.path / "missing" / "x").string() + ": No such file or directory");
  CHECK_THROWS_WITH(conc::common::Output(dir.path.string()), dir.path.string() + ": Is a directory");
}

TEST_CASE("Output to a closed pipe throws BrokenPipe") {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const int saved = dup(1);
  dup2(fds[1], 1);
  close(fds[1]);
  close(fds[0]);  // no reader
  auto old = signal(SIGPIPE, SIG_IGN);
  {
    conc::common::Output out("-");
    out.write("hello");
    CHECK_THROWS_AS(out.commit(), conc::common::BrokenPipe);
  }
  signal(SIGPIPE, old);
  dup2(saved, 1);
  close(saved);
}
