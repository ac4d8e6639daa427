// conc hash end to end: interchangeable with sha256sum and friends, every
// strategy identical, check mode as coreutils, bad input and exit codes.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "process.h"
#include "strategy_names.h"
#include "temp_dir.h"

using conc::test::args;
using conc::test::run_process;
using conc::test::slurp;
using conc::test::TempDir;

namespace {

const std::string kConc = CONC_BINARY;
const std::string kAbc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

// A tree with awkward names; returns them in the walk's order (sorted by bytes).
std::vector<std::string> awkward_tree(const TempDir& dir) {
  const std::vector<std::string> names = {"-leading dash", "back\\slash", "cr\rname",
                                          "empty",         "new\nline",   "plain.txt",
                                          "sub/deeper/x",  "sub/y z",     "\xc3\xa9t\xc3\xa9.txt"};
  for (std::size_t i = 0; i < names.size(); ++i) {
    (void)dir.write("tree/" + names[i],
                    names[i] == "empty" ? "" : std::string(i * 1000 + 1, static_cast<char>('a' + i)));
  }
  std::vector<std::string> paths;
  for (const auto& n : names) paths.push_back((dir.path / "tree" / n).string());
  return paths;
}

}  // namespace

TEST_CASE("hash output is byte-identical to sha256sum, md5sum and sha512sum on awkward names") {
  TempDir dir;
  const auto paths = awkward_tree(dir);
  const std::string tree = (dir.path / "tree").string();
  for (const auto& [algo, tool] :
       {std::pair{"sha256", "sha256sum"}, std::pair{"md5", "md5sum"}, std::pair{"sha512", "sha512sum"}}) {
    const auto expected = run_process(args({std::string("/usr/bin/") + tool, "--"}, paths));
    REQUIRE(expected.exit_code == 0);
    const auto tagged = run_process(args({std::string("/usr/bin/") + tool, "--tag", "--"}, paths));
    INFO(algo);
    CHECK(run_process({kConc, "hash", "-a", algo, tree}).out == expected.out);
    CHECK(run_process(args({kConc, "hash", "-a", algo, "--"}, paths)).out == expected.out);
    CHECK(run_process({kConc, "hash", "-a", algo, "--tag", tree}).out == tagged.out);
    CHECK(run_process(args({std::string("/usr/bin/") + tool, "-z", "--"}, paths)).out ==
          run_process({kConc, "hash", "-a", algo, "-z", tree}).out);
  }
}

TEST_CASE("every strategy, thread count and I/O mode prints the same bytes") {
  TempDir dir;
  (void)awkward_tree(dir);
  (void)dir.write("tree/big", std::string(3 << 20, 'q'));
  const std::string tree = (dir.path / "tree").string();
  const auto reference = run_process({kConc, "hash", "-s", "seq", tree});
  REQUIRE(reference.exit_code == 0);
  for (const std::string& strategy : conc::test::hash_strategies()) {
    for (const char* threads : {"1", "2", "3", "8"}) {
      for (const char* io : {"read", "mmap"}) {
        const auto r =
            run_process({kConc, "hash", "-s", strategy, "-j", threads, "--io", io, "--block-size", "64K", tree});
        INFO(strategy << " -j " << threads << " --io " << io);
        CHECK(r.exit_code == 0);
        CHECK(r.out == reference.out);
        CHECK(r.err.empty());
      }
    }
  }
}

