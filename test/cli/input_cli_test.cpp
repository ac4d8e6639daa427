// The shared input layer end to end: every read of every subcommand ends on
// the first SIGINT (FIFOs without a writer, silent writers, silent stdin,
// endless inputs), stdin named twice is one stream, /proc and sysfs files are
// read whatever --io says, --files0-from streams, --max-line.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "process.h"
#include "strategy_names.h"
#include "temp_dir.h"

extern char** environ;

using conc::test::run_process;
using conc::test::slurp;
using conc::test::TempDir;

namespace {

const std::string kConc = CONC_BINARY;
const std::string kAbc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const std::string kEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// A running conc whose stdin is `stdin_fd` and whose stdout and stderr go to files.
class Running {
 public:
  Running(const std::vector<std::string>& argv, int stdin_fd, const TempDir& dir) {
    out_path_ = (dir.path / "stdout").string();
    err_path_ = (dir.path / "stderr").string();
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, stdin_fd, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int rc = posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    REQUIRE(rc == 0);
  }
  Running(const Running&) = delete;
  Running& operator=(const Running&) = delete;
  ~Running() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  void signal(int sig) const { REQUIRE(::kill(pid_, sig) == 0); }

  // Waits (at most 20 s) until conc catches `sig` (its bit in SigCgt), then
  // a little more, so it is in the wait the signal must end. A fixed sleep
  // is not enough: a sanitizer build on a loaded machine can take longer
  // than that to install its handlers, and then dies of the signal.
  void wait_for_handler(int sig) const {
    const std::string status = "/proc/" + std::to_string(pid_) + "/status";
    for (int i = 0; i < 400; ++i) {
      std::ifstream in(status);
      std::string line;
      while (std::getline(in, line)) {
        if (line.rfind("SigCgt:", 0) != 0) continue;
        if ((std::stoull(line.substr(7), nullptr, 16) >> (sig - 1)) & 1) {
          std::this_thread::sleep_for(std::chrono::milliseconds(200));
          return;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL("conc never installed a handler for signal " << sig);
  }

  // The exit status (256 + N when killed by signal N, so a death by SIGINT
  // never passes for a clean `exit 130`), or -1 if it has not
  // ended within `bound` (a generous bound, not a timing assertion).
  int wait(std::chrono::seconds bound = std::chrono::seconds(30)) {
    const auto until = std::chrono::steady_clock::now() + bound;
    while (std::chrono::steady_clock::now() < until) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 256 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }

  [[nodiscard]] std::string out() const { return slurp(out_path_); }
  [[nodiscard]] std::string err() const { return slurp(err_path_); }
  // The first `n` bytes of stderr (it may be huge).
  [[nodiscard]] std::string err_head(std::size_t n) const {
    std::ifstream in(err_path_, std::ios::binary);
    std::string head(n, '\0');
    in.read(head.data(), static_cast<std::streamsize>(n));
    head.resize(static_cast<std::size_t>(in.gcount()));
    return head;
  }

 private:
  pid_t pid_ = -1;
  std::string out_path_;
  std::string err_path_;
};

// Starts `argv`, lets it block for a while, sends `sig`, and returns the exit code.
int exit_code_after_signal(const std::vector<std::string>& argv, int stdin_fd, int sig = SIGINT) {
  TempDir logs;
  Running conc(argv, stdin_fd, logs);
  conc.wait_for_handler(sig);
  conc.signal(sig);
  const int code = conc.wait();
  INFO("stderr: " << conc.err());
  return code;
}

struct Pipe {
  int read_end = -1;
  int write_end = -1;
  Pipe() {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    read_end = fds[0];
    write_end = fds[1];
  }
  ~Pipe() {
    ::close(read_end);
    ::close(write_end);
  }
};

// The commands that read a named input: each must end on SIGINT while it waits on a FIFO.
std::vector<std::vector<std::string>> fifo_commands(const std::string& fifo) {
  return {
      {kConc, "hash", fifo},       {kConc, "hash", "-s", "channels", fifo}, {kConc, "hash", "--io", "mmap", fifo},
      {kConc, "wordcount", fifo},  {kConc, "wordcount", "-s", "seq", fifo}, {kConc, "pipeline", "-e", "upper", fifo},
      {kConc, "hash", "-c", fifo}, {kConc, "hash", "--files0-from", fifo},  {kConc, "wordcount", "--merge", fifo},
  };
}

std::string make_fifo(const TempDir& dir) {
  const auto path = (dir.path / "fifo").string();
  REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
  return path;
}

}  // namespace

TEST_CASE("input: SIGINT ends every subcommand waiting on a FIFO that no writer has opened") {
  TempDir dir;
  const auto fifo = make_fifo(dir);
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  for (const auto& argv : fifo_commands(fifo)) {
    CAPTURE(argv);
    CHECK(exit_code_after_signal(argv, null_fd) == 130);
  }
  CHECK(exit_code_after_signal({kConc, "hash", fifo}, null_fd, SIGTERM) == 130);
  ::close(null_fd);
}

TEST_CASE("input: SIGINT ends every subcommand reading a FIFO whose writer never writes") {
  TempDir dir;
  const auto fifo = make_fifo(dir);
  // O_RDWR: this process is a writer of the FIFO that never writes.
  const int writer = ::open(fifo.c_str(), O_RDWR | O_CLOEXEC);
  REQUIRE(writer >= 0);
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  for (const auto& argv : fifo_commands(fifo)) {
    CAPTURE(argv);
    CHECK(exit_code_after_signal(argv, null_fd) == 130);
  }
  ::close(null_fd);
  ::close(writer);
}

TEST_CASE("input: SIGINT ends every subcommand reading a silent stdin") {
  const std::vector<std::vector<std::string>> commands = {
      {kConc, "hash"},      {kConc, "hash", "-c", "-"},      {kConc, "hash", "--files0-from", "-"},
      {kConc, "wordcount"}, {kConc, "wordcount", "--merge"}, {kConc, "pipeline", "-e", "upper"},
  };
  for (const auto& argv : commands) {
    CAPTURE(argv);
    Pipe silent;  // the write end stays open and silent
    CHECK(exit_code_after_signal(argv, silent.read_end) == 130);
  }
}

TEST_CASE("input: hash -c - verifies each line as it comes, while the pipe stays open, in every strategy") {
  TempDir dir;
  const auto a = dir.write("a", "abc");
  const std::string good = kAbc + "  " + a + "\n";
  const std::string bad = std::string(64, '0') + "  " + a + "\n";
  // Polls stdout (at most 20 s: a hang guard, not a timing assertion) until it holds `want`.
  auto wait_out = [](const Running& conc, const std::string& want) {
    for (int i = 0; i < 2000 && conc.out() != want; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return conc.out();
  };
  for (const std::string& strategy : conc::test::hash_strategies()) {
    CAPTURE(strategy);
    {  // the first verdict is out before the input ends; closing it ends the run
      Pipe in;
      TempDir logs;
      Running conc({kConc, "hash", "-s", strategy, "-j", "2", "-c", "-"}, in.read_end, logs);
      REQUIRE(::write(in.write_end, good.data(), good.size()) == static_cast<ssize_t>(good.size()));
      CHECK(wait_out(conc, a + ": OK\n") == a + ": OK\n");
      REQUIRE(::write(in.write_end, bad.data(), bad.size()) == static_cast<ssize_t>(bad.size()));
      CHECK(wait_out(conc, a + ": OK\n" + a + ": FAILED\n") == a + ": OK\n" + a + ": FAILED\n");
      ::close(in.write_end);
      in.write_end = -1;
      CHECK(conc.wait() == 1);
      CHECK(conc.err() == "conc hash: WARNING: 1 computed checksum did NOT match\n");
    }
    {  // SIGINT while the pipe stays open: exit 130
      Pipe in;
      TempDir logs;
      Running conc({kConc, "hash", "-s", strategy, "-j", "2", "-c", "-"}, in.read_end, logs);
      REQUIRE(::write(in.write_end, good.data(), good.size()) == static_cast<ssize_t>(good.size()));
      CHECK(wait_out(conc, a + ": OK\n") == a + ": OK\n");
      conc.signal(SIGINT);
      CHECK(conc.wait() == 130);
      CHECK(conc.err() == "conc hash: interrupted\n");
    }
  }
}

TEST_CASE("input: a FIFO's writer may come before or after conc opens it, and its data is read whole") {
  TempDir dir;
  const auto fifo = make_fifo(dir);
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  auto write_abc = [&] {
    const int w = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);  // blocks until conc opens it for reading
    if (w < 0) return;
    (void)::write(w, "ab", 2);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    (void)::write(w, "c", 1);
    ::close(w);
  };
  SECTION("writer after conc") {
    TempDir logs;
    Running conc({kConc, "hash", fifo}, null_fd, logs);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    write_abc();
    CHECK(conc.wait() == 0);
    CHECK(conc.out() == kAbc + "  " + fifo + "\n");
  }
  SECTION("writer waiting before conc") {
    std::thread writer(write_abc);
    TempDir logs;
    Running conc({kConc, "hash", fifo}, null_fd, logs);
    const int code = conc.wait();
    writer.join();
    CHECK(code == 0);
    CHECK(conc.out() == kAbc + "  " + fifo + "\n");
  }
  SECTION("wordcount and pipeline read it too") {
    for (const auto& argv : std::vector<std::vector<std::string>>{{kConc, "wordcount", "--format", "tsv", fifo},
                                                                  {kConc, "pipeline", "-e", "upper", fifo}}) {
      CAPTURE(argv);
      TempDir logs;
      Running conc(argv, null_fd, logs);
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      write_abc();
      CHECK(conc.wait() == 0);
      CHECK(conc.out().find(argv[1] == "pipeline" ? "ABC" : "abc") != std::string::npos);
    }
  }
  ::close(null_fd);
}

TEST_CASE("input: stdin named twice is one stream, read once, in every subcommand and strategy") {
  std::string big;
  for (int i = 0; i < 200000; ++i) big += "word" + std::to_string(i % 7) + " ";
  big += "\n";
  const auto want = run_process({"/usr/bin/sha256sum", "-", "-"}, big);
  REQUIRE(want.exit_code == 0);
  for (const std::string& strategy : conc::test::hash_strategies()) {
    CAPTURE(strategy);
    const auto r = run_process({kConc, "hash", "-s", strategy, "-j", "4", "-", "-"}, big);
    CHECK(r.exit_code == 0);
    CHECK(r.out == want.out);
    CHECK(r.out.substr(r.out.find('\n') + 1) == kEmpty + "  -\n");
  }
  const auto once = run_process({kConc, "wordcount", "--format", "tsv", "-"}, "a b a\n");
  const auto twice = run_process({kConc, "wordcount", "--format", "tsv", "-", "-"}, "a b a\n");
  CHECK(twice.exit_code == 0);
  CHECK(twice.out == once.out);
  const auto upper = run_process({kConc, "pipeline", "-e", "upper", "-", "-"}, "x\ny\n");
  CHECK(upper.exit_code == 0);
  CHECK(upper.out == "X\nY\n");
}

TEST_CASE("input: /proc and sysfs files are read to their end whatever --io says") {
  std::vector<std::string> files = {"/proc/version", "/proc/sys/kernel/ostype"};
  for (const char* sys : {"/sys/kernel/mm/transparent_hugepage/enabled", "/sys/kernel/profiling"}) {
    if (::access(sys, R_OK) == 0) files.emplace_back(sys);
  }
  for (const auto& file : files) {
    CAPTURE(file);
    const auto want = run_process({"/usr/bin/sha256sum", file});
    REQUIRE(want.exit_code == 0);
    REQUIRE(want.out.substr(0, 64) != kEmpty);
    for (const char* io : {"read", "mmap"}) {
      for (const char* strategy : {"seq", "channels"}) {
        CAPTURE(io, strategy);
        const auto r = run_process({kConc, "hash", "--io", io, "-s", strategy, file});
        CHECK(r.err == "");
        CHECK(r.exit_code == 0);
        CHECK(r.out == want.out);
      }
    }
    // wordcount splits sized files into ranges; these are read as streams.
    TempDir dir;
    const auto copy = dir.write("copy", slurp(file));
    const auto direct = run_process({kConc, "wordcount", "--chunk-size", "4", "--format", "tsv", file});
    const auto copied = run_process({kConc, "wordcount", "--chunk-size", "4", "--format", "tsv", copy});
    CHECK(direct.exit_code == 0);
    CHECK(direct.err == "");
    CHECK(direct.out == copied.out);
  }
}

TEST_CASE("input: --files0-from reads names as a stream") {
  TempDir dir;
  const auto a = dir.write("a", "abc");
  SECTION("a name '-' is rejected when the names come from stdin, as GNU does") {
    const auto r = run_process({kConc, "hash", "--files0-from", "-"}, a + std::string("\0-\0", 3));
    CHECK(r.exit_code == 1);
    CHECK(r.out == kAbc + "  " + a + "\n");
    CHECK(r.err == "conc hash: when reading file names from standard input, no file name of '-' allowed\n");
  }
  SECTION("a name '-' in a file of names is stdin") {
    const auto list = dir.write("list", std::string("-\0", 2));
    const auto r = run_process({kConc, "hash", "--files0-from", list}, "abc");
    CHECK(r.exit_code == 0);
    CHECK(r.out == kAbc + "  -\n");
  }
  SECTION("/dev/zero: endless empty names, reported as they come, and SIGINT ends it") {
    const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    TempDir logs;
    Running conc({kConc, "hash", "--files0-from", "/dev/zero"}, null_fd, logs);
    conc.wait_for_handler(SIGINT);
    conc.signal(SIGINT);
    CHECK(conc.wait() == 130);
    // Reported at once, one line per name, not after the (endless) list.
    CHECK(conc.err_head(200).rfind("conc hash: /dev/zero: entry 1: invalid zero-length file name\n", 0) == 0);
    ::close(null_fd);
  }
}

TEST_CASE("input: /dev/zero is one endless line to the line readers: an error, memory bounded, the next input read") {
  TempDir dir;
  const auto a = dir.write("a", "alpha");
  SECTION("hash -c: checksum lines are at most 1M") {
    // The check file after /dev/zero is still verified; sha256sum's line format.
    const auto sums =
        dir.write("SUMS", "8ed3f6ad685b959ead7022518e1af76cd816f8e8ec7ccdda1ed4018e8f2223f8  " + a + "\n");
    const auto r = run_process({kConc, "hash", "-c", "/dev/zero", sums});
    CHECK(r.exit_code == 1);
    CHECK(r.out == a + ": OK\n");
    CHECK(r.err == "conc hash: /dev/zero:1: line longer than 1M\n");
  }
  SECTION("wordcount --merge: word<TAB>count lines are at most 1M") {
    const auto counts = dir.write("counts", "w\t3\n");
    const auto r = run_process({kConc, "wordcount", "--merge", "/dev/zero", counts});
    CHECK(r.exit_code == 1);
    CHECK(r.out == "w 3\n");
    CHECK(r.err == "conc wordcount: /dev/zero:1: line longer than 1M\n");
  }
  SECTION("wordcount --split ws: /dev/zero is one endless word, at most 64M") {
    const auto words = dir.write("words", "w w\n");
    // 64M of /dev/zero through the tokenizer: minutes under a sanitizer on a busy machine.
    const auto r = run_process({kConc, "wordcount", "--split", "ws", "/dev/zero", words}, "", 300);
    CHECK(r.exit_code == 1);
    CHECK(r.out == "w 2\n");
    CHECK(r.err == "conc wordcount: /dev/zero: word at byte 0 longer than 64M: rest of the input skipped\n");
  }
  SECTION("wordcount: /dev/zero is endless separators to the default tokenizer: SIGINT ends it") {
    const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    CHECK(exit_code_after_signal({kConc, "wordcount", "/dev/zero"}, null_fd) == 130);
    ::close(null_fd);
  }
}

TEST_CASE("input: pipeline --max-line") {
  SECTION("a longer line is an error naming the input and the line; the lines before it are written") {
    const auto r = run_process({kConc, "pipeline", "-e", "upper", "--max-line", "3"}, "ab\nabcd\nx\n");
    CHECK(r.exit_code == 1);
    CHECK(r.out == "AB\n");
    CHECK(r.err == "conc pipeline: -: line 2 is longer than the line limit (3 bytes)\n");
  }
  SECTION("a line of exactly the limit is fine, and so is the last line without its newline") {
    const auto r = run_process({kConc, "pipeline", "-e", "upper", "--max-line", "3"}, "abc\nxyz");
    CHECK(r.exit_code == 0);
    CHECK(r.out == "ABC\nXYZ");
  }
  SECTION("/dev/zero is one endless line: an error, and the next input is still read") {
    TempDir dir;
    const auto next = dir.write("next", "ok\n");
    const auto r = run_process({kConc, "pipeline", "-e", "upper", "--max-line", "1M", "/dev/zero", next});
    CHECK(r.exit_code == 1);
    CHECK(r.out == "OK\n");
    CHECK(r.err == "conc pipeline: /dev/zero: line 1 is longer than the line limit (1048576 bytes)\n");
  }
  SECTION("SIGINT ends a read of /dev/zero under the default limit") {
    const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    CHECK(exit_code_after_signal({kConc, "pipeline", "-e", "upper", "/dev/zero"}, null_fd) == 130);
    ::close(null_fd);
  }
  SECTION("the range is stated and enforced") {
    for (const char* bad : {"0", "-1", "65G", "x"}) {
      CAPTURE(bad);
      // No input: a usage error exits before reading it (a write to it could die of SIGPIPE).
      const auto r = run_process({kConc, "pipeline", "-e", "upper", "--max-line", bad});
      CHECK(r.exit_code == 2);
      CHECK(r.err.find("from 1 to 64G") != std::string::npos);
    }
  }
}

TEST_CASE("input: SIGINT ends a run whose -o or --stats-json is a FIFO no reader has opened") {
  TempDir dir;
  const auto fifo = make_fifo(dir);
  const auto a = dir.write("a.txt", "a\n");
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  CHECK(exit_code_after_signal({kConc, "hash", "-o", fifo, a}, null_fd) == 130);
  CHECK(exit_code_after_signal({kConc, "wordcount", "--stats-json", fifo, a}, null_fd) == 130);
  CHECK(exit_code_after_signal({kConc, "hash", "-o", fifo, a}, null_fd, SIGHUP) == 130);
  ::close(null_fd);
  CHECK(std::filesystem::is_fifo(fifo));
}

TEST_CASE("input: -o onto a FIFO waits for a reader that comes late, then writes to it") {
  TempDir dir;
  const auto fifo = make_fifo(dir);
  const auto a = dir.write("a.txt", "a\n");
  const auto r = run_process(
      {"/bin/bash", "-c",
       "'" + kConc + "' hash -o '" + fifo + "' '" + a + "' & sleep 0.3; cat '" + fifo + "'; wait $!; echo $?"});
  CHECK(r.out == "87428fc522803d31065e7bce3cf03fe475096631e5e07bbd7a0fde60c4cf25c7  " + a + "\n0\n");
}
