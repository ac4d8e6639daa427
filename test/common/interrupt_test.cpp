#include "common/interrupt.h"

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <thread>

using namespace std::chrono_literals;

TEST_CASE("SIGINT becomes a stop request instead of killing the process") {
  conc::common::InterruptGuard guard;
  CHECK_FALSE(guard.interrupted());
  CHECK_FALSE(guard.token().stop_requested());
  std::raise(SIGINT);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!guard.token().stop_requested() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  CHECK(guard.token().stop_requested());
  CHECK(guard.signal() == SIGINT);
}

TEST_CASE("a guard with no signal shuts down cleanly and can be made again") {
  { conc::common::InterruptGuard a; }
  conc::common::InterruptGuard b;
  CHECK_FALSE(b.interrupted());
}

TEST_CASE("SIGHUP becomes a stop request like SIGINT") {
  conc::common::InterruptGuard guard;
  std::raise(SIGHUP);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!guard.token().stop_requested() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  CHECK(guard.signal() == SIGHUP);
}

TEST_CASE("a second signal removes the registered temporary files before it kills") {
  char path[] = "/tmp/conc-interrupt-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // Only async-signal-safe work could be trusted after fork in a threaded
    // process; the guard's thread is the child's own, started here.
    conc::common::InterruptGuard guard;
    conc::common::TempFileRegistration temp(path);
    std::raise(SIGINT);
    std::raise(SIGINT);  // the user insists: removes `path`, then dies of SIGINT
    _exit(0);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGINT);
  CHECK(access(path, F_OK) != 0);
  unlink(path);
}

TEST_CASE("an unregistered temporary file is left alone") {
  char path[] = "/tmp/conc-interrupt-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    conc::common::InterruptGuard guard;
    { conc::common::TempFileRegistration temp(path); }
    std::raise(SIGINT);
    std::raise(SIGINT);
    _exit(0);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WIFSIGNALED(status));
  CHECK(access(path, F_OK) == 0);
  unlink(path);
}

TEST_CASE("the handlers keep the interrupted thread's errno, even when a temporary is already gone") {
  // The run may remove its temporary before a late second signal lands:
  // the handler's unlink then fails, and must not leak ENOENT into the
  // interrupted code. Only ThreadSanitizer (halt_on_error) sees a handler
  // change errno: it ends the child with exit 66 instead of SIGINT, as it
  // did in CI; elsewhere the second signal kills before anyone could look.
  // The signals come from another process, as a user's would: a raise()
  // is delivered synchronously, where TSan does not check errno.
  int ready[2];
  int stopped[2];
  REQUIRE(pipe(ready) == 0);
  REQUIRE(pipe(stopped) == 0);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    close(ready[0]);
    close(stopped[0]);
    conc::common::InterruptGuard guard;
    conc::common::TempFileRegistration temp("/nonexistent/conc-interrupt-gone");
    errno = EDOM;
    if (write(ready[1], "r", 1) != 1) _exit(4);
    // Busy, not blocked, as a thread in the middle of a computation is.
    bool told = false;
    for (const auto end = std::chrono::steady_clock::now() + 30s; std::chrono::steady_clock::now() < end;) {
      if (errno != EDOM) _exit(3);
      if (!told && guard.interrupted()) {
        // The first signal is handled: the second cannot merge with it.
        if (write(stopped[1], "s", 1) != 1) _exit(4);
        errno = EDOM;
        told = true;
      }
    }
    _exit(0);
  }
  close(ready[1]);
  close(stopped[1]);
  char c = 0;
  REQUIRE(read(ready[0], &c, 1) == 1);
  kill(child, SIGINT);
  REQUIRE(read(stopped[0], &c, 1) == 1);
  kill(child, SIGINT);  // unlink fails; the process still dies of SIGINT
  close(ready[0]);
  close(stopped[0]);
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  INFO("exit status " << (WIFEXITED(status) ? WEXITSTATUS(status) : -1));
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGINT);
}
