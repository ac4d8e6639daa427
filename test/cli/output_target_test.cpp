// What -o and --stats-json do to what they replace (issue 11 §A) and how
// write errors are reported (§F): devices, FIFOs and symlinks, permission
// bits and owners, long names, walks over the output's own directory,
// signals, unwritable directories, full disks.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "process.h"
#include "temp_dir.h"

namespace fs = std::filesystem;

using conc::test::run_process;
using conc::test::slurp;
using conc::test::TempDir;

namespace {

const std::string kConc = CONC_BINARY;
// sha256 of "a\n".
const std::string kShaA = "87428fc522803d31065e7bce3cf03fe475096631e5e07bbd7a0fde60c4cf25c7";

std::vector<std::string> names(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

struct stat stat_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::lstat(p.c_str(), &st) == 0);
  return st;
}

// A device node with the numbers of /dev/null (1,3) or /dev/full (1,7), in a
// temporary directory: the system's own are never the target.
fs::path device(const TempDir& dir, const std::string& name, unsigned minor) {
  const fs::path p = dir.path / name;
  REQUIRE(::mknod(p.c_str(), S_IFCHR | 0666, makedev(1, minor)) == 0);
  return p;
}

// Runs `script` in bash once conc (started by it as `$pid`) has its signal
// handlers installed (SigCgt bit `mask`), as the interrupt tests do.
std::string wait_for_handler(const std::string& mask) {
  return "for i in $(seq 200); do m=$(awk '/SigCgt/{print $2}' /proc/$pid/status); "
         "(( 0x$m & " +
         mask + " )) && break; sleep 0.05; done; sleep 0.2; ";
}

}  // namespace

TEST_CASE("output: -o onto a character device writes to it in place, never replaces it") {
  TempDir dir;
  const std::string a = dir.write("in/a.txt", "a\n");
  const fs::path null = device(dir, "null", 3);
  const fs::path full = device(dir, "full", 7);
  for (const std::string sub : {"hash", "wordcount"}) {
    const auto ok = run_process({kConc, sub, "-o", null.string(), a});
    CHECK(ok.exit_code == 0);
    CHECK(ok.err.empty());
    const auto bad = run_process({kConc, sub, "-o", full.string(), a});
    CHECK(bad.exit_code == 1);
    CHECK(bad.err == "conc " + sub + ": " + full.string() + ": No space left on device\n");
    // --stats-json follows the same rules.
    CHECK(run_process({kConc, sub, "--stats-json", null.string(), a}).exit_code == 0);
    const auto stats_full = run_process({kConc, sub, "--stats-json", full.string(), a});
    CHECK(stats_full.exit_code == 1);
    CHECK(stats_full.err == "conc " + sub + ": --stats-json: " + full.string() + ": No space left on device\n");
  }
  for (const auto& p : {null, full}) {
    const auto st = stat_of(p);
    CHECK(S_ISCHR(st.st_mode));
    CHECK(major(st.st_rdev) == 1);
  }
  CHECK(minor(stat_of(null).st_rdev) == 3);
  CHECK(minor(stat_of(full).st_rdev) == 7);
  CHECK(names(dir.path) == std::vector<std::string>{"full", "in", "null"});  // no temporary left
}

TEST_CASE("output: -o onto a socket fails without replacing it") {
  TempDir dir;
  const std::string a = dir.write("a.txt", "a\n");
  const fs::path sock = dir.path / "sock";
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  REQUIRE(sock.string().size() < sizeof addr.sun_path);
  std::strcpy(addr.sun_path, sock.c_str());
  REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
  const auto r = run_process({kConc, "hash", "-o", sock.string(), a});
  ::close(fd);
  CHECK(r.exit_code == 1);
  CHECK(r.err == "conc hash: " + sock.string() + ": No such device or address\n");  // open(2) of a socket: ENXIO
  CHECK(S_ISSOCK(stat_of(sock).st_mode));
  CHECK(names(dir.path) == std::vector<std::string>{"a.txt", "sock"});
}

TEST_CASE("output: -o onto a FIFO writes to its reader, and the FIFO stays") {
  TempDir dir;
  const std::string a = dir.write("a.txt", "a\n");
  const fs::path fifo = dir.path / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const auto r = run_process({"/bin/bash", "-c",
                              "cat '" + fifo.string() + "' & '" + kConc + "' hash -o '" + fifo.string() + "' '" + a +
                                  "'; rc=$?; wait; echo $rc"});  // cat's output first
  CHECK(r.out == kShaA + "  " + a + "\n0\n");
  CHECK(S_ISFIFO(stat_of(fifo).st_mode));
  CHECK(names(dir.path) == std::vector<std::string>{"a.txt", "fifo"});
}

