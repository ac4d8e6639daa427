// exec CMD: each batch through `sh -c CMD`, batch on its stdin, its stdout
// the batch's new data (the GNU parallel --pipe model).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <iterator>
#include <memory>
#include <string_view>
#include <vector>

#include "common/diagnostics.h"
#include "common/unique_fd.h"
#include "pipeline/stage.h"
#include "stage_args.h"

extern char** environ;

namespace conc::pipeline {
namespace {

using Fd = common::UniqueFd;

// Blocks SIGPIPE in this thread while alive, and discards one it raised:
// a write to a command that stopped reading then fails with EPIPE instead of
// killing the process, whatever the process's SIGPIPE disposition.
class SigpipeBlocked {
 public:
  SigpipeBlocked() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~SigpipeBlocked() {
    const timespec now{0, 0};
    while (sigtimedwait(&pipe_, nullptr, &now) > 0) {}
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeBlocked(const SigpipeBlocked&) = delete;
  SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;

 private:
  sigset_t pipe_;
  sigset_t old_;
};

constexpr int kPipeSize = 1 << 20;                // Linux's default pipe-max-size
constexpr std::size_t kCoalesceBelow = 64 << 10;  // a read smaller than this waits for more output first
// Time a command ended by conc gets between SIGTERM and SIGKILL: enough to
// remove a temporary file, short enough that Ctrl-C still feels immediate.
constexpr auto kGraceAfterTerm = std::chrono::milliseconds(200);
constexpr int kStopCheckMs = 50;  // how often a wait for a command's exit looks at the stop token

[[noreturn]] void fail(const std::string& what, int error_number) {
  throw BatchFailure(what + ": " + common::errno_reason(error_number));
}

// True if the shell runs `name` itself: a POSIX special or regular
// builtin, one of dash's or bash's, or a reserved word (where /bin/sh is
// bash, `time` is one). Names with a slash never are.
bool shell_builtin(std::string_view name) {
  static constexpr std::string_view kNames[] = {
      "!",       "[",       "[[",       ".",       ":",       "{",        "}",       "alias",  "bg",      "break",
      "builtin", "case",    "cd",       "chdir",   "command", "continue", "declare", "do",     "done",    "echo",
      "elif",    "else",    "esac",     "eval",    "exec",    "exit",     "export",  "false",  "fc",      "fg",
      "fi",      "for",     "function", "getopts", "hash",    "if",       "in",      "jobs",   "kill",    "let",
      "local",   "logout",  "printf",   "pwd",     "read",    "readonly", "return",  "select", "set",     "shift",
      "source",  "test",    "then",     "time",    "times",   "trap",     "true",    "type",   "typeset", "ulimit",
      "umask",   "unalias", "unset",    "until",   "wait",    "while"};
  return std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames);
}

class ExecStage final : public Stage {
 public:
  ExecStage(std::string text, std::string command) : Stage(std::move(text)), command_(std::move(command)) {
    // A plain command (words of ordinary characters, nothing the shell
    // would expand or interpret) runs without the shell in between, as a
    // shell would exec it: one process per batch instead of two. Not a
    // builtin or keyword: the shell runs its own, which may differ from the
    // program of that name (dash's echo knows no -e and interprets
    // backslashes; /bin/echo is coreutils'), and `cd` or `read` act on the
    // shell itself. The output is then always what `sh -c CMD` gives.
    if (command_.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-+./,:@%^") ==
        std::string::npos) {
      auto words = split_words(command_);
      if (!words.empty() && !shell_builtin(words[0])) direct_ = std::move(words);
    }
  }

