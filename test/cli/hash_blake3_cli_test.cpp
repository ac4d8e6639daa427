// conc hash -a blake3 end to end: b3sum's bytes in every mode, strategy and
// thread count, check files both ways, and the key and length rules.
#include <catch2/catch.hpp>
#include <string>
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
const std::string kB3sum = "/usr/bin/b3sum";
const std::string kKey = "whats the Elvish word for friend";  // 32 bytes: the official vectors' key

// Files whose names b3sum prints as coreutils does (UTF-8, no carriage
// return), small and big enough to be split, in the walk's (byte) order.
std::vector<std::string> b3_tree(const TempDir& dir) {
  const std::vector<std::pair<std::string, std::size_t>> files = {
      {"back\\slash", 1000}, {"big", (3 << 20) + 517}, {"empty", 0},
      {"new\nline", 1025},   {"sub/y z", 64 * 1024},   {"\xc3\xa9t\xc3\xa9.txt", 7},
  };
  std::vector<std::string> paths;
  for (const auto& [name, size] : files) {
    std::string bytes(size, '\0');
    for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 7 + name.size()) % 251);
    paths.push_back(dir.write("tree/" + name, bytes));
  }
  return paths;
}

}  // namespace

TEST_CASE("hash -a blake3 prints b3sum's bytes in every mode, at every output length") {
  TempDir dir;
  const auto paths = b3_tree(dir);
  const std::string tree = (dir.path / "tree").string();
  const std::vector<std::vector<std::string>> modes = {
      {}, {"--length", "64"}, {"-l", "1"}, {"--keyed"}, {"--keyed", "--length", "100"}, {"--derive-key", "conc test"}};
  for (const auto& mode : modes) {
    const bool keyed = mode.size() > 0 && mode[0] == "--keyed";
    const std::string key = keyed ? kKey : "";
    const auto expected = run_process(args(args({kB3sum}, mode), args({"--"}, paths)), key);
    REQUIRE(expected.exit_code == 0);
    for (const char* threads : {"1", "2"}) {
      const auto r = run_process(args({kConc, "hash", "-a", "blake3", "-j", threads}, args(mode, {tree})), key);
      INFO((mode.empty() ? "plain" : mode[0]) << " -j " << threads);
      CHECK(r.exit_code == 0);
      CHECK(r.err.empty());
      CHECK(r.out == expected.out);
    }
  }
  // The tag form, a conc extension: BLAKE3 (NAME) = HEX.
  const auto tagged = run_process({kConc, "hash", "-a", "blake3", "--tag", paths[5]});
  CHECK(tagged.out ==
        "BLAKE3 (" + paths[5] + ") = " + run_process({kB3sum, "--no-names", paths[5]}).out.substr(0, 64) + "\n");
  CHECK(run_process({kConc, "hash", "-a", "blake3"}, "abc").out ==
        "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85  -\n");
}

TEST_CASE("hash -a blake3: every strategy, thread count, I/O mode and block size prints the same bytes") {
  TempDir dir;
  (void)b3_tree(dir);
  const std::string tree = (dir.path / "tree").string();
  const auto reference = run_process({kConc, "hash", "-a", "blake3", "-s", "seq", tree});
  REQUIRE(reference.exit_code == 0);
  // The engine tests cover every thread count and block size in process;
  // end to end, a few that reach every path (a sanitizer build runs each).
  for (const std::string& strategy : conc::test::hash_strategies()) {
    for (const char* threads : {"1", "3", "8"}) {
      for (const char* io : {"read", "mmap"}) {
        for (const char* block : {"5000", "64K"}) {  // steal splits the big files into subtrees this size
          const auto r = run_process(
              {kConc, "hash", "-a", "blake3", "-s", strategy, "-j", threads, "--io", io, "--block-size", block, tree});
          INFO(strategy << " -j " << threads << " --io " << io << " --block-size " << block);
          CHECK(r.exit_code == 0);
          CHECK(r.out == reference.out);
        }
      }
    }
  }
}

