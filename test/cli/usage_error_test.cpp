// Usage errors end the run before any output is opened: the user's -o and
// --stats-json files stay byte-identical, and the one line on stderr is
// `conc <sub>: <message> (see 'conc <sub> --help')` (issue 10 §1).
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "pipeline/stage.h"
#include "process.h"
#include "temp_dir.h"

using conc::test::run_process;
using conc::test::slurp;
using conc::test::TempDir;

namespace {

const std::string kConc = CONC_BINARY;
const std::string kPrecious = "precious\ncontents\n";

struct Case {
  std::string sub;
  std::vector<std::string> args;
};

// One of each kind of usage error per subcommand: a CLI11 parse error, an
// option value out of range, and each check of the command's validate step.
const std::vector<Case> kCases = {
    {"hash", {"--status"}},     // a check-mode flag without -c
    {"hash", {"-c", "--tag"}},  // a flag check mode rejects
    {"hash", {"-c", "--format", "json"}},
    {"hash", {"--files0-from", "list", "extra"}},
    {"hash", {"-a", "nope"}},            // unknown algorithm
    {"hash", {"--block-size", "100G"}},  // beyond the maximum
    {"hash", {"-j", "-1"}},
    {"hash", {"-s", "magic"}},
    {"hash", {"--frobnicate"}},
    {"pipeline", {}},                // no -e
    {"pipeline", {"-e", "nosuch"}},  // a stage that does not parse
    {"pipeline", {"-e", "upper", "--stage-threads", "2:4"}},
    {"pipeline", {"-e", "number", "--stage-threads", "1:2"}},
    {"pipeline", {"-e", "upper", "--ordered", "--unordered"}},
    {"pipeline", {"-e", "upper", "--capacity", "0"}},
    {"pipeline", {"-e", "upper", "--batch-lines", "-1"}},
    {"pipeline", {"-e", "upper", "--batch-bytes", "2G"}},
    {"wordcount", {"--top", "-1"}},
    {"wordcount", {"--min-count", "abc"}},
    {"wordcount", {"--chunk-size", "100G"}},
    {"wordcount", {"--split", "nope"}},
    {"wordcount", {"--format", "xml"}},
    {"wordcount", {"-j", "0"}},
};

std::size_t entries(const TempDir& dir) {
  return static_cast<std::size_t>(
      std::distance(std::filesystem::directory_iterator(dir.path), std::filesystem::directory_iterator()));
}

}  // namespace

TEST_CASE("a usage error leaves an existing -o file and --stats-json file byte-identical") {
  for (const auto& c : kCases) {
    for (const char* option : {"-o", "--stats-json"}) {
      TempDir dir;
      const std::string input = dir.write("in.txt", "some words\n");
      const std::string keep = dir.write("keep.txt", kPrecious);
      std::vector<std::string> argv = {kConc, c.sub, option, keep};
      argv.insert(argv.end(), c.args.begin(), c.args.end());
      argv.push_back(input);
      const auto r = run_process(argv);
      INFO(c.sub << " " << option << " keep.txt ... " << (c.args.empty() ? "" : c.args.front()) << "\n" << r.err);
      CHECK(r.exit_code == 2);
      CHECK(r.out.empty());
      CHECK(r.err.rfind("conc " + c.sub + ": ", 0) == 0);
      CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
      CHECK(slurp(keep) == kPrecious);
      CHECK(entries(dir) == 2);  // no temporary file left either
    }
  }
}

TEST_CASE("usage errors name the problem in one formatted line") {
  TempDir dir;
  const std::string keep = dir.write("keep.txt", kPrecious);
  const std::string a = dir.write("a.txt", "a\n");
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"hash", "--status", "-o", keep, a},
       "conc hash: the --status option is meaningful only when verifying checksums (see 'conc hash --help')\n"},
      {{"hash", "-a", "nope", "-o", keep, a},
       "conc hash: --algo: unknown algorithm 'nope' (see 'conc hash --algo help')\n"},
      {{"pipeline", "-o", keep, a}, "conc pipeline: at least one -e STAGE is required (see 'conc pipeline --help')\n"},
      {{"pipeline", "-e", "upper", "--ordered", "--unordered", "-o", keep, a},
       "conc pipeline: --ordered and --unordered exclude each other (see 'conc pipeline --help')\n"},
      {{"pipeline", "-e", "upper", "--stage-threads", "2:4", "-o", keep, a},
       "conc pipeline: --stage-threads 2:4: there are only 1 stages (see 'conc pipeline --help')\n"},
  };
  for (const auto& [args, expected] : cases) {
    std::vector<std::string> argv = {kConc};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = run_process(argv);
    CHECK(r.exit_code == 2);
    CHECK(r.err == expected);
    CHECK(slurp(keep) == kPrecious);
  }
}