  void process(Batch& b, const StageControl& control) override {
    int in[2];
    int out[2];
    if (::pipe2(in, O_CLOEXEC) != 0) fail("pipe", errno);
    Fd in_read(in[0]), in_write(in[1]);
    if (::pipe2(out, O_CLOEXEC) != 0) fail("pipe", errno);
    Fd out_read(out[0]), out_write(out[1]);
    // Pipes of 1 MiB instead of 64 KiB: a batch crosses in one or two
    // rounds of poll/write/read instead of sixteen (a hint; may fail).
    ::fcntl(in_write.get(), F_SETPIPE_SZ, kPipeSize);
    ::fcntl(out_read.get(), F_SETPIPE_SZ, kPipeSize);
    // Past pipe-user-pages-soft the kernel gives pipes of one page: output
    // may only gather (see pump) where the pipe really is big.
    const bool big_output_pipe = ::fcntl(out_read.get(), F_GETPIPE_SZ) >= kPipeSize;

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in_read.get(), 0);
    posix_spawn_file_actions_adddup2(&actions, out_write.get(), 1);
    // conc ignores SIGPIPE and may block signals in this thread: the command
    // gets the defaults, so `exec head -1` ends as it would in a shell.
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setsigmask(&attr, &none);
    // Its own process group: a stop kills the command and everything it
    // started (`sh -c 'a; b'`) with one kill(-pgid), whatever it ignores.
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);
    pid_t pid = 0;
    int spawned = 0;
    bool shell = direct_.empty();
    if (!shell) {
      std::vector<char*> argv;
      argv.reserve(direct_.size() + 1);
      for (auto& word : direct_) argv.push_back(word.data());
      argv.push_back(nullptr);
      spawned = ::posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), environ);
      // ENOEXEC: a script without a #! line, which a shell runs with
      // itself (POSIX; glibc's posix_spawnp no longer does), so the shell
      // below runs it. A bare name not on PATH may be a builtin the shell
      // knows (`exit 3`): it decides, and says 127 if not. Any other path
      // (./script) that cannot be run is the program's fault, said with its
      // name.
      shell = spawned == ENOEXEC || (spawned == ENOENT && direct_[0].find('/') == std::string::npos);
      if (spawned != 0 && !shell) {
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attr);
        fail("cannot run " + direct_[0], spawned);
      }
    }
    if (shell) {
      char* argv[] = {const_cast<char*>("sh"), const_cast<char*>("-c"), command_.data(), nullptr};
      spawned = ::posix_spawn(&pid, "/bin/sh", &actions, &attr, argv, environ);
    }
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (spawned != 0) fail("cannot run /bin/sh", spawned);
    in_read.reset();
    out_write.reset();

    std::string result;
    bool stopped = false;
    try {
      const SigpipeBlocked quiet;  // the command may stop reading: EPIPE, not a fatal SIGPIPE
      stopped = pump(b, in_write, out_read, big_output_pipe, result, pid, control);
    } catch (...) {  // too much output, or a later stage failed on a piece: end the command, reap it
      reap(pid, control.stop, true);
      throw;
    }
    const int status = reap(pid, control.stop, stopped);
    // Stopped while it ran, or while it lived on after closing its output:
    // its output is not wanted, whatever its status.
    if (stopped || control.stop.stop_requested()) throw BatchFailure("stopped");
    if (WIFSIGNALED(status)) throw BatchFailure("killed by signal " + std::to_string(WTERMSIG(status)));
    if (WEXITSTATUS(status) == 127) throw BatchFailure("exit status 127 (command not found)");
    if (WEXITSTATUS(status) == 126) throw BatchFailure("exit status 126 (command not executable)");
    if (WEXITSTATUS(status) != 0) throw BatchFailure("exit status " + std::to_string(WEXITSTATUS(status)));
    b.data = std::move(result);
  }

  [[nodiscard]] bool streams() const noexcept override { return true; }

 private:
  // Waits for the command to exit and returns its wait status. With `end`,
  // or once `stop` is requested (the command may have closed its output and
  // still run, ignoring its stdin), it is ended: SIGTERM to its whole group
  // (the spawn made `pid` its leader), so it and what it started may clean
  // up, then SIGKILL, which nothing can ignore, once the leader has exited
  // (for what it leaves behind) or after kGraceAfterTerm. The leader is
  // reaped only after the last signal, so its pid still names the group.
  static int reap(pid_t pid, const std::stop_token& stop, bool end) {
    // Readable once the command has exited: the wait below sleeps until
    // then instead of polling. -1 where pidfds are missing.
    const Fd exited(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    bool termed = false;
    bool killed = false;
    std::chrono::steady_clock::time_point kill_at;
    for (;;) {
      siginfo_t info{};
      // WNOWAIT: sees the exit without reaping, so the group may still be signalled.
      const int r = ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT);
      if (r < 0 && errno != EINTR) fail("waitid", errno);
      if (r == 0 && info.si_pid == pid) {
        if (termed) ::kill(-pid, SIGKILL);
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        return status;
      }
      if (!termed && (end || stop.stop_requested())) {
        ::kill(-pid, SIGTERM);
        termed = true;
        kill_at = std::chrono::steady_clock::now() + kGraceAfterTerm;
      } else if (termed && !killed && std::chrono::steady_clock::now() >= kill_at) {
        ::kill(-pid, SIGKILL);
        killed = true;
      }
      if (exited.get() >= 0) {
        pollfd fd{exited.get(), POLLIN, 0};
        ::poll(&fd, 1, kStopCheckMs);  // a stop is seen within this many milliseconds
      } else {
        ::usleep(1000);
      }
    }
  }

  // Writes the batch to the command while reading its output (either side
  // may fill a pipe first). Output beyond `control.hold_bytes` is emitted in
  // pieces of whole lines when the control streams; the batch's output fails
  // past `control.max_output`. While an emit waits, the command's pipe is
  // not read, so it blocks. Returns true if the run stopped: the command
  // must be ended.
  static bool pump(const Batch& b, Fd& to, Fd& from, bool gather, std::string& result, pid_t pid,
                   const StageControl& control) {
    const std::string& input = b.data;
    ::fcntl(to.get(), F_SETFL, O_NONBLOCK);
    if (input.empty()) to.reset();
    std::size_t written = 0;
    std::size_t output = 0;  // bytes read from the command for this batch
    std::size_t last_read = kPipeSize;
    bool zero_copy = true;
    // Ends the gathering pause below early once the command has exited (then
    // all its output is in the pipe). -1 where pidfds are missing: the pause
    // then runs its full millisecond.
    const Fd exited(gather ? static_cast<int>(::syscall(SYS_pidfd_open, pid, 0))
                           : -1);  // glibc 2.36's header lacks C linkage
    // Most commands give about what they get: one allocation, not a doubling series of copies.
    result.reserve(std::min(control.hold_bytes, input.size() + input.size() / 8) + kPipeSize);
    while (from.get() >= 0) {
      if (control.stop.stop_requested()) return true;  // Ctrl-C, or the reader of the output went away
      pollfd fds[2] = {{from.get(), POLLIN, 0}, {to.get(), POLLOUT, 0}};
      const nfds_t n = to.get() >= 0 ? 2 : 1;
      if (::poll(fds, n, 100) < 0 && errno != EINTR) fail("poll", errno);
      if (n == 2 && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
        const ssize_t w = give(to.get(), input.data() + written, input.size() - written, zero_copy);
        if (w > 0) written += static_cast<std::size_t>(w);
        // EPIPE: the command stopped reading (head -1); what it wrote still counts.
        if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == input.size()) to.reset();
      }
      if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        const ssize_t r = read_into(from.get(), result);
        last_read = static_cast<std::size_t>(std::max<ssize_t>(r, 0));
        if (r > 0) {
          output += static_cast<std::size_t>(r);
          if (output > control.max_output) {
            throw BatchFailure("output passed --max-batch-output (" + std::to_string(control.max_output) + " bytes)");
          }
          if (control.emit && result.size() >= control.hold_bytes) emit_lines(b, result, control);
        }
        if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN)) from.reset();
      }
      // A command writing through stdio sends 4 KiB at a time, and each
      // write would wake us for one small read (a context switch per 4 KiB
      // on each side: ~12% of the CPU of `exec sed` in perf). After a small
      // read, let the output gather for a millisecond; a 1 MiB pipe holds
      // far more than a command writes meanwhile, so it never waits on us.
      // A small pipe (`gather` false) would fill in microseconds and stall
      // the command for the rest of the millisecond: there, read at once.
      if (gather && from.get() >= 0 && last_read < kCoalesceBelow) pause_for_output(exited.get());
    }
    return false;
  }

  // Appends what the pipe holds to `out`, read straight into the string
  // (no bounce buffer: that copy was a quarter of conc's own CPU in `exec
  // sed`). FIONREAD sizes the read, so the zero-fill of resize covers only
  // bytes the read overwrites; at least one page, so EOF still reads 0.
  static ssize_t read_into(int fd, std::string& out) {
    int ready = 0;
    if (::ioctl(fd, FIONREAD, &ready) != 0) ready = 0;
    const std::size_t want = std::clamp<std::size_t>(static_cast<std::size_t>(ready), 4096, kPipeSize);
    const std::size_t had = out.size();
    out.resize(had + want);
    const ssize_t r = ::read(fd, out.data() + had, want);
    out.resize(had + static_cast<std::size_t>(std::max<ssize_t>(r, 0)));
    return r;
  }

  // Lets output gather for a millisecond, or until the command exits.
  static void pause_for_output(int exited) {
    if (exited < 0) {
      ::usleep(1000);
      return;
    }
    pollfd fd{exited, POLLIN, 0};
    ::poll(&fd, 1, 1);
  }

  // Writes to the command's pipe; where the kernel refuses vmsplice, a
  // plain write. vmsplice without SPLICE_F_GIFT copies nothing: the pipe
  // holds references to the batch's pages and the reader copies from them
  // when it reads, which may be long after the call returned. So those
  // bytes must not change, nor their memory be reused, until the reader has
  // consumed them, and the kernel never says when that is. The batch's
  // input stays untouched until process() has reaped the command: after
  // that no one reads the pipe, unless something the command started in
  // the background kept its stdin (it could then read whatever the memory
  // holds by then). SPLICE_F_GIFT would give the pages to the kernel for
  // good (whole aligned pages, never touched again), which a std::string's
  // buffer cannot promise.
  static ssize_t give(int fd, const char* data, std::size_t size, bool& zero_copy) {
    if (zero_copy) {
      iovec v{const_cast<char*>(data), size};
      const ssize_t n = ::vmsplice(fd, &v, 1, SPLICE_F_NONBLOCK);
      if (n >= 0 || errno == EAGAIN || errno == EINTR || errno == EPIPE) return n;
      zero_copy = false;  // EINVAL, ENOSYS: not here
    }
    return ::write(fd, data, size);
  }

  // Hands on the whole lines of `result`, keeping a last partial line.
  static void emit_lines(const Batch& b, std::string& result, const StageControl& control) {
    const auto last = result.rfind('\n');
    if (last == std::string::npos) return;  // one long line so far: bounded by max_output
    std::string rest = result.substr(last + 1);
    result.resize(last + 1);
    control.emit(b, std::move(result));
    result = std::move(rest);
  }

  std::string command_;
  std::vector<std::string> direct_;  // argv when no shell is needed
};