TEST_CASE("b3sum --check accepts conc's lines, conc hash -c -a blake3 accepts b3sum's, a tampered file FAILS") {
  TempDir dir;
  const auto paths = b3_tree(dir);
  const auto ours = dir.write("ours.b3", run_process(args({kConc, "hash", "-a", "blake3", "--"}, paths)).out);
  const auto theirs = dir.write("theirs.b3", run_process(args({kB3sum, "--"}, paths)).out);
  const auto b3check = run_process({kB3sum, "--check", ours});
  CHECK(b3check.exit_code == 0);
  CHECK(b3check.err.empty());
  const auto check = run_process({kConc, "hash", "-c", "-a", "blake3", theirs});
  CHECK(check.exit_code == 0);
  CHECK(std::count(check.out.begin(), check.out.end(), '\n') == static_cast<long>(paths.size()));
  CHECK(check.out.find(": OK\n") != std::string::npos);
  // The lines do not say their algorithm: -a chooses, as for sha256.
  const auto as_sha256 = run_process({kConc, "hash", "-c", theirs});
  CHECK(as_sha256.exit_code == 1);
  CHECK(as_sha256.out.find(": FAILED\n") != std::string::npos);

  (void)dir.write("tree/big", "tampered");
  const auto tampered = run_process({kConc, "hash", "-c", "-a", "blake3", "--quiet", theirs});
  CHECK(tampered.exit_code == 1);
  CHECK(tampered.out == paths[1] + ": FAILED\n");
  CHECK(tampered.err == "conc hash: WARNING: 1 computed checksum did NOT match\n");
}

TEST_CASE("check mode takes the length and the key: GNU and tag lines of --length 64, MACs under --keyed") {
  TempDir dir;
  const auto paths = b3_tree(dir);
  const auto gnu = run_process(args({kConc, "hash", "-a", "blake3", "-l", "64", "--"}, paths)).out;
  const auto tag = run_process(args({kConc, "hash", "-a", "blake3", "-l", "64", "--tag", "--"}, paths)).out;
  const auto sums = dir.write("sums", gnu + tag);
  CHECK(run_process({kConc, "hash", "-c", "-a", "blake3", "-l", "64", "--quiet", sums}).exit_code == 0);
  const auto short_length = run_process({kConc, "hash", "-c", "-a", "blake3", "--warn", sums});
  CHECK(short_length.exit_code == 1);  // 128 digits are no 32-byte digest: every line misformatted
  CHECK(short_length.err.find("improperly formatted BLAKE3 checksum line") != std::string::npos);

  const auto macs =
      dir.write("macs", run_process(args({kConc, "hash", "-a", "blake3", "--keyed", "--"}, paths), kKey).out);
  CHECK(run_process({kConc, "hash", "-c", "-a", "blake3", "--keyed", "--quiet", macs}, kKey).exit_code == 0);
  std::string other_key = kKey;
  other_key[0] = 'W';
  const auto forged = run_process({kConc, "hash", "-c", "-a", "blake3", "--keyed", "--quiet", macs}, other_key);
  CHECK(forged.exit_code == 1);
  CHECK(std::count(forged.out.begin(), forged.out.end(), '\n') == static_cast<long>(paths.size()));
  // A MAC line does not say it is one: checked without the key, it FAILS.
  CHECK(run_process({kConc, "hash", "-c", "-a", "blake3", "--status", macs}).exit_code == 1);
  // Standard input held the key, so a line naming "-" cannot be verified:
  // improperly formatted, as when the check file itself is stdin.
  const auto with_stdin = dir.write("with-stdin", slurp(macs) + std::string(64, '0') + "  -\n");
  const auto taken = run_process({kConc, "hash", "-c", "-a", "blake3", "--keyed", "-w", with_stdin}, kKey);
  CHECK(taken.exit_code == 0);
  CHECK(std::count(taken.out.begin(), taken.out.end(), '\n') == static_cast<long>(paths.size()));
  CHECK(taken.err == "conc hash: " + with_stdin + ": " + std::to_string(paths.size() + 1) +
                         ": improperly formatted BLAKE3 checksum line\n"
                         "conc hash: WARNING: 1 line is improperly formatted\n");
}

