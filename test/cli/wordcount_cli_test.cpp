// conc wordcount end to end: the binary, its flags, outputs and exit codes.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <thread>

#include "process.h"
#include "strategy_names.h"
#include "temp_dir.h"

using conc::test::run_process;
using conc::test::TempDir;

namespace {
const std::string kConc = CONC_BINARY;
std::string sh(const std::string& script) { return script; }
}  // namespace

TEST_CASE("wordcount reads stdin and prints word count lines") {
  const auto r = run_process({kConc, "wordcount"}, "The cat, the CAT. don't\nA cat\n");
  CHECK(r.exit_code == 0);
  CHECK(r.out == "cat 3\nthe 2\na 1\ndon't 1\n");
  CHECK(r.err.empty());
}

TEST_CASE("wordcount --strategy help lists the designs, default first") {
  const auto r = run_process({kConc, "wordcount", "--strategy", "help"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("steal  a table per worker on the WorkStealingPool", 0) == 0);
  CHECK(r.out.find(" (default)\nlocal  a table per worker on the shared-queue ThreadPool") != std::string::npos);
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 6);
  CHECK(r.out.find(" (default)") == r.out.rfind(" (default)"));  // exactly one default
  for (const char* s : {"\nseq  one thread", "\nmutex  ", "\nsharded  ", "\nchannels  "})
    CHECK(r.out.find(s) != std::string::npos);
}

TEST_CASE("wordcount formats, --top, --min-count and --totals") {
  const std::string in = "b a c b a b\n";
  CHECK(run_process({kConc, "wordcount", "--format", "tsv", "--top", "2"}, in).out == "b\t3\na\t2\n");
  CHECK(run_process({kConc, "wordcount", "--min-count", "2"}, in).out == "b 3\na 2\n");
  const auto t = run_process({kConc, "wordcount", "--totals", "--top", "1"}, in);
  CHECK(t.out == "b 3\n");
  CHECK(t.err == "conc wordcount: words 6, distinct 3, bytes 12, lines 1\n");
  CHECK(
      run_process({kConc, "wordcount", "--format", "json", "--totals", "--top", "1"}, in).out ==
      "{\"words\":[{\"word\":\"b\",\"count\":3}],\"totals\":{\"words\":6,\"distinct\":3,\"bytes\":12,\"lines\":1}}\n");
}

TEST_CASE("wordcount: a missing file is reported, the rest still counted, exit 1") {
  TempDir dir;
  const std::string good = dir.write("good.txt", "x y x\n");
  const std::string missing = (dir.path / "missing.txt").string();
  const auto r = run_process({kConc, "wordcount", good, missing, "-j", "2"});
  CHECK(r.exit_code == 1);
  CHECK(r.out == "x 2\ny 1\n");
  CHECK(r.err == "conc wordcount: " + missing + ": No such file or directory\n");
}

TEST_CASE("wordcount: a directory loop is reported once, files counted once") {
  TempDir dir;
  (void)dir.write("tree/a.txt", "one two\n");
  std::filesystem::create_directory_symlink(".", dir.path / "tree" / "loop");
  const std::string tree = (dir.path / "tree").string();
  const auto plain = run_process({kConc, "wordcount", tree});
  CHECK(plain.exit_code == 0);  // links inside a walk are not followed by default
  CHECK(plain.out == "one 1\ntwo 1\n");
  const auto followed = run_process({kConc, "wordcount", "-L", tree});
  CHECK(followed.exit_code == 1);
  CHECK(followed.out == "one 1\ntwo 1\n");
  CHECK(followed.err == "conc wordcount: " + tree + "/loop: directory loop (already being walked), skipped\n");
}

TEST_CASE("wordcount: binary input, NUL bytes, no final newline") {
  TempDir dir;
  const std::string bin = dir.write("bin", std::string("\x00\x01\xff\xfe"
                                                       "abc\x00"
                                                       "abc",
                                                       11));
  const auto r = run_process({kConc, "wordcount", bin});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "abc 2\n");
}

TEST_CASE("wordcount --merge: mapper | sort | reducer") {
  TempDir dir;
  const std::string a = dir.write("a.txt", "the cat the hat\n");
  const std::string b = dir.write("b.txt", "The Cat sat\n");
  const auto direct = run_process({kConc, "wordcount", a, b});
  const auto pipeline =
      run_process({"/bin/bash", "-c",
                   sh("set -o pipefail; { '" + kConc + "' wordcount --format tsv '" + a + "'; '" + kConc +
                      "' wordcount --format tsv '" + b + "'; } | LC_ALL=C sort | '" + kConc + "' wordcount --merge")});
  CHECK(pipeline.exit_code == 0);
  CHECK(pipeline.out == direct.out);
  const auto bad = run_process({kConc, "wordcount", "--merge"}, "a\t1\nbroken\n");
  CHECK(bad.exit_code == 1);
  CHECK(bad.out == "a 1\n");
  CHECK(bad.err == "conc wordcount: -:2: malformed line: expected word<TAB>count\n");
}

TEST_CASE("wordcount usage errors exit 2 with one line") {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"-j", "0"}, {"-s", "fastest"}, {"--split", "lines"}, {"--chunk-size", "lots"}, {"--format", "xml"}}) {
    std::vector<std::string> argv = {kConc, "wordcount"};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = run_process(argv);
    CAPTURE(args);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(r.err.rfind("conc wordcount: ", 0) == 0);
  }
}

