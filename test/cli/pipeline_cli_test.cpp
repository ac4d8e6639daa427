// conc pipeline end to end: the same bytes as sed, tr, grep and cut; head;
// exec failures; usage errors; stats.
#include <catch2/catch.hpp>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "process.h"
#include "strategy_names.h"
#include "temp_dir.h"

using conc::test::run_process;
using conc::test::TempDir;

namespace {

const std::string kConc = CONC_BINARY;

std::string sh(const std::string& script) {
  const auto r = run_process({"/bin/sh", "-c", script});
  REQUIRE(r.exit_code == 0);
  return r.out;
}

// ASCII text with punctuation, tabs, CRLF lines and empty lines, ending in a newline.
std::string text(std::size_t lines) {
  std::mt19937 rng(7);
  const std::vector<std::string> words = {"the", "The", "cat", "a,b", "sat", "on", "mat", "x=1", "\t", "  ", "there"};
  std::string t;
  for (std::size_t i = 0; i < lines; ++i) {
    for (auto n = rng() % 9; n > 0; --n) t += words[rng() % words.size()] + (rng() % 3 == 0 ? "," : " ");
    if (i % 17 == 0) t += "\r";
    t += "\n";
  }
  return t;
}

}  // namespace

TEST_CASE("built-in stages give the bytes of the classic tools, for every strategy") {
  TempDir dir;
  const auto in = dir.write("in.txt", text(5000));
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"upper"}, "tr a-z A-Z"},
      {{"lower"}, "tr A-Z a-z"},
      {{"replace the THE"}, "sed 's/the/THE/g'"},
      {{"replace-first 'the|cat' X"}, "sed -E 's/the|cat/X/'"},
      {{"replace '([a-z]+),' '<\\1>'"}, "sed -E 's/([a-z]+),/<\\1>/g'"},
      {{"grep the"}, "grep the"},
      {{"grep -v the"}, "grep -v the"},
      {{"grep -i '^the'"}, "grep -i '^the'"},
      {{"grep -v 'at$'"}, "grep -v 'at$'"},
      {{"cut , 1,3-4"}, "cut -d, -f1,3-4"},
      {{"number"}, "cat -n"},
      {{"grep -v the", "uniq", "number"}, "grep -v the | uniq | cat -n"},
      {{"head 123"}, "head -n 123"},
      {{"exec sed s/a/A/g"}, "sed s/a/A/g"},
  };
  for (const auto& [stages, tool] : cases) {
    const std::string expected = sh("export LC_ALL=C; (" + tool + ") < '" + in + "'");
    for (const std::string& strategy : conc::test::pipeline_strategies()) {
      std::vector<std::string> argv = {kConc, "pipeline", "-s", strategy, "-j", "2", "--batch-lines", "97"};
      for (const auto& s : stages) {
        argv.push_back("-e");
        argv.push_back(s);
      }
      argv.push_back(in);
      const auto r = run_process(argv);
      INFO(tool << " vs " << stages.front() << " -s " << strategy);
      CHECK(r.exit_code == 0);
      CHECK(r.out == expected);
      CHECK(r.err.empty());
    }
  }
}

TEST_CASE("yes | conc pipeline -e upper | head -1 ends at once") {
  for (const std::string& strategy : conc::test::pipeline_strategies()) {
    const auto r =
        run_process({"/bin/bash", "-c",
                     "yes | '" + kConc + "' pipeline -s " + strategy + " -e upper | head -1; echo ${PIPESTATUS[1]}"},
                    "", 20);
    INFO(strategy);
    CHECK(r.out == "Y\n0\n");
    CHECK(r.err.empty());
  }
  const auto head = run_process({"/bin/bash", "-c", "yes | '" + kConc + "' pipeline -e 'head 3' -e number"}, "", 20);
  CHECK(head.exit_code == 0);
  CHECK(head.out == "     1\ty\n     2\ty\n     3\ty\n");
}

TEST_CASE("pipeline streams: a line comes out while the writer is still silent") {
  // If conc waited for a full batch or for the end of input, the read would
  // time out and the writer would never send the second line.
  const auto r = run_process({"/bin/bash", "-c",
                              "coproc C { '" + kConc +
                                  "' pipeline -e upper; }; echo first >&${C[1]}; "
                                  "read -t 20 line <&${C[0]}; echo \"got $line\"; echo second >&${C[1]}; "
                                  "read -t 20 line <&${C[0]}; echo \"got $line\"; exec {C[1]}>&-; wait"},
                             "", 60);
  CHECK(r.out == "got FIRST\ngot SECOND\n");
}

