#include "bench/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <optional>
#include <stdexcept>

#include "common/diagnostics.h"
#include "common/unique_fd.h"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX declares it nowhere

namespace conc::bench {
namespace {

using common::UniqueFd;

constexpr int kPollSliceMs = 50;  // how soon a stop request is noticed

// Owns a posix_spawn file-actions object and an attribute object.
class SpawnSetup {
 public:
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions_);
    posix_spawnattr_init(&attr_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions_);
    posix_spawnattr_destroy(&attr_);
  }
  posix_spawn_file_actions_t actions_{};
  posix_spawnattr_t attr_{};
};

// Opened in the parent, so a bad path is our error with its name, not the
// child's exit 127.
int open_or_throw(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0666);
  if (fd < 0) throw std::runtime_error(path + ": " + common::errno_reason(errno));
  return fd;
}

double seconds(const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; }

}  // namespace

ChildOutcome run_child(const std::vector<std::string>& argv, const ChildIo& io, std::stop_token stop,
                       std::chrono::milliseconds kill_after) {
  UniqueFd in(open_or_throw(io.stdin_path, O_RDONLY));
  UniqueFd out(open_or_throw(io.stdout_path, O_WRONLY | O_CREAT | O_TRUNC));
  UniqueFd err(open_or_throw(io.stderr_path, O_WRONLY | O_CREAT | O_TRUNC));

  SpawnSetup setup;
  posix_spawn_file_actions_adddup2(&setup.actions_, in.get(), 0);
  posix_spawn_file_actions_adddup2(&setup.actions_, out.get(), 1);
  posix_spawn_file_actions_adddup2(&setup.actions_, err.get(), 2);
  sigset_t none;
  sigemptyset(&none);
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  posix_spawnattr_setsigmask(&setup.attr_, &none);
  posix_spawnattr_setsigdefault(&setup.attr_, &pipe);
  // A process group of its own: a stop reaches whatever the child started
  // too (a script's background job, a shell's pipeline), not just the child.
  posix_spawnattr_setpgroup(&setup.attr_, 0);
  posix_spawnattr_setflags(&setup.attr_, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);

  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));  // posix_spawn's signature, never written
  args.push_back(nullptr);

  const auto started = std::chrono::steady_clock::now();
  pid_t pid = 0;
  if (const int rc = posix_spawn(&pid, args[0], &setup.actions_, &setup.attr_, args.data(), environ); rc != 0) {
    throw std::runtime_error(argv[0] + ": cannot start: " + common::errno_reason(rc));
  }

  // A pidfd becomes readable when the child exits: the wait wakes at once
  // (exact wall time) yet can watch the stop request in slices.
  ChildOutcome outcome;
  std::optional<std::chrono::steady_clock::time_point> ended;
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd >= 0) {
    const UniqueFd owned(pidfd);
    std::chrono::steady_clock::time_point termed{};
    bool killed = false;
    for (;;) {
      pollfd p{pidfd, POLLIN, 0};
      const int n = ::poll(&p, 1, kPollSliceMs);
      if (n > 0) {
        ended = std::chrono::steady_clock::now();
        break;
      }
      if (n < 0 && errno != EINTR) break;  // cannot watch it: wait for it below
      if (!stop.stop_requested()) continue;
      const auto now = std::chrono::steady_clock::now();
      if (termed == std::chrono::steady_clock::time_point{}) {
        ::kill(-pid, SIGTERM);  // the child is unreaped, so its group id is still its own
        termed = now;
        outcome.stopped = true;
      } else if (!killed && now - termed > kill_after) {
        ::kill(-pid, SIGKILL);
        killed = true;
      }
    }
  }
  int status = 0;
  rusage ru{};
  while (::wait4(pid, &status, 0, &ru) < 0) {
    if (errno != EINTR) throw std::runtime_error(argv[0] + ": wait: " + common::errno_reason(errno));
  }
  outcome.wall = std::chrono::duration<double>(ended.value_or(std::chrono::steady_clock::now()) - started).count();
  // A stopped run's stragglers (what the child started and left behind)
  // go too; the group id cannot have been reused while they held it.
  if (outcome.stopped) ::kill(-pid, SIGKILL);
  outcome.cpu = seconds(ru.ru_utime) + seconds(ru.ru_stime);
  outcome.max_rss = static_cast<std::uint64_t>(ru.ru_maxrss) * 1024;  // Linux reports KiB
  if (WIFEXITED(status)) outcome.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) outcome.signal = WTERMSIG(status);
  if (stop.stop_requested()) outcome.stopped = true;
  return outcome;
}

std::string describe(const ChildOutcome& o) {
  if (o.signal != 0) {
    const char* abbrev = sigabbrev_np(o.signal);
    return "killed by " + (abbrev != nullptr ? "SIG" + std::string(abbrev) : "signal " + std::to_string(o.signal));
  }
  return "exited " + std::to_string(o.exit_code);
}

}  // namespace conc::bench