TEST_CASE("wordcount -o writes the file atomically, --stats-json writes the report") {
  TempDir dir;
  const std::string out = (dir.path / "counts.txt").string();
  const std::string stats = (dir.path / "stats.json").string();
  const auto r =
      run_process({kConc, "wordcount", "-o", out, "--stats-json", stats, "-s", "steal", "-j", "2"}, "a b a\n");
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(conc::test::slurp(out) == "a 2\nb 1\n");
  const std::string json = conc::test::slurp(stats);
  CHECK(json.rfind("{\"command\":\"wordcount\",\"strategy\":\"steal\",\"threads\":2,", 0) == 0);
  CHECK(json.find("\"executor\":\"steal\",\"workers\":[{\"tasks\":") != std::string::npos);
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path), std::filesystem::directory_iterator()) == 2);
}

TEST_CASE("wordcount --stats-json: every strategy names its executor by its own name, without -j every core") {
  TempDir dir;
  const std::string stats = (dir.path / "stats.json").string();
  const auto cores = std::to_string(std::max(1u, std::thread::hardware_concurrency()));
  for (const std::string& s : conc::test::wordcount_strategies()) {
    CAPTURE(s);
    const auto r = run_process({kConc, "wordcount", "--stats-json", stats, "-s", s}, "a b a\n");
    CHECK(r.exit_code == 0);
    CHECK(r.out == "a 2\nb 1\n");
    const std::string json = conc::test::slurp(stats);
    CHECK(json.find("\"strategy\":\"" + s + "\",\"threads\":" + cores + ",") != std::string::npos);
    CHECK(json.find("\"executor\":\"" + s + "\"") != std::string::npos);
  }
}

TEST_CASE("wordcount --stats names the strategy and the channels") {
  const auto r = run_process({kConc, "wordcount", "--stats", "-s", "channels", "-j", "2"}, "a b a\n");
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("conc wordcount stats: strategy channels, 2 threads\n") == 0);
  CHECK(r.err.find("  channel pieces (capacity 4): 1 sent, 1 received") != std::string::npos);
}

TEST_CASE("wordcount: SIGTERM stops a run, exit 130, no output file left") {
  TempDir dir;
  TempDir fifo_dir;
  const std::string out = (dir.path / "never.txt").string();
  const std::string fifo = (fifo_dir.path / "in").string();
  // stdin is a FIFO that the shell holds open and never writes: only the
  // signal can end the run.
  const auto r = run_process({"/bin/bash", "-c",
                              "mkfifo '" + fifo + "'; exec 3<>'" + fifo + "'; '" + kConc + "' wordcount -o '" + out +
                                  "' <'" + fifo +
                                  "' & pid=$!; "
                                  // Wait (at most 10 s) until conc catches SIGTERM (bit 15 of SigCgt).
                                  "for i in $(seq 200); do m=$(awk '/SigCgt/{print $2}' /proc/$pid/status); "
                                  "(( 0x$m & 0x4000 )) && break; sleep 0.05; done; sleep 0.2; "
                                  "kill -TERM $pid; wait $pid; echo $?"});
  CHECK(r.out == "130\n");
  CHECK(r.err == "conc wordcount: interrupted\n");
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path), std::filesystem::directory_iterator()) == 0);
}

TEST_CASE("wordcount | head -1 ends quietly") {
  TempDir dir;
  std::string many;
  for (int i = 0; i < 200000; ++i) many += "w" + std::to_string(i) + " ";
  const std::string file = dir.write("many.txt", many);
  const auto r =
      run_process({"/bin/bash", "-c", "'" + kConc + "' wordcount '" + file + "' | head -1; echo ${PIPESTATUS[0]}"});
  CHECK(r.out.find('\n') != std::string::npos);
  CHECK(r.out.substr(r.out.find('\n') + 1) == "0\n");
  CHECK(r.err.empty());
}

TEST_CASE("wordcount logging: -v shows progress notes, --log-level off and -q hide them") {
  const auto verbose = run_process({kConc, "wordcount", "-v", "-j", "2", "-s", "steal"}, "a\n");
  CHECK(verbose.out == "a 1\n");
  CHECK(verbose.err.rfind("conc wordcount: [info] strategy steal, 2 threads, output -\n", 0) == 0);
  CHECK(verbose.err.find("conc wordcount: [info] done in ") != std::string::npos);
  CHECK(run_process({kConc, "wordcount"}, "a\n").err.empty());
  CHECK(run_process({kConc, "wordcount", "-v", "--log-level", "off"}, "a\n").err.empty());
  // -q keeps errors but drops warnings (a FIFO met inside a walk is a warning).
  TempDir dir;
  (void)dir.write("tree/a.txt", "w\n");
  REQUIRE(mkfifo((dir.path / "tree" / "fifo").c_str(), 0600) == 0);
  const std::string tree = (dir.path / "tree").string();
  const auto warned = run_process({kConc, "wordcount", tree});
  CHECK(warned.exit_code == 0);
  CHECK(warned.err == "conc wordcount: " + tree + "/fifo: not a regular file, skipped\n");
  const auto quiet = run_process({kConc, "wordcount", "-q", tree});
  CHECK(quiet.out == "w 1\n");
  CHECK(quiet.err.empty());
}

TEST_CASE("wordcount json keeps words that are not UTF-8 apart (base64 bytes)") {
  const std::string in = "x\xFF x\xFE x\xFF caf\xC3\xA9\n";
  CHECK(run_process({kConc, "wordcount", "--split", "ws", "--format", "jsonl"}, in).out ==
        "{\"word\":{\"bytes\":\"eP8=\"},\"count\":2}\n"
        "{\"word\":\"caf\xC3\xA9\",\"count\":1}\n"
        "{\"word\":{\"bytes\":\"eP4=\"},\"count\":1}\n");
}