TEST_CASE("sha256sum -c accepts conc's output, conc hash -c accepts sha256sum's, a tampered file FAILS") {
  TempDir dir;
  const auto paths = awkward_tree(dir);
  const std::string tree = (dir.path / "tree").string();
  const auto ours = dir.write("ours.sha256", run_process({kConc, "hash", tree}).out);
  const auto ours_tag = dir.write("ours-tag.sha256", run_process({kConc, "hash", "--tag", tree}).out);
  for (const auto& file : {ours, ours_tag}) {
    const auto r = run_process({"/usr/bin/sha256sum", "-c", "--strict", file});
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
  }
  const auto theirs = dir.write("theirs", run_process(args({"/usr/bin/sha256sum", "--"}, paths)).out);
  const auto theirs_tag = dir.write("theirs-tag", run_process(args({"/usr/bin/sha256sum", "--tag", "--"}, paths)).out);
  const auto expected = run_process({"/usr/bin/sha256sum", "-c", theirs});
  for (const auto& file : {theirs, theirs_tag}) {
    const auto r = run_process({kConc, "hash", "-c", "--strict", file});
    CHECK(r.exit_code == 0);
    CHECK(r.out == expected.out);  // "NAME: OK" lines, odd names escaped as coreutils does
    CHECK(r.err.empty());
  }
  (void)dir.write("tree/plain.txt", "tampered");
  const auto r = run_process({kConc, "hash", "-c", theirs});
  const auto gnu = run_process({"/usr/bin/sha256sum", "-c", theirs});
  CHECK(r.exit_code == 1);
  CHECK(r.out == gnu.out);
  CHECK(r.out.find(paths[5] + ": FAILED\n") != std::string::npos);
  CHECK(r.err == "conc hash: WARNING: 1 computed checksum did NOT match\n");
}

TEST_CASE("check mode: --quiet, --status, --warn, --strict, --ignore-missing and their exit codes") {
  TempDir dir;
  const auto a = dir.write("a", "abc");
  const auto missing = (dir.path / "missing").string();
  const auto sums = dir.write("sums", kAbc + "  " + a + "\r\n" + "not a checksum line\n");
  auto r = run_process({kConc, "hash", "-c", sums});
  CHECK(r.exit_code == 0);
  CHECK(r.out == a + ": OK\n");
  CHECK(r.err == "conc hash: WARNING: 1 line is improperly formatted\n");
  r = run_process({kConc, "hash", "-c", "--strict", sums});
  CHECK(r.exit_code == 1);
  r = run_process({kConc, "hash", "-c", "-w", sums});
  CHECK(r.err == "conc hash: " + sums +
                     ": 2: improperly formatted SHA256 checksum line\n"
                     "conc hash: WARNING: 1 line is improperly formatted\n");
  CHECK(run_process({kConc, "hash", "-c", "--quiet", sums}).out.empty());

  const auto with_missing = dir.write("sums2", kAbc + "  " + missing + "\n" + kAbc + "  " + a + "\n");
  r = run_process({kConc, "hash", "-c", with_missing});
  CHECK(r.exit_code == 1);
  CHECK(r.out == missing + ": FAILED open or read\n" + a + ": OK\n");
  CHECK(r.err == "conc hash: " + missing +
                     ": No such file or directory\n"
                     "conc hash: WARNING: 1 listed file could not be read\n");
  r = run_process({kConc, "hash", "-c", "--status", with_missing});
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err == "conc hash: " + missing + ": No such file or directory\n");
  r = run_process({kConc, "hash", "-c", "--ignore-missing", with_missing});
  CHECK(r.exit_code == 0);
  CHECK(r.out == a + ": OK\n");
  CHECK(r.err.empty());
  // The check file on stdin.
  r = run_process({kConc, "hash", "-c"}, kAbc + "  " + a + "\n");
  CHECK(r.exit_code == 0);
  CHECK(r.out == a + ": OK\n");
  r = run_process({kConc, "hash", "-c", "--status"}, std::string(64, '0') + "  " + a + "\n");
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err.empty());
}

TEST_CASE("check mode: --report-new lists unlisted files and fails the run") {
  TempDir dir;
  (void)dir.write("t/a", "1");
  (void)dir.write("t/b", "2");
  const std::string t = (dir.path / "t").string();
  const auto sums = dir.write("sums", run_process({kConc, "hash", t + "/a"}).out);
  const auto r = run_process({kConc, "hash", "-c", sums, "--report-new", t});
  CHECK(r.exit_code == 1);
  CHECK(r.out == t + "/a: OK\n" + t + "/b: NEW\n");
  CHECK(r.err == "conc hash: WARNING: 1 file is not listed in the checksum files\n");
}

