// bench/child_process.h: exit codes, signals, redirections, rusage and stop.
#include "bench/child_process.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <stop_token>
#include <thread>

#include "temp_dir.h"

using conc::bench::ChildIo;
using conc::bench::describe;
using conc::bench::run_child;
using conc::test::slurp;
using conc::test::TempDir;

namespace {
ChildIo io_in(const TempDir& d) {
  ChildIo io;
  io.stdout_path = (d.path / "out").string();
  io.stderr_path = (d.path / "err").string();
  return io;
}
}  // namespace

TEST_CASE("a child's exit code, stdout and stderr are captured") {
  TempDir d;
  const auto o = run_child({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, io_in(d), {});
  CHECK(o.exit_code == 3);
  CHECK(o.signal == 0);
  CHECK_FALSE(o.stopped);
  CHECK(describe(o) == "exited 3");
  CHECK(slurp(d.path / "out") == "out\n");
  CHECK(slurp(d.path / "err") == "err\n");
  CHECK(o.wall > 0);
}

TEST_CASE("the wall time spans the child's whole life") {
  TempDir d;
  const auto o = run_child({"/bin/sleep", "0.3"}, io_in(d), {});
  CHECK(o.exit_code == 0);
  CHECK(o.wall >= 0.3);
  CHECK(o.wall < 10);
}

TEST_CASE("stdin comes from the given file, /dev/null by default") {
  TempDir d;
  auto io = io_in(d);
  CHECK(run_child({"/bin/sh", "-c", "wc -c"}, io, {}).exit_code == 0);
  CHECK(slurp(d.path / "out").find('0') != std::string::npos);
  io.stdin_path = d.write("in", "12345");
  CHECK(run_child({"/bin/cat"}, io, {}).exit_code == 0);
  CHECK(slurp(d.path / "out") == "12345");
}

TEST_CASE("a killed child is described by its signal, and CPU time and peak memory are measured") {
  TempDir d;
  const auto o = run_child({"/bin/sh", "-c", "kill -SEGV $$"}, io_in(d), {});
  CHECK(o.signal == SIGSEGV);
  CHECK(describe(o) == "killed by SIGSEGV");
  // 64 MiB touched: the peak RSS says so.
  const auto m = run_child(
      {"/usr/bin/python3", "-c", "b = bytearray(64 << 20)\nfor i in range(0, len(b), 4096): b[i] = 1"}, io_in(d), {});
  CHECK(m.exit_code == 0);
  CHECK(m.max_rss > (64U << 20));
  CHECK(m.cpu > 0);
}

TEST_CASE("the child gets default signal actions even though the parent ignores SIGPIPE") {
  TempDir d;
  std::signal(SIGPIPE, SIG_IGN);
  const auto o = run_child({"/bin/sh", "-c", "yes | head -1 >/dev/null; grep SigIgn /proc/self/status"}, io_in(d), {});
  std::signal(SIGPIPE, SIG_DFL);
  CHECK(o.exit_code == 0);
  const std::string line = slurp(d.path / "out");
  REQUIRE(line.rfind("SigIgn:\t", 0) == 0);
  const auto ignored = std::stoull(line.substr(8), nullptr, 16);
  CHECK((ignored & (1ULL << (SIGPIPE - 1))) == 0);
}

TEST_CASE("a stop request ends the child with SIGTERM at once") {
  TempDir d;
  std::stop_source stop;
  std::jthread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    stop.request_stop();
  });
  const auto started = std::chrono::steady_clock::now();
  const auto o = run_child({"/bin/sleep", "30"}, io_in(d), stop.get_token());
  CHECK(o.stopped);
  CHECK(o.signal == SIGTERM);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(20));
}

TEST_CASE("a child that ignores SIGTERM is killed once the grace period is over") {
  TempDir d;
  std::stop_source stop;
  stop.request_stop();  // from the start: the first poll slice sends SIGTERM
  const auto o = run_child({"/bin/sh", "-c", "trap '' TERM; exec sleep 30"}, io_in(d), stop.get_token(),
                           std::chrono::milliseconds(200));
  CHECK(o.stopped);
  CHECK(o.signal == SIGKILL);
  CHECK(o.wall < 10);
}

TEST_CASE("a program that cannot start, or a redirection that cannot open, throws with the name") {
  TempDir d;
  CHECK_THROWS_WITH(run_child({"/nonexistent/prog"}, io_in(d), {}),
                    "/nonexistent/prog: cannot start: No such file or directory");
  auto io = io_in(d);
  io.stdin_path = (d.path / "missing").string();
  CHECK_THROWS_WITH(run_child({"/bin/true"}, io, {}), io.stdin_path + ": No such file or directory");
}