TEST_CASE("pipeline: odd inputs keep their bytes") {
  TempDir dir;
  CHECK(run_process({kConc, "pipeline", "-e", "upper"}, "").out.empty());
  CHECK(run_process({kConc, "pipeline", "-e", "upper"}, "a\r\nb").out == "A\r\nB");
  CHECK(run_process({kConc, "pipeline", "-e", "upper"}, std::string("a\0b\n", 4)).out == std::string("A\0B\n", 4));
  // One 100 MB line.
  const auto big = dir.write("big", std::string(100 << 20, 'x'));
  const auto r =
      run_process({"/bin/sh", "-c", "'" + kConc + "' pipeline -e upper -e 'hash md5' '" + big + "'"}, "", 120);
  CHECK(r.exit_code == 0);
  CHECK(r.out.size() == (100u << 20) + 1 + 32);
  CHECK(r.out.substr(r.out.size() - 33) ==
        "\t" + sh("head -c 104857600 /dev/zero | tr '\\0' X | md5sum | cut -c1-32").substr(0, 32));
}

TEST_CASE("pipeline: a failing exec names the command, its status and the input lines") {
  std::string in;
  for (int i = 1; i <= 30; ++i) in += std::to_string(i) + "\n";
  auto r = run_process({kConc, "pipeline", "--batch-lines", "10", "-e",
                        "exec awk '/^15$/{bad=4} {print} END{exit bad}'", "--on-error", "skip"},
                       in);
  CHECK(r.exit_code == 1);
  std::string expected;
  for (int i = 1; i <= 30; ++i) {
    if (i <= 10 || i > 20) expected += std::to_string(i) + "\n";
  }
  CHECK(r.out == expected);
  CHECK(r.err ==
        "conc pipeline: stage 1 'exec awk '/^15$/{bad=4} {print} END{exit bad}'': exit status 4 (input lines 11-20)\n");
  r = run_process(
      {kConc, "pipeline", "-s", "seq", "--batch-lines", "10", "-e", "exec awk '/^15$/{bad=4} {print} END{exit bad}'"},
      in);
  CHECK(r.exit_code == 1);
  CHECK(r.out == expected.substr(0, expected.find("21\n")));
}

TEST_CASE("pipeline: exec yes | head -c 10M streams, then ends at once with exit 0") {
  for (const std::string& strategy : conc::test::pipeline_strategies()) {
    const auto r = run_process({"/bin/bash", "-c",
                                "echo x | '" + kConc + "' pipeline -s " + strategy +
                                    " -e 'exec yes' | head -c 10M | wc -c; echo ${PIPESTATUS[1]}"},
                               "", 30);
    INFO(strategy);
    CHECK(r.out == "10485760\n0\n");
    CHECK(r.err.empty());
  }
}

TEST_CASE("pipeline: --hold-output writes nothing of a failing batch, by default its streamed part stays") {
  // Batches of one line; batch 2's command writes ~4.9 MB (past the 4 MiB a
  // stage holds before it streams, with 1M batches), then fails.
  const std::string command = "exec awk '{print} $0 == 2 {for (i = 0; i < 700000; i++) print \"xxxxxx\"; exit 5}'";
  const auto run = [&](const std::string& flag) {
    return run_process({kConc, "pipeline", "--batch-lines", "1", "--batch-bytes", "1M", flag, "-e", command},
                       "1\n2\n3\n", 60);
  };
  const auto held = run("--hold-output");
  CHECK(held.exit_code == 1);
  CHECK(held.out == "1\n");
  const auto streamed = run("--on-error=stop");
  CHECK(streamed.exit_code == 1);
  CHECK(streamed.out.size() > (4u << 20));
  CHECK(streamed.out.find("\n3\n") == std::string::npos);  // nothing of the batch after it
}