TEST_CASE("output: -o through a chain of symlinks replaces the final target and keeps the links") {
  TempDir dir;
  const std::string a = dir.write("a.txt", "a\n");
  const std::string real = dir.write("data/real.txt", "old\n");
  fs::create_directory(dir.path / "links");
  fs::create_symlink("../data/real.txt", dir.path / "links" / "two");  // relative, from its own directory
  fs::create_symlink(dir.path / "links" / "two", dir.path / "one");    // absolute
  const auto r = run_process({kConc, "hash", "-o", (dir.path / "one").string(), a});
  CHECK(r.exit_code == 0);
  CHECK(slurp(real) == kShaA + "  " + a + "\n");
  CHECK(fs::is_symlink(dir.path / "one"));
  CHECK(fs::is_symlink(dir.path / "links" / "two"));
  CHECK(names(dir.path / "data") == std::vector<std::string>{"real.txt"});
  CHECK(names(dir.path / "links") == std::vector<std::string>{"two"});

  // A dangling link: its target is created, the link kept.
  fs::create_symlink("new.txt", dir.path / "data" / "dangling");
  REQUIRE(run_process({kConc, "hash", "-o", (dir.path / "data" / "dangling").string(), a}).exit_code == 0);
  CHECK(fs::is_symlink(dir.path / "data" / "dangling"));
  CHECK(slurp(dir.path / "data" / "new.txt") == kShaA + "  " + a + "\n");

  // A symlink to a device: the device is written in place.
  const fs::path full = device(dir, "full", 7);
  fs::create_symlink(full, dir.path / "to-full");
  const auto bad = run_process({kConc, "hash", "-o", (dir.path / "to-full").string(), a});
  CHECK(bad.exit_code == 1);
  CHECK(S_ISCHR(stat_of(full).st_mode));
}

TEST_CASE("a replaced file keeps its permission bits, owner and group") {
  TempDir dir;
  const std::string a = dir.write("a.txt", "a\n");
  const std::string secret = dir.write("secret.txt", "old\n");
  REQUIRE(::chmod(secret.c_str(), 0600) == 0);
  const bool root = ::geteuid() == 0;
  if (root) REQUIRE(::chown(secret.c_str(), 1234, 5678) == 0);
  const std::string odd = dir.write("odd.txt", "old\n");
  REQUIRE(::chmod(odd.c_str(), 0741) == 0);
  for (const auto& target : {secret, odd}) {
    REQUIRE(run_process({kConc, "hash", "-o", target, a}).exit_code == 0);
    REQUIRE(run_process({kConc, "wordcount", "--stats-json", target, a}).exit_code == 0);
  }
  CHECK((stat_of(secret).st_mode & 07777) == 0600);
  CHECK((stat_of(odd).st_mode & 07777) == 0741);
  if (root) {
    CHECK(stat_of(secret).st_uid == 1234);
    CHECK(stat_of(secret).st_gid == 5678);
  }
  // A new file gets 0666 less the umask, as the shell would make it.
  const std::string fresh = (dir.path / "new.txt").string();
  const auto r = run_process({"/bin/sh", "-c", "umask 027; '" + kConc + "' hash -o '" + fresh + "' '" + a + "'"});
  REQUIRE(r.exit_code == 0);
  CHECK((stat_of(dir.path / "new.txt").st_mode & 07777) == 0640);
}

TEST_CASE("output: -o with a 250-character name works: the temporary name is short") {
  TempDir dir;
  const std::string a = dir.write("a.txt", "a\n");
  const fs::path target = dir.path / std::string(250, 'n');
  const auto r = run_process({kConc, "hash", "-o", target.string(), a});
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(slurp(target) == kShaA + "  " + a + "\n");
  CHECK(names(dir.path).size() == 2);
}

TEST_CASE("hash -o DIR/SUMS DIR lists neither its temporary nor the old SUMS, and passes its own -c") {
  TempDir dir;
  const std::string a = dir.write("tree/a.txt", "a\n");
  const std::string sums = dir.write("tree/SUMS", "stale\n");
  const std::string stats = (dir.path / "tree" / "stats.json").string();
  const auto r = run_process({kConc, "hash", "-o", sums, "--stats-json", stats, (dir.path / "tree").string()});
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(slurp(sums) == kShaA + "  " + a + "\n");
  const auto check = run_process({kConc, "hash", "-c", sums});
  CHECK(check.exit_code == 0);
  CHECK(check.out == a + ": OK\n");
}