TEST_CASE("hash: bad input is reported, the rest still hashed, exit 1") {
  TempDir dir;
  const auto a = dir.write("a", "abc");
  const auto missing = (dir.path / "missing").string();
  auto r = run_process({kConc, "hash", missing, a, "-j", "2"});
  CHECK(r.exit_code == 1);
  CHECK(r.out == kAbc + "  " + a + "\n");
  CHECK(r.err == "conc hash: " + missing + ": No such file or directory\n");

  const auto locked = dir.write("locked", "secret");
  ::chmod(locked.c_str(), 0);
  if (::geteuid() != 0) {  // root reads anything
    r = run_process({kConc, "hash", locked});
    CHECK(r.exit_code == 1);
    CHECK(r.err == "conc hash: " + locked + ": Permission denied\n");
  }

  (void)dir.write("tree/f", "abc");
  REQUIRE(::mkfifo((dir.path / "tree" / "fifo").c_str(), 0600) == 0);
  std::filesystem::create_directory_symlink("..", dir.path / "tree" / "up");
  r = run_process({kConc, "hash", (dir.path / "tree").string()});
  CHECK(r.exit_code == 0);  // a FIFO in a walk is a warning; a link is not followed without -L
  CHECK(r.out == kAbc + "  " + (dir.path / "tree" / "f").string() + "\n");
  CHECK(r.err == "conc hash: " + (dir.path / "tree" / "fifo").string() + ": not a regular file, skipped\n");
  r = run_process({kConc, "hash", "-L", (dir.path / "tree").string()}, "", 30);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find(": directory loop (already being walked), skipped\n") != std::string::npos);
}

TEST_CASE("hash: walk options --exclude, --files0-from, --one-file-system") {
  TempDir dir;
  (void)dir.write("t/keep.c", "abc");
  (void)dir.write("t/skip.o", "x");
  (void)dir.write("t/build/keep.c", "y");
  const std::string t = (dir.path / "t").string();
  auto r = run_process({kConc, "hash", "--exclude", "*.o", "--exclude", "build", t});
  CHECK(r.out == kAbc + "  " + t + "/keep.c\n");
  r = run_process({kConc, "hash", "--exclude", "*/build/*", t});
  CHECK(r.out.find("build") == std::string::npos);
  CHECK(r.out.find("skip.o") != std::string::npos);

  const std::string list = t + "/keep.c" + std::string(1, '\0') + std::string(1, '\0') + t + "/skip.o";
  r = run_process({kConc, "hash", "--files0-from", "-"}, list);
  CHECK(r.exit_code == 1);
  CHECK(r.out == kAbc + "  " + t + "/keep.c\n" + run_process({"/usr/bin/sha256sum", t + "/skip.o"}).out);
  CHECK(r.err == "conc hash: -: entry 2: invalid zero-length file name\n");
  CHECK(run_process({kConc, "hash", "--files0-from", "-", t}).exit_code == 2);

  // Everything here is on one file system: the flag changes nothing.
  CHECK(run_process({kConc, "hash", "--one-file-system", t}).out == run_process({kConc, "hash", t}).out);
}

