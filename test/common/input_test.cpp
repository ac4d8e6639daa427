// common/input: opening (regular files, stdin, FIFOs, directories, missing
// paths), stop-aware reads, sized vs unsized files (/proc, sysfs, size 0),
// ranges, mapping, shrinking, wait_readable.
#include "common/input.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "stdin_from.h"
#include "temp_dir.h"

using conc::common::Input;
using conc::common::InputError;
using conc::common::MappedInput;
using conc::common::wait_readable;
using conc::test::StdinFrom;
using conc::test::TempDir;

namespace {

std::string read_all(Input& in, std::size_t block = 7) {
  std::string out;
  std::vector<char> buffer(block);
  while (const std::size_t n = in.read(buffer)) out.append(buffer.data(), n);
  return out;
}

// Requests stop on `source` after a short while, from another thread.
std::jthread stop_soon(std::stop_source& source) {
  return std::jthread([&source] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    source.request_stop();
  });
}

}  // namespace

TEST_CASE("Input: a regular file is sized and read whole, in blocks or by ranges") {
  TempDir dir;
  const auto path = dir.write("f", "hello, world");
  Input in = Input::open(path);
  CHECK(in.is_regular());
  CHECK(in.is_sized());
  CHECK(in.size() == 12);
  std::vector<char> range(5);
  CHECK(in.read_at(range, 7) == 5);
  CHECK(std::string(range.data(), 5) == "world");
  CHECK(in.read_at(range, 10) == 2);  // short only at the end
  CHECK(in.read_at(range, 12) == 0);
  CHECK(read_all(in) == "hello, world");  // read_at moved no file position
  CHECK(in.read(range) == 0);
}

TEST_CASE("Input: missing paths and directories are InputErrors with their errno") {
  TempDir dir;
  try {
    (void)Input::open((dir.path / "missing").string());
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) == "No such file or directory");
    CHECK(e.error_number() == ENOENT);
  }
  try {
    (void)Input::open(dir.path.string());
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) == "Is a directory");
    CHECK(e.error_number() == EISDIR);
  }
}

TEST_CASE("Input: a sized file that shrinks while read is an error, an unsized one just ends") {
  TempDir dir;
  const auto path = dir.write("f", std::string(10000, 'x'));
  Input in = Input::open(path);
  std::vector<char> buffer(4096);
  CHECK(in.read(buffer) == 4096);
  REQUIRE(::truncate(path.c_str(), 5000) == 0);
  CHECK(in.read(buffer) == 904);
  CHECK_THROWS_WITH(in.read(buffer), "file shrank while being read (10000 bytes when opened, 5000 read)");
}

TEST_CASE("Input: a file of size 0 is unsized: read to its end, never mapped") {
  TempDir dir;
  const auto path = dir.write("empty", "");
  Input in = Input::open(path);
  CHECK(in.is_regular());
  CHECK_FALSE(in.is_sized());
  CHECK(in.size() == 0);
  // Content that comes after the open is read (as /proc files have content at size 0).
  (void)dir.write("empty", "late");
  CHECK(read_all(in) == "late");
  CHECK_THROWS_AS(MappedInput(in), std::logic_error);
}

TEST_CASE("Input: /proc and sysfs files are unsized and read to their end") {
  std::vector<std::string> files = {"/proc/version", "/proc/self/status"};
  if (::access("/sys/kernel/mm/transparent_hugepage/enabled", R_OK) == 0) {
    files.emplace_back("/sys/kernel/mm/transparent_hugepage/enabled");  // stat size 4096, fewer bytes
  }
  for (const auto& file : files) {
    CAPTURE(file);
    Input in = Input::open(file);
    CHECK(in.is_regular());
    CHECK_FALSE(in.is_sized());
    const std::string text = read_all(in, 4096);
    CHECK_FALSE(text.empty());
    CHECK(text.back() == '\n');
  }
}

TEST_CASE("MappedInput maps a sized file") {
  TempDir dir;
  const auto path = dir.write("f", "mapped bytes");
  Input in = Input::open(path);
  const MappedInput map(in);
  REQUIRE(map.size() == 12);
  CHECK(std::string(map.data(), map.size()) == "mapped bytes");
}

TEST_CASE("Input: standard input is read from where it stands, unsized, and never closed") {
  TempDir dir;
  const auto path = dir.write("f", "skip:rest");
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  REQUIRE(::lseek(fd, 5, SEEK_SET) == 5);
  {
    StdinFrom redirect(fd);
    {
      Input in = Input::open("-");
      CHECK(in.fd() == 0);
      CHECK(in.is_regular());
      CHECK_FALSE(in.is_sized());
      CHECK(read_all(in) == "rest");
    }
    CHECK(::fcntl(0, F_GETFD) != -1);  // still open
  }
  ::close(fd);
}

TEST_CASE("Input: a FIFO opens at once without a writer and waits for one in read, stop-aware") {
  TempDir dir;
  const auto fifo = (dir.path / "fifo").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  Input in = Input::open(fifo);  // would block in open(2) without O_NONBLOCK
  CHECK_FALSE(in.is_regular());
  CHECK_FALSE(in.is_sized());
  std::vector<char> buffer(16);

  SECTION("no writer yet is not the end: a stop ends the wait") {
    std::stop_source stop;
    const auto stopper = stop_soon(stop);
    CHECK(in.read(buffer, stop.get_token()) == 0);
    CHECK(stop.stop_requested());
  }
  SECTION("a writer that comes later is read, then its close is the end") {
    std::jthread writer([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      const int w = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
      if (w < 0) return;
      (void)::write(w, "late", 4);
      ::close(w);
    });
    CHECK(read_all(in, 16) == "late");
  }
  SECTION("a writer that never writes: a stop ends the read") {
    const int w = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
    REQUIRE(w >= 0);
    std::stop_source stop;
    const auto stopper = stop_soon(stop);
    CHECK(in.read(buffer, stop.get_token()) == 0);
    ::close(w);
  }
}

TEST_CASE("wait_readable: true once data or the end is there, false on stop") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  std::stop_source stop;
  {
    const auto stopper = stop_soon(stop);
    CHECK_FALSE(wait_readable(fds[0], stop.get_token()));
  }
  REQUIRE(::write(fds[1], "x", 1) == 1);
  CHECK(wait_readable(fds[0], {}));
  ::close(fds[1]);
  CHECK(wait_readable(fds[0], {}));  // data, then the end: both readable
  ::close(fds[0]);
}

TEST_CASE("Input::open leaves no descriptor non-blocking: a regular file that blocks must not fail with EAGAIN") {
  TempDir dir;
  const auto path = dir.write("f.txt", "abc");
  const Input file = Input::open(path);
  CHECK((::fcntl(file.fd(), F_GETFL) & O_NONBLOCK) == 0);
  const auto fifo = (dir.path / "fifo").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const int writer = ::open(fifo.c_str(), O_RDWR | O_CLOEXEC);  // so the open does not wait
  const Input stream = Input::open(fifo);
  CHECK((::fcntl(stream.fd(), F_GETFL) & O_NONBLOCK) == 0);
  ::close(writer);
}