TEST_CASE("pipeline: an exec program that cannot be run is named, with the reason") {
  TempDir dir;
  (void)dir.write("script", "#!/bin/sh\necho hi\n");  // not executable
  std::filesystem::create_directory(dir.path / "sub");
  const auto conc_in = [&](const std::string& stage) {
    return run_process(
        {"/bin/sh", "-c", "cd '" + dir.path.string() + "' && '" + kConc + "' pipeline -e '" + stage + "'"}, "a\n");
  };
  auto r = conc_in("exec ./script");
  CHECK(r.exit_code == 1);
  CHECK(r.err == "conc pipeline: stage 1 'exec ./script': cannot run ./script: Permission denied (input lines 1-1)\n");
  r = conc_in("exec ./sub");
  CHECK(r.err == "conc pipeline: stage 1 'exec ./sub': cannot run ./sub: Permission denied (input lines 1-1)\n");
  r = conc_in("exec ./nosuch");
  CHECK(r.err ==
        "conc pipeline: stage 1 'exec ./nosuch': cannot run ./nosuch: No such file or directory (input lines 1-1)\n");
  r = conc_in("exec nosuch-program-xyz");  // not on PATH: the shell says so on stderr, and the status says why
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("conc pipeline: stage 1 'exec nosuch-program-xyz': exit status 127 (command not found) (input lines "
                   "1-1)\n") != std::string::npos);
}

TEST_CASE("pipeline: usage errors exit 2 with the stage and the reason") {
  const auto expect_usage = [](const std::vector<std::string>& argv, const std::string& message) {
    // No input: conc exits before reading, and a write to its stdin would
    // then die of SIGPIPE depending on when the child closes its end.
    const auto r = run_process(argv, "");
    INFO(message);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find(message) != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  };
  expect_usage({kConc, "pipeline", "-e", "upper", "-e", "grep ("},
               "conc pipeline: stage 2 'grep (': invalid regular expression '(': missing ): (");
  expect_usage({kConc, "pipeline", "-e", "sort"}, "conc pipeline: stage 1 'sort': unknown stage 'sort'");
  expect_usage({kConc, "pipeline"}, "conc pipeline: at least one -e STAGE is required");
  expect_usage({kConc, "pipeline", "-e", "upper", "--stage-threads", "2:4"},
               "--stage-threads 2:4: there are only 1 stages");
  expect_usage({kConc, "pipeline", "-e", "number", "--stage-threads", "1:2"},
               "keeps state from line to line and runs on one thread");
  expect_usage({kConc, "pipeline", "-e", "upper", "--stage-threads", "x"}, "expected STAGE:THREADS");
  expect_usage({kConc, "pipeline", "-e", "upper", "--capacity", "0"}, "--capacity");
  expect_usage({kConc, "pipeline", "-e", "upper", "--on-error", "retry"}, "--on-error");
  expect_usage({kConc, "pipeline", "-e", "upper", "--ordered", "--unordered"}, "exclude each other");
  expect_usage({kConc, "pipeline", "-e", "upper", "--max-batch-output", "2048G"},
               "--max-batch-output: expected a size from 1 to 1024G bytes");
  expect_usage({kConc, "pipeline", "-e", "upper", "--max-batch-output", "0"}, "--max-batch-output");
}

TEST_CASE("pipeline --stats-json: every strategy names its executor by its own name, without -j every core") {
  TempDir dir;
  const std::string stats = (dir.path / "stats.json").string();
  const auto cores = std::to_string(std::max(1u, std::thread::hardware_concurrency()));
  for (const std::string& s : conc::test::pipeline_strategies()) {
    CAPTURE(s);
    const auto r = run_process({kConc, "pipeline", "--stats-json", stats, "-s", s, "-e", "upper"}, "a\nb\n");
    CHECK(r.exit_code == 0);
    CHECK(r.out == "A\nB\n");
    const std::string json = conc::test::slurp(stats);
    CHECK(json.find("\"strategy\":\"" + s + "\",\"threads\":" + cores + ",") != std::string::npos);
    CHECK(json.find("\"executor\":\"" + s + "\"") != std::string::npos);
  }
}

TEST_CASE("pipeline --stats names the bottleneck stage, --stage-threads sets a stage's workers") {
  const std::string in = text(2000);
  const auto r = run_process({kConc, "pipeline", "--stats", "--batch-lines", "50", "-e", "upper", "-e",
                              "exec sleep 0.01; cat", "--stage-threads", "2:3"},
                             in);
  CHECK(r.exit_code == 0);
  CHECK(r.out.size() == in.size());
  CHECK(r.err.find("stage 1 'upper' (2 workers): 40 batches") != std::string::npos);
  CHECK(r.err.find("stage 2 'exec sleep 0.01; cat' (3 workers): 40 batches") != std::string::npos);
  CHECK(r.err.find("bottleneck: stage 2 'exec sleep 0.01; cat'") != std::string::npos);
  CHECK(r.err.find("channel stage 1 -> stage 2 (capacity 4)") != std::string::npos);
}