// What `sh -n` (parse, run nothing) says of `command`: "" when it parses,
// else the shell's first line without its "sh: 1: " prefix. So an
// unterminated quote or an `if` without `fi` is a usage error before any
// output is opened, not a failure of every batch. The shell that will run
// the command judges it, so nothing valid is refused. "" too when no shell
// can be started: running the stage reports that.
std::string shell_syntax_error(const std::string& command) {
  int err[2];
  if (::pipe2(err, O_CLOEXEC) != 0) return "";
  Fd err_read(err[0]), err_write(err[1]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, err_write.get(), 2);
  std::string text = command;
  char* argv[] = {const_cast<char*>("sh"), const_cast<char*>("-n"), const_cast<char*>("-c"), text.data(), nullptr};
  pid_t pid = 0;
  const int spawned = ::posix_spawn(&pid, "/bin/sh", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  err_write.reset();
  if (spawned != 0) return "";
  std::string message;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(err_read.get(), buf, sizeof buf);
    if (n > 0 && message.size() < (std::size_t{1} << 16)) message.append(buf, static_cast<std::size_t>(n));
    if (n == 0 || (n < 0 && errno != EINTR)) break;
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  message = message.substr(0, message.find('\n'));
  for (const std::string prefix : {"sh: ", "1: "}) {  // dash: "sh: 1: Syntax error: ..."
    if (message.rfind(prefix, 0) == 0) message.erase(0, prefix.size());
  }
  return message.empty() ? "exit status " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 128) : message;
}

}  // namespace

std::unique_ptr<Stage> detail::make_exec(const std::string& text, const std::vector<std::string>& words) {
  const std::string& command = words[1];
  if (const auto error = shell_syntax_error(command); !error.empty()) {
    throw StageError("not a valid shell command (sh -n: " + error + ")");
  }
  // The shells take a lone backslash at the very end as itself (POSIX leaves
  // it unspecified): what was it meant to escape? Almost always a quote the
  // user's own shell ate. A backslash itself is written '\' or \\ there.
  const auto last = command.find_last_not_of('\\');
  const std::size_t trailing = command.size() - (last == std::string::npos ? 0 : last + 1);
  if (trailing % 2 == 1) throw StageError("the command ends with a lone backslash, which escapes nothing");
  return std::make_unique<ExecStage>(text, command);
}

}  // namespace conc::pipeline