TEST_CASE("wordcount -o DIR/counts DIR counts neither its temporary, the old counts nor --stats-json") {
  TempDir dir;
  (void)dir.write("tree/a.txt", "a b a\n");
  const std::string counts = dir.write("tree/counts", "stale stale stale\n");
  const std::string stats = dir.write("tree/stats.json", "old old old old\n");
  const std::string tree = (dir.path / "tree").string();
  for (int run = 0; run < 2; ++run) {  // the second run meets the first one's output
    CAPTURE(run);
    const auto r = run_process({kConc, "wordcount", "-o", counts, "--stats-json", stats, tree});
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    CHECK(slurp(counts) == "a 2\nb 1\n");
  }
}

TEST_CASE("SIGHUP is handled like SIGTERM: exit 130, no temporary left") {
  TempDir dir;
  TempDir fifo_dir;
  const std::string out = (dir.path / "out.txt").string();
  const std::string fifo = (fifo_dir.path / "in").string();
  // stdin is a FIFO that the shell holds open and never writes: the run is
  // in progress, its temporary file made, until the signal.
  const auto r = run_process({"/bin/bash", "-c",
                              "mkfifo '" + fifo + "'; exec 3<>'" + fifo + "'; '" + kConc + "' pipeline -e upper -o '" +
                                  out + "' <'" + fifo + "' & pid=$!; " + wait_for_handler("0x1") +
                                  "kill -HUP $pid; wait $pid; echo $?"});
  CHECK(r.out == "130\n");
  CHECK(r.err == "conc pipeline: interrupted\n");
  CHECK(names(dir.path).empty());
}

TEST_CASE("SIGUSR1, SIGUSR2, SIGALRM and SIGXCPU still kill a run, but its temporary goes first") {
  // (Not SIGQUIT: bash starts background jobs with it ignored, and conc
  // leaves an ignored signal ignored.)
  for (const std::string sig : {"USR1", "USR2", "ALRM", "XCPU"}) {
    CAPTURE(sig);
    TempDir dir;
    TempDir fifo_dir;
    const std::string out = (dir.path / "out.txt").string();
    const std::string fifo = (fifo_dir.path / "in").string();
    const auto r = run_process({"/bin/bash", "-c",
                                "mkfifo '" + fifo + "'; exec 3<>'" + fifo + "'; '" + kConc +
                                    "' pipeline -e upper -o '" + out + "' <'" + fifo + "' & pid=$!; " +
                                    wait_for_handler("0x1") + "kill -" + sig + " $pid; wait $pid; kill -l $?"});
    CHECK(r.out == sig + "\n");  // died of that very signal: the default action ran
    CHECK(names(dir.path).empty());
  }
}

TEST_CASE("two SIGINTs 1 ms apart in the middle of a big write leave no temporary file") {
  for (const char* sub : {"pipeline -e upper", "wordcount"}) {
    TempDir dir;
    const std::string out = (dir.path / "out.txt").string();
    const std::string stats = (dir.path / "stats.json").string();
    // `yes` never ends: conc is reading and writing when the signals land.
    // The second one kills conc by SIGINT (the user insists), which bash
    // reports as 130 too; either way the temporaries must be gone.
    const auto r = run_process({"/bin/bash", "-c",
                                "yes 'some words here' | '" + kConc + "' " + sub + " -o '" + out + "' --stats-json '" +
                                    stats + "' & pid=$!; " + wait_for_handler("0x2") +
                                    "kill -INT $pid; sleep 0.001; kill -INT $pid; wait $pid; echo $?"});
    INFO(sub << ": " << r.err);
    CHECK(r.out == "130\n");
    CHECK(names(dir.path).empty());
  }
}

TEST_CASE("output: -o in a directory that is not writable says so") {
  TempDir dir;
  const std::string a = dir.write("a.txt", "a\n");
  const fs::path locked = dir.path / "locked";
  fs::create_directory(locked);
  // We may run as root, for whom permission bits do not stop anything: an
  // immutable directory stops root too.
  if (run_process({"/usr/bin/chattr", "+i", locked.string()}).exit_code != 0) {
    WARN("chattr +i not supported here: skipped");
    return;
  }
  const auto r = run_process({kConc, "hash", "-o", (locked / "out.txt").string(), a});
  run_process({"/usr/bin/chattr", "-i", locked.string()});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "conc hash: " + (locked / "out.txt").string() + ": directory '" + locked.string() +
                     "' is not writable (the output is written to a temporary file there first): "
                     "Operation not permitted\n");
  CHECK(names(locked).empty());
}