TEST_CASE("pipeline: cut's DELIM may be a backslash, and --help says which escapes DELIM takes") {
  for (const std::string stage : {"cut '\\\\' 2", "cut \\\\ 2", "cut '\\' 2"}) {
    CAPTURE(stage);
    const auto r = run_process({kConc, "pipeline", "-e", stage}, "a\\b\\c\nno backslash\n");
    CHECK(r.exit_code == 0);
    CHECK(r.out == "b\nno backslash\n");
    CHECK(r.err.empty());
  }
  const auto bad = run_process({kConc, "pipeline", "-e", "cut '\\n' 2"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err ==
        "conc pipeline: stage 1 'cut '\\n' 2': cut: the delimiter must be one byte, \\t (a tab) or \\\\ (a backslash), "
        "got '\\n' (see 'conc pipeline --help')\n");
  // Every stage's line of help, from the stage table.
  const auto help = run_process({kConc, "pipeline", "--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("\nStages:\n  grep [-v] [-i] RE      keep the lines matching RE") != std::string::npos);
  CHECK(help.out.find("\n  cut DELIM FIELDS       fields as cut -d DELIM -f FIELDS; DELIM is one byte, \\t (a tab) or "
                      "\\\\ (a backslash)\n") != std::string::npos);
  CHECK(help.out.find("\n  exec CMD               each batch through the shell command CMD") != std::string::npos);
}

TEST_CASE("pipeline --strategy help lists the four designs, the default first") {
  const auto r = run_process({kConc, "pipeline", "--strategy", "help"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("channels  each stage a group of threads", 0) == 0);
  CHECK(r.out.find("(default)\npool  each batch runs through every stage as tasks on the shared-queue ThreadPool") !=
        std::string::npos);
  CHECK(r.out.find("\nsteal  each batch runs through every stage as tasks on the WorkStealingPool") !=
        std::string::npos);
  CHECK(r.out.find("\nseq  one thread") != std::string::npos);
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 4);
}

TEST_CASE("pipeline: SIGTERM on a silent stdin exits 130, no output file") {
  TempDir dir;
  TempDir fifo_dir;
  const std::string out = (dir.path / "never.txt").string();
  const std::string fifo = (fifo_dir.path / "in").string();
  const auto r = run_process(
      {"/bin/bash", "-c",
       "mkfifo '" + fifo + "'; exec 3<>'" + fifo + "'; '" + kConc + "' pipeline -e upper -o '" + out + "' <'" + fifo +
           "' & pid=$!; "
           "for i in $(seq 200); do m=$(awk '/SigCgt/{print $2}' /proc/$pid/status); "
           "(( 0x$m & 0x4000 )) && break; sleep 0.05; done; sleep 0.2; "
           "kill -TERM $pid; wait $pid; echo $?"},
      "", 30);
  CHECK(r.out == "130\n");
  CHECK(r.err == "conc pipeline: interrupted\n");
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path), std::filesystem::directory_iterator()) == 0);
}

TEST_CASE("pipeline: SIGINT ends a run whose exec command ignores SIGTERM, and kills what it started") {
  // sh traps SIGTERM and waits on a `sleep` of its own: only a SIGKILL to
  // the command's process group ends both. The sleep's odd length marks it
  // for pgrep. Without the kill the run would last 60 s: the 10 s bound is
  // a hang guard, not a timing check.
  TempDir dir;
  const auto input = dir.write("in.txt", "a\nb\n");
  const std::string sleep = "sleep 60.0173";
  const std::string sleeping = "pgrep -f '^sleep 60[.]0173'";  // matches neither this script nor conc's argv
  const auto r = run_process({"/bin/bash", "-c",
                              "'" + kConc + "' pipeline -e \"exec trap '' TERM; " + sleep + "; cat\" '" + input +
                                  "' & pid=$!; "
                                  "for i in $(seq 200); do " +
                                  sleeping +
                                  " >/dev/null && break; sleep 0.05; done; "
                                  "kill -INT $pid; "
                                  "for i in $(seq 200); do kill -0 $pid 2>/dev/null || break; sleep 0.05; done; "
                                  "kill -0 $pid 2>/dev/null && { echo hung; kill -KILL $pid; }; wait $pid; echo $?; "
                                  "sleep 0.2; " +
                                  sleeping + " >/dev/null && { echo left; pkill -KILL -f '^sleep 60[.]0173'; }; true"},
                             "", 30);
  CHECK(r.out == "130\n");
  CHECK(r.err == "conc pipeline: interrupted\n");
}
