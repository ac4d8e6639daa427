#include "common/output.h"
#include "temp_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <catch2/catch.hpp>

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

TEST_CASE("Output writes a device in place and follows symlinks to the file it replaces") {
  TempDir dir;
  const fs::path null = dir.path / "null";
  REQUIRE(::mknod(null.c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0);
  {
    conc::common::Output out(null.string());
    CHECK(out.temp_path().empty());  // no temporary: written in place
    CHECK(out.target() == null.string());
    out.write("gone");
    out.commit();
  }
  struct stat st {};
  REQUIRE(::lstat(null.c_str(), &st) == 0);
  CHECK(S_ISCHR(st.st_mode));

  std::ofstream(dir.path / "real") << "old";
  fs::create_symlink("real", dir.path / "link");
  {
    conc::common::Output out((dir.path / "link").string());
    CHECK(out.target() == (dir.path / "real").string());
    CHECK(fs::path(out.temp_path()).parent_path() == dir.path);
    CHECK(fs::path(out.temp_path()).filename().string().rfind(".conc-", 0) == 0);
    CHECK(fs::path(out.temp_path()).filename().string().size() == 12);  // .conc-XXXXXX
    out.write("new");
    out.commit();
    CHECK(out.temp_path().empty());
  }
  CHECK(fs::is_symlink(dir.path / "link"));
  CHECK(slurp(dir.path / "real") == "new");
}

TEST_CASE("Output keeps a replaced file's mode") {
  TempDir dir;
  const fs::path target = dir.path / "secret";
  std::ofstream(target) << "old";
  REQUIRE(::chmod(target.c_str(), 0604) == 0);
  {
    conc::common::Output out(target.string());
    out.write("new");
    out.commit();
  }
  struct stat st {};
  REQUIRE(::stat(target.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0604);
}

TEST_CASE("Output loops of symlinks are an error, not a hang") {
  TempDir dir;
  fs::create_symlink("b", dir.path / "a");
  fs::create_symlink("a", dir.path / "b");
  CHECK_THROWS_WITH(conc::common::Output((dir.path / "a").string()),
                    (dir.path / "a").string() + ": Too many levels of symbolic links");
}

TEST_CASE("Output on stdout names stdout when a write fails") {
  const int full = ::open("/dev/full", O_WRONLY);
  REQUIRE(full >= 0);
  const int saved = dup(1);
  dup2(full, 1);
  close(full);
  {
    conc::common::Output out("-");
    out.write("hello");
    CHECK_THROWS_WITH(out.commit(), "stdout: write error: No space left on device");
  }
  dup2(saved, 1);
  close(saved);
}