TEST_CASE("hash: stdin, empty input, every algorithm and the json formats") {
  CHECK(run_process({kConc, "hash"}, "abc").out == kAbc + "  -\n");
  CHECK(run_process({kConc, "hash", "-"}, "").out ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  -\n");
  CHECK(run_process({kConc, "hash", "-a", "xxh3", "--tag"}, "abc").out == "XXH3 (-) = 78af5f94892f3950\n");
  CHECK(run_process({kConc, "hash", "-a", "blake2b"}, "abc").out ==
        "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf192"
        "5ab92386edd4009923  -\n");
  TempDir dir;
  const auto a = dir.write("a", "abc");
  CHECK(run_process({kConc, "hash", "--format", "jsonl", a, a}).out ==
        "{\"path\":\"" + a + "\",\"algo\":\"sha256\",\"digest\":\"" + kAbc +
            "\",\"size\":3}\n"
            "{\"path\":\"" +
            a + "\",\"algo\":\"sha256\",\"digest\":\"" + kAbc + "\",\"size\":3}\n");
  CHECK(run_process({kConc, "hash", "--format", "json", a}).out ==
        "[\n  {\"path\":\"" + a + "\",\"algo\":\"sha256\",\"digest\":\"" + kAbc + "\",\"size\":3}\n]\n");
  CHECK(run_process({kConc, "hash", "--format", "json", (dir.path / "none").string()}).out == "[]\n");
  const auto help = run_process({kConc, "hash", "--algo", "help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.rfind("sha256    SHA-256", 0) == 0);
  CHECK(std::count(help.out.begin(), help.out.end(), '\n') == 12);
}

TEST_CASE("hash: usage errors exit 2 with one line") {
  const auto expect_usage = [](const std::vector<std::string>& argv, const std::string& message) {
    const auto r = run_process(argv);
    INFO(message);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find(message) != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  };
  expect_usage({kConc, "hash", "-a", "crc32"}, "conc hash: --algo: unknown algorithm 'crc32'");
  expect_usage({kConc, "hash", "-c", "--tag"}, "the --tag option is meaningless when verifying checksums");
  expect_usage({kConc, "hash", "-c", "-z"}, "the --zero option is not supported when verifying checksums");
  expect_usage({kConc, "hash", "--status"}, "the --status option is meaningful only when verifying checksums");
  expect_usage({kConc, "hash", "--ignore-missing"}, "meaningful only when verifying checksums");
  expect_usage({kConc, "hash", "--report-new", "."}, "meaningful only when verifying checksums");
  expect_usage({kConc, "hash", "-c", "--format", "json"}, "--format json is not supported when verifying checksums");
  expect_usage({kConc, "hash", "--io", "splice"}, "--io");
  expect_usage({kConc, "hash", "--block-size", "lots"}, "--block-size");
  expect_usage({kConc, "hash", "-s", "actor"}, "actor");
}

TEST_CASE("hash --stats-json: every strategy names its executor by its own name, without -j every core") {
  TempDir dir;
  const auto a = dir.write("a", "abc");
  const std::string stats = (dir.path / "stats.json").string();
  const auto cores = std::to_string(std::max(1u, std::thread::hardware_concurrency()));
  for (const std::string& s : conc::test::hash_strategies()) {
    CAPTURE(s);
    const auto r = run_process({kConc, "hash", "--stats-json", stats, "-s", s, a});
    CHECK(r.exit_code == 0);
    CHECK(r.out == kAbc + "  " + a + "\n");
    const std::string json = slurp(stats);
    CHECK(json.find("\"strategy\":\"" + s + "\",\"threads\":" + cores + ",") != std::string::npos);
    CHECK(json.find("\"executor\":\"" + s + "\"") != std::string::npos);
  }
}

TEST_CASE("hash -o writes the file whole, --stats names the strategy's channels") {
  TempDir dir;
  const auto a = dir.write("a", "abc");
  const auto out = (dir.path / "SUMS").string();
  auto r = run_process({kConc, "hash", "-o", out, a});
  CHECK(r.exit_code == 0);
  CHECK(slurp(out) == kAbc + "  " + a + "\n");
  // One file: one reader and one hasher whatever -j (issue 11, 10).
  r = run_process({kConc, "hash", "-s", "channels", "-j", "2", "--stats", a});
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("blocks to hasher 0") != std::string::npos);
  CHECK(r.err.find("blocks to hasher 1") == std::string::npos);
  CHECK(r.err.find("free buffers") != std::string::npos);
  CHECK(r.err.find("reader threads: 1\n") != std::string::npos);
  CHECK(r.err.find("hasher threads: 1\n") != std::string::npos);
}

TEST_CASE("hash: SIGTERM stops every strategy, exit 130, no output file left") {
  for (const std::string& strategy : conc::test::hash_strategies()) {
    TempDir dir;
    TempDir fifo_dir;
    const auto a = fifo_dir.write("a", "abc");
    const std::string out = (dir.path / "never.txt").string();
    const std::string fifo = (fifo_dir.path / "in").string();
    // stdin is a FIFO that the shell holds open and never writes: only the
    // signal can end the run.
    const auto r = run_process({"/bin/bash", "-c",
                                "mkfifo '" + fifo + "'; exec 3<>'" + fifo + "'; '" + kConc + "' hash -s " + strategy +
                                    " -j 2 -o '" + out + "' '" + a + "' - <'" + fifo +
                                    "' & pid=$!; "
                                    // Wait (at most 10 s) until conc catches SIGTERM (bit 15 of SigCgt).
                                    "for i in $(seq 200); do m=$(awk '/SigCgt/{print $2}' /proc/$pid/status); "
                                    "(( 0x$m & 0x4000 )) && break; sleep 0.05; done; sleep 0.2; "
                                    "kill -TERM $pid; wait $pid; echo $?"},
                               "", 30);
    INFO(strategy);
    CHECK(r.out == "130\n");
    CHECK(r.err == "conc hash: interrupted\n");
    CHECK(std::distance(std::filesystem::directory_iterator(dir.path), std::filesystem::directory_iterator()) == 0);
  }
}

TEST_CASE("hash | head -1 ends quietly, whatever the strategy") {
  TempDir dir;
  for (int i = 0; i < 3000; ++i) (void)dir.write("t/f" + std::to_string(i), std::to_string(i));
  const std::string t = (dir.path / "t").string();
  for (const std::string& strategy : conc::test::hash_strategies()) {
    const auto r = run_process(
        {"/bin/bash", "-c", "'" + kConc + "' hash -s " + strategy + " '" + t + "' | head -1; echo ${PIPESTATUS[0]}"});
    INFO(strategy);
    CHECK(r.out.size() == 64 + 2 + t.size() + 3 + 1 + 2);  // one line for t/f0, then "0\n"
    CHECK(r.out.substr(r.out.find('\n') + 1) == "0\n");
    CHECK(r.err.empty());
  }
}

TEST_CASE("hash --strategy help lists the four designs, steal the default") {
  const auto r = run_process({kConc, "hash", "--strategy", "help"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("steal  files biggest first, split recursively over the WorkStealingPool (a BLAKE3 file into "
                    "subtrees too) (default)\n",
                    0) == 0);
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 4);
  for (const char* s : {"\npool  one task per file", "\nchannels  -j readers stream blocks", "\nseq  one thread"}) {
    CHECK(r.out.find(s) != std::string::npos);
  }
  const auto top = run_process({kConc, "--help"});
  CHECK(top.out.find("  hash ") != std::string::npos);
  CHECK(top.out.find("conc hash src/ > SHA256SUMS") != std::string::npos);
}

TEST_CASE("xxhsum -c and b2sum -c accept conc's lines") {
  TempDir dir;
  const auto paths = awkward_tree(dir);
  const std::vector<std::string> plain = {paths[0], paths[3], paths[5], paths[7]};  // names xxhsum need not escape
  for (const char* algo : {"xxh64", "xxh3", "xxh128"}) {
    const auto sums =
        dir.write(std::string(algo) + ".sum", run_process(args({kConc, "hash", "--tag", "-a", algo, "--"}, plain)).out);
    const auto r = run_process({"/usr/bin/xxhsum", "-c", sums});
    INFO(algo);
    CHECK(r.exit_code == 0);
    CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 4);
  }
  const auto b2 = dir.write("b2.sum", run_process({kConc, "hash", "-a", "blake2b", (dir.path / "tree").string()}).out);
  const auto r = run_process({"/usr/bin/b2sum", "-c", "--strict", b2});
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
}

TEST_CASE("hash json: names that are not UTF-8 stay apart (base64 bytes)") {
  TempDir dir;
  const auto ff = dir.write("x\xFF", "abc");
  const auto fe = dir.write("x\xFE", "abc");
  const auto out = run_process({kConc, "hash", "--format", "jsonl", ff, fe}).out;
  // The whole path is not UTF-8, so the whole path is base64: decode-free check on the tail.
  CHECK(out.find("{\"path\":{\"bytes\":\"") == 0);
  CHECK(out.find("\\ufffd") == std::string::npos);
  const auto first = out.substr(0, out.find('\n'));
  const auto second = out.substr(out.find('\n') + 1);
  CHECK(first.substr(0, first.find("\"algo\"")) != second.substr(0, second.find("\"algo\"")));
}
