// bench/child_process.h: run one program to its end, timed, and stoppable.
#pragma once

#include <cstdint>
#include <stop_token>
#include <string>
#include <vector>

namespace conc::bench {

/// Where a child's standard streams go.
struct ChildIo {
  std::string stdin_path = "/dev/null";
  std::string stdout_path;  ///< created or truncated
  std::string stderr_path;  ///< created or truncated
};

/// How a child ended and what it cost.
struct ChildOutcome {
  int exit_code = -1;         ///< when it exited
  int signal = 0;             ///< the signal that killed it, else 0
  bool stopped = false;       ///< the stop request ended it
  double wall = 0;            ///< seconds from spawn to exit
  double cpu = 0;             ///< user + system seconds, from wait4's rusage
  std::uint64_t max_rss = 0;  ///< bytes, from wait4's rusage
};

/// Starts `argv` (argv[0] a path, no shell) with posix_spawn and waits for
/// it. The child starts with every signal at its default action and none
/// blocked, whatever this process set (conc ignores SIGPIPE and its signal
/// watcher blocks the stop signals). While it runs, a stop request sends it
/// SIGTERM, and SIGKILL 5 s later if it is still there; the wait is a poll
/// on a pidfd, so the wall time ends the moment the child does. Throws
/// std::runtime_error naming argv[0] when it cannot be started, or a
/// redirection cannot be opened.
ChildOutcome run_child(const std::vector<std::string>& argv, const ChildIo& io, std::stop_token stop);

/// "exited 3", "killed by SIGSEGV", "stopped".
std::string describe(const ChildOutcome& outcome);

}  // namespace conc::bench