TEST_CASE("hash -a blake3: the length and mode options are checked before anything is read or written") {
  TempDir dir;
  const auto a = dir.write("a", "abc");
  const auto out = dir.write("out", "precious");
  const auto expect_usage = [&](const std::vector<std::string>& argv, const std::string& message,
                                const std::string& input = "") {
    const auto r = run_process(args(argv, {"-o", out}), input);
    INFO(message);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find(message) != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(slurp(out) == "precious");
  };
  expect_usage({kConc, "hash", "-a", "blake3", "--length", "0", a}, "--length");
  expect_usage({kConc, "hash", "-a", "blake3", "--length", "65537", a}, "--length");
  expect_usage({kConc, "hash", "-a", "blake3", "--length", "-1", a}, "--length");
  expect_usage({kConc, "hash", "-a", "blake3", "--length", "32x", a}, "--length");
  expect_usage({kConc, "hash", "--length", "64", a},
               "conc hash: --length applies to -a blake3 only (-a sha256 has a fixed length)");
  expect_usage({kConc, "hash", "-a", "sha512", "--keyed", a}, "conc hash: --keyed applies to -a blake3 only");
  expect_usage({kConc, "hash", "-a", "xxh3", "--derive-key", "c", a},
               "conc hash: --derive-key applies to -a blake3 only");
  expect_usage({kConc, "hash", "-a", "blake3", "--keyed", "--derive-key", "c", a},
               "conc hash: --keyed and --derive-key are two modes: give one");
  expect_usage({kConc, "hash", "-a", "blake3", "--keyed"},
               "--keyed reads the key from standard input, so standard input cannot also be an input");
  expect_usage({kConc, "hash", "-a", "blake3", "--keyed", a, "-"}, "standard input cannot also be an input");
  expect_usage({kConc, "hash", "-a", "blake3", "--keyed", "--files0-from", "-"}, "cannot also be an input");
  expect_usage({kConc, "hash", "-a", "blake3", "--keyed", "-c"}, "standard input cannot also be a checksum file");
  // The key itself: exactly 32 bytes, and reading stops at the 33rd.
  expect_usage({kConc, "hash", "-a", "blake3", "--keyed", a},
               "conc hash: --keyed: the key on standard input must be exactly 32 bytes; it has 31", kKey.substr(1));
  expect_usage({kConc, "hash", "-a", "blake3", "--keyed", a}, "exactly 32 bytes; it has 0", "");
  expect_usage({kConc, "hash", "-a", "blake3", "--keyed", a}, "exactly 32 bytes; it has more", kKey + "\n");
  const auto endless = run_process({"/bin/sh", "-c", "'" + kConc + "' hash -a blake3 --keyed '" + a + "' < /dev/zero"});
  CHECK(endless.exit_code == 2);
  CHECK(endless.err.find("it has more") != std::string::npos);
}

TEST_CASE("hash --keyed: a '-' that --files0-from names is an error of its own, the rest still hashed") {
  TempDir dir;
  const auto a = dir.write("a", "abc");
  const auto list = dir.write("list", a + std::string(1, '\0') + "-" + std::string(1, '\0'));
  const auto r = run_process({kConc, "hash", "-a", "blake3", "--keyed", "--files0-from", list}, kKey);
  CHECK(r.exit_code == 1);
  CHECK(r.out == run_process({kB3sum, "--keyed", a}, kKey).out);
  CHECK(r.err == "conc hash: -: standard input held the --keyed key; it cannot also be an input\n");
}

TEST_CASE("hash: an empty --derive-key= is the empty context, as in b3sum, and takes no argument after it") {
  TempDir dir;
  const auto a = dir.write("a", "abc");
  const auto expected = run_process({kB3sum, "--derive-key=", a});
  REQUIRE(expected.exit_code == 0);
  CHECK(run_process({kConc, "hash", "-a", "blake3", "--derive-key=", a}).out == expected.out);
  CHECK(run_process({kConc, "hash", "-a", "blake3", "--derive-key", "", a}).out == expected.out);
  CHECK(run_process({kConc, "hash", "-a", "blake3", "--derive-key=", a, a}).out == expected.out + expected.out);
  CHECK(run_process({kConc, "hash", "-a", "blake3", "--derive-key=", "--", a}).out == expected.out);
}

TEST_CASE("pipeline's hash stage takes blake3") {
  const auto r = run_process({kConc, "pipeline", "-e", "hash blake3"}, "abc\n\n");
  CHECK(r.exit_code == 0);
  CHECK(r.out ==
        "abc\t6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85\n"
        "\taf1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262\n");
}