TEST_CASE("pipeline: a stage text with an open quote, a lone trailing backslash or a wrong word count, every stage") {
  TempDir dir;
  const std::string keep = dir.write("keep.txt", kPrecious);
  const std::string a = dir.write("a.txt", "a\n");
  const auto expect = [&](const std::string& stage, const std::string& reason) {
    const auto r = run_process({kConc, "pipeline", "-e", stage, "-o", keep, a});
    CAPTURE(stage);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err == "conc pipeline: stage 1 '" + stage + "': " + reason + " (see 'conc pipeline --help')\n");
    CHECK(slurp(keep) == kPrecious);
  };
  // The shell judges exec's command (/bin/sh is dash on Debian, hence its words).
  const std::string open_quote = "not a valid shell command (sh -n: Syntax error: Unterminated quoted string)";
  for (const auto& info : conc::pipeline::all_stages()) {
    const std::string name(info.name);
    const bool exec = name == "exec";
    expect(name + " 'x", exec ? open_quote : "unterminated ' quote");
    expect(name + " \"x", exec ? open_quote : "unterminated \" quote");
    expect(name + " \"x\\\"", exec ? open_quote : "unterminated \" quote");  // the closing quote escaped
    const std::string usage(info.usage);
    if (info.min_args > 0) expect(name, "expected " + usage + ", got 0 arguments");
    if (info.min_args > 1) expect(name + " a", "expected " + usage + ", got 1 argument");
    if (!info.rest_is_argument) {
      std::string extra = name;
      for (std::size_t i = 0; i <= info.max_args; ++i) extra += " a";
      expect(extra, "expected " + usage + ", got " + std::to_string(info.max_args + 1) + " argument" +
                        (info.max_args == 0 ? "" : "s"));
    }
  }
  // A lone backslash at the end, in each stage's last word: exec refuses it
  // (the shell would take it as itself), the others as they refuse any bad
  // word; cut's DELIM may be a backslash (another test).
  expect("exec tr a-z A-Z\\", "the command ends with a lone backslash, which escapes nothing");
  expect("exec echo \\\\\\", "the command ends with a lone backslash, which escapes nothing");
  // Any shell syntax error, not only quotes.
  expect("exec if true; then echo",
         "not a valid shell command (sh -n: Syntax error: end of file unexpected (expecting \"fi\"))");
  expect("grep x\\", "invalid regular expression 'x\\': trailing \\");
  expect("replace a b\\", "invalid replacement 'b\\': Rewrite schema error: '\\' not allowed at end.");
  expect("replace-first a\\ b", "invalid regular expression 'a\\': trailing \\");
  expect("cut , 2\\", "cut: invalid field list '2\\' (fields are numbered from 1, e.g. 1,3-4,6-)");
  expect("head 1\\", "head: expected a line count, got '1\\'");
  expect("hash sha256\\",
         "hash: unknown algorithm 'sha256\\' (one of sha256, sha1, sha224, sha384, sha512, md5, "
         "sha3-256, blake2b, blake3, xxh64, xxh3, xxh128)");
  for (const char* bare : {"upper", "lower", "trim", "rev", "number", "uniq"}) {
    expect(std::string(bare) + " \\", std::string("expected ") + bare + ", got 1 argument");
  }
}

TEST_CASE("pipeline: exec commands the shell parses are accepted, whatever their quoting") {
  for (const std::string command : {"exec echo \"$(echo \")\")\"", "exec echo 'a\\'", "exec echo \\\\",
                                    "exec cat # it's", "exec if true; then cat; fi"}) {
    CAPTURE(command);
    const auto r = run_process({kConc, "pipeline", "-e", command}, "x\n");
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
  }
}

TEST_CASE("hash --algo help lists the algorithms on stdout, like --strategy help, and never touches -o") {
  const auto r = run_process({kConc, "hash", "--algo", "help"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("sha256    SHA-256", 0) == 0);
  TempDir dir;
  const std::string keep = dir.write("keep.txt", "precious\n");
  for (const std::string listing : {"--algo", "-s"}) {
    const auto with_o = run_process({kConc, "hash", listing, "help", "-o", keep});
    CHECK(with_o.exit_code == 0);
    CHECK(!with_o.out.empty());
    CHECK(slurp(keep) == "precious\n");
  }
  CHECK(run_process({kConc, "hash", "--algo", "help", "-o", keep}).out == r.out);
}

TEST_CASE("naming one file in both -o and --stats-json is a usage error that leaves the file as it was") {
  TempDir dir;
  const std::string keep = dir.write("keep.txt", "precious\n");
  const std::string a = dir.write("a.txt", "a\n");
  std::filesystem::create_symlink(keep, dir.path / "link");
  const std::string link = (dir.path / "link").string();
  const std::string dotted = (dir.path / "." / "keep.txt").string();
  for (const std::string sub : {"hash", "wordcount"}) {
    for (const auto& other : {keep, link, dotted}) {
      const auto r = run_process({kConc, sub, "-o", keep, "--stats-json", other, a});
      CHECK(r.exit_code == 2);
      CHECK(r.err == "conc " + sub + ": -o and --stats-json name the same file '" + keep + "' (see 'conc " + sub +
                         " --help')\n");
      CHECK(slurp(keep) == "precious\n");
    }
  }
  CHECK(run_process({kConc, "pipeline", "-e", "upper", "-o", keep, "--stats-json", keep, a}).exit_code == 2);
  CHECK(slurp(keep) == "precious\n");
  // Two distinct files are fine.
  CHECK(run_process({kConc, "hash", "-o", keep, "--stats-json", (dir.path / "stats.json").string(), a}).exit_code == 0);
}

TEST_CASE("an unknown subcommand is exit 2, with or without --help") {
  const std::vector<std::vector<std::string>> cases = {{"nosuch"}, {"nosuch", "--help"}, {"nosuch", "-h"}};
  for (const auto& args : cases) {
    std::vector<std::string> argv = {kConc};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = run_process(argv);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err == "conc: unknown subcommand 'nosuch' (see 'conc --help')\n");
  }
}
