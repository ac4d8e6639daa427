// bench/child_process.h: run one program to its end, timed, and stoppable.
#pragma once

#include <chrono>
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
/// it. The child starts with no signal blocked and SIGPIPE at its default
/// action (conc ignores it, and an ignored signal would stay ignored across
/// exec); signals the caller's shell set to be ignored stay ignored, as
/// for any command. It leads a process group of its own (so a terminal's
/// Ctrl-C reaches conc bench alone, which then stops the child). While it
/// runs, a stop request sends its group SIGTERM, SIGKILL `kill_after` later
/// if the child is still there, and SIGKILL to what is left of the group
/// once it has gone. The wait polls a pidfd,
/// so the wall time ends the moment the child does (without pidfd support,
/// Linux before 5.3, it blocks in wait4: exact too, but a stop then reaches
/// the child only as a terminal's signal to the whole process group).
///
/// `max_rss` is the kernel's: it counts the spawning process's own peak too
/// (exec folds the old address space's high-water mark into the child's),
/// so it is never below this process's peak RSS.
///
/// Throws std::runtime_error naming argv[0] when it cannot be started, or
/// the path of a redirection that cannot be opened.
ChildOutcome run_child(const std::vector<std::string>& argv, const ChildIo& io, std::stop_token stop,
                       std::chrono::milliseconds kill_after = std::chrono::seconds(5));

/// "exited 3", "killed by SIGSEGV", "stopped".
std::string describe(const ChildOutcome& outcome);

}  // namespace conc::bench