TEST_CASE("a write error on stdout names stdout, for results and for every text conc prints") {
  TempDir dir;
  const std::string a = dir.write("a.txt", "a\n");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"hash '" + a + "'", "conc hash"},
      {"wordcount '" + a + "'", "conc wordcount"},
      {"pipeline -e upper '" + a + "'", "conc pipeline"},
      {"--help", "conc"},
      {"--version", "conc"},
      {"hash --help", "conc"},
      {"hash --strategy help", "conc hash"},
      {"wordcount -s help", "conc wordcount"},
      {"hash --algo help", "conc hash"},
  };
  for (const auto& [args, who] : cases) {
    const auto r = run_process({"/bin/sh", "-c", "'" + kConc + "' " + args + " >/dev/full"});
    INFO(args);
    CHECK(r.exit_code == 1);
    CHECK(r.err == who + ": stdout: write error: No space left on device\n");
  }
}

TEST_CASE("hash --stats to a full stderr is exit 1") {
  TempDir dir;
  const std::string a = dir.write("a.txt", "a\n");
  const auto r = run_process({"/bin/sh", "-c", "'" + kConc + "' hash --stats '" + a + "' 2>/dev/full; echo $?"});
  CHECK(r.out == kShaA + "  " + a + "\n1\n");
}

TEST_CASE("output: -o /dev/stdout, /dev/fd/N and /proc/self/fd/N write to the descriptor the shell opened") {
  TempDir dir;
  const std::string a = dir.write("a.txt", "a\n");
  const std::string line = kShaA + "  " + a + "\n";
  const std::string log = dir.write("log", "old\n");
  const auto sh = [&](const std::string& script) { return run_process({"/bin/bash", "-c", script}); };
  const std::string conc = "'" + kConc + "' hash '" + a + "' -o ";
  // Into a pipe: /proc/self/fd/1 is a magic link to "pipe:[N]", no path to walk to.
  for (const std::string target : {"/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"}) {
    CAPTURE(target);
    const auto r = sh(conc + target + " | cat");
    CHECK(r.exit_code == 0);
    CHECK(r.out == line);
  }
  // Appended with >>: the user's file keeps what it had, nothing is renamed over it.
  CHECK(sh(conc + "/dev/stdout >> '" + log + "'").exit_code == 0);
  CHECK(sh(conc + "/dev/fd/3 3>> '" + log + "'").exit_code == 0);
  CHECK(slurp(log) == "old\n" + line + line);
  // Through a symlink of the user's own to /dev/stderr.
  fs::create_symlink("/dev/stderr", dir.path / "err");
  const auto r = sh(conc + "'" + (dir.path / "err").string() + "' 2>&1 >/dev/null");
  CHECK(r.out == line);
  CHECK(fs::is_symlink(dir.path / "err"));
  CHECK(names(dir.path) == std::vector<std::string>{"a.txt", "err", "log"});
  // A descriptor that is not open is an error naming the path, and nothing is made.
  const auto bad = sh(conc + "/dev/fd/9");
  CHECK(bad.exit_code == 1);
  CHECK(bad.err == "conc hash: /dev/fd/9: Bad file descriptor\n");
}

TEST_CASE("output: -o /dev/stdout into a pipe that closes early ends quietly, as stdout does") {
  const auto r = run_process(
      {"/bin/bash", "-c", "yes | '" + kConc + "' pipeline -e upper -o /dev/stdout | head -c 5; exit ${PIPESTATUS[1]}"});
  CHECK(r.out == "Y\nY\nY");
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
}

TEST_CASE("started with standard input or output closed, conc never reads or writes its own files in their place") {
  TempDir dir;
  const auto a = dir.write("a", "a\n");
  const auto out = (dir.path / "out").string();
  const auto stats = (dir.path / "stats.json").string();
  const auto sh = [&](const std::string& command) { return run_process({"/bin/sh", "-c", command}); };
  // Standard input: "-" fails as a closed descriptor, not read from -o's temporary.
  auto r = sh("'" + kConc + "' hash -o '" + out + "' - '" + a + "' <&-");
  CHECK(r.exit_code == 1);
  CHECK(r.err == "conc hash: -: Bad file descriptor\n");
  CHECK(slurp(out) == kShaA + "  " + a + "\n");
  // Standard output: the results are a write error, never written into --stats-json.
  r = sh("'" + kConc + "' hash --stats-json '" + stats + "' '" + a + "' >&-");
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("conc hash: stdout: write error: Bad file descriptor") != std::string::npos);
  CHECK(slurp(stats).rfind("{\"command\":\"hash\"", 0) == 0);
  // Standard error closed too: the exit status still tells.
  r = sh("'" + kConc + "' hash - <&- 2>&-");
  CHECK(r.exit_code == 1);
}
