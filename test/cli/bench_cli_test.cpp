// conc bench end to end: the plan, agreement checks, formats, plots, usage errors, Ctrl-C.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "common/json_reader.h"
#include "process.h"
#include "strategy_names.h"
#include "temp_dir.h"

using conc::common::Json;
using conc::test::run_process;
using conc::test::slurp;
using conc::test::TempDir;

namespace {

const std::string kConc = CONC_BINARY;

std::size_t count_lines(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

// A stand-in for conc given through --conc: runs the real binary, then
// damages the output of one strategy (`-s NAME`) or changes its exit code.
std::string wrapper(const TempDir& d, const std::string& strategy, const std::string& damage) {
  const std::string path = d.write("fake-conc", "#!/bin/sh\n\"" + kConc +
                                                    "\" \"$@\"\nrc=$?\n"
                                                    "case \" $* \" in *\" -s " +
                                                    strategy + " \"*) " + damage + ";; esac\nexit $rc\n");
  ::chmod(path.c_str(), 0755);
  return path;
}

}  // namespace

TEST_CASE("bench times every strategy at every thread count, and its JSON has every field") {
  TempDir d;
  const auto text = d.write("words.txt", "the cat the dog\na cat\n");
  const auto r = run_process({kConc, "bench", "wordcount", "--strategies", "all", "--threads", "1,2", "--repeat", "2",
                              "--warmup", "0", "--format", "json", "--", text});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto doc = Json::parse(r.out);
  const auto names = conc::test::wordcount_strategies();
  const auto& configs = doc.at("configurations").array();
  REQUIRE(configs.size() == 1 + 2 * (names.size() - 1));  // seq runs at -j 1 only
  std::size_t i = 0;
  for (const auto& name : names) {
    for (const int threads : {1, 2}) {
      if (name == "seq" && threads == 2) continue;
      const auto& c = configs[i++];
      CHECK(c.at("strategy").string() == name);
      CHECK(c.at("threads").integer() == threads);
      CHECK(c.at("runs").size() == 2);
      CHECK(c.at("exit_code").integer() == 0);
      CHECK(c.at("failure").is_null());
      for (const char* key : {"median", "mean", "stddev", "min", "max", "outliers"})
        CHECK(c.at("wall_seconds").at(key).is_number());
      for (const char* key : {"speedup", "efficiency", "cpu_seconds", "max_rss_bytes", "throughput_per_second"}) {
        INFO(key);
        CHECK(c.at(key).is_number());
      }
      CHECK(c.at("max_rss_bytes").number() > 0);
      CHECK(c.at("runs").at(0).at("work").integer() == 6);  // the words of the file, from the run's own report
      CHECK(c.at("warnings").is_array());
      CHECK(c.find("steals") != nullptr);
      CHECK(c.find("idle_share") != nullptr);
      CHECK(c.find("blocked_seconds") != nullptr);
    }
  }
  CHECK(doc.at("baseline").string() == "seq -j 1");
  CHECK(doc.at("work_unit").string() == "word");
  CHECK(doc.at("compared").string() == "stdout");
  CHECK(doc.at("agree").boolean());
  CHECK(doc.at("disagreements").size() == 0);
}

TEST_CASE("bench's text table lists each configuration once and marks the default") {
  TempDir d;
  const auto text = d.write("words.txt", "x y z\n");
  const auto r = run_process(
      {kConc, "bench", "hash", "--strategies", "seq,steal", "--threads", "2,1,2", "--repeat", "1", "--", text});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.rfind("conc bench hash --strategies steal,seq --threads 1,2 --warmup 1 --repeat 1 -- " + text +
                        "\n1 timed run per configuration",
                    0) == 0);
  CHECK(r.out.find("\nseq       1  ") != std::string::npos);
  CHECK(r.out.find("\nsteal", r.out.find("\nsteal") + 1) != std::string::npos);  // two steal rows
  CHECK(r.out.find("\nsteal *   2") != std::string::npos);
  CHECK(r.out.find(" MB/s ") != std::string::npos);  // hash counts bytes
  CHECK(r.out.find("conc hash without -s or -j runs steal at ") != std::string::npos);
  CHECK(count_lines(r.out) == 8);  // command, summary, blank, header, 3 rows, default note
}

TEST_CASE("bench catches a strategy whose output differs: exit 1, both configurations named") {
  TempDir d;
  const auto text = d.write("words.txt", "a b a\n");
  const auto fake = wrapper(d, "steal", "echo extra");
  const auto r = run_process(
      {kConc, "bench", "wordcount", "--conc", fake, "--threads", "1,2", "--repeat", "1", "--warmup", "0", "--", text});
  CHECK(r.exit_code == 1);
  // seq -j 1 runs first and sets the reference; the damaged steal runs disagree at the first byte past it.
  CHECK(r.err.find("conc bench: steal -j 1: disagrees with seq -j 1: stdout differs: byte 8 (8 bytes, the other 14)") !=
        std::string::npos);
  CHECK(r.err.find("conc bench: steal -j 2: disagrees with seq -j 1:") != std::string::npos);
  CHECK(r.out.find("DISAGREE: steal -j 2 and seq -j 1: stdout differs: byte 8") != std::string::npos);
  CHECK(r.err.find("pool -j") == std::string::npos);  // the honest ones are not blamed
}

TEST_CASE("bench catches exit codes that differ, and accepts exit 1 when every run gives it") {
  TempDir d;
  const auto sums =
      d.write("sums", "0000000000000000000000000000000000000000000000000000000000000000  " + d.write("f", "x") + "\n");
  auto r = run_process({kConc, "bench", "hash", "--repeat", "1", "--warmup", "0", "--threads", "1", "--", "-c", sums});
  INFO(r.err);
  CHECK(r.exit_code == 0);  // every strategy reports the FAILED line and exits 1: they agree
  CHECK(r.out.find("every run agrees") != std::string::npos);

  const auto fake = wrapper(d, "pool", "rc=0");
  r = run_process(
      {kConc, "bench", "hash", "--conc", fake, "--repeat", "1", "--warmup", "0", "--threads", "1", "--", "-c", sums});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("conc bench: pool -j 1: disagrees with seq -j 1: exit code 0 where seq -j 1 gave 1") !=
        std::string::npos);
}

TEST_CASE("bench reports a run that crashes with its stderr and leaves it out of the figures") {
  TempDir d;
  const auto text = d.write("words.txt", "a b\n");
  const auto fake = wrapper(d, "local", "echo 'boom happened' >&2; kill -SEGV $$");
  const auto r = run_process(
      {kConc, "bench", "wordcount", "--conc", fake, "--threads", "1", "--repeat", "2", "--warmup", "0", "--", text});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("conc bench: local -j 1: a timed run killed by SIGSEGV: boom happened") != std::string::npos);
  CHECK(r.out.find("\nlocal     1        FAILED\n") != std::string::npos);
}

TEST_CASE("bench compares the -o output and never writes the user's -o") {
  TempDir d;
  const auto text = d.write("words.txt", "a b a\n");
  const auto out = (d.path / "counts.tsv").string();
  auto r = run_process({kConc, "bench", "wordcount", "--repeat", "1", "--warmup", "0", "--threads", "1", "--format",
                        "json", "--", "--format", "tsv", "-o", out, text});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(Json::parse(r.out).at("compared").string() == "the -o output");
  CHECK_FALSE(std::filesystem::exists(out));
  // A damaged -o file is caught; the same damage on stdout would not matter.
  const auto fake =
      wrapper(d, "steal", "prev=; for a; do [ \"$prev\" = -o ] && out=$a; prev=$a; done; echo x >> \"$out\"");
  r = run_process({kConc, "bench", "wordcount", "--conc", fake, "--repeat", "1", "--warmup", "0", "--threads", "1",
                   "--", "-o", out, text});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("steal -j 1: disagrees with seq -j 1: the -o output differs: byte 8") != std::string::npos);
}

TEST_CASE("bench compares an -o tree file by file, and an output a run did not write") {
  TempDir d;
  const std::string pixels = "P6\n2 2\n255\n\x10\x20\x30\x40\x50\x60\x70\x80\x90\xa0\xb0\xc0";
  const auto a = d.write("a.ppm", pixels);
  const auto b = d.write("b.ppm", pixels);
  const auto out = (d.path / "gray").string() + "/";
  auto r = run_process({kConc, "bench", "image", "--threads", "1,2", "--repeat", "1", "--warmup", "0", "--", "-f",
                        "grayscale", "-o", out, a, b});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("the -o output compared: every run agrees") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(out));
  // One strategy's tree loses a file: named, with the strategy.
  const auto fake =
      wrapper(d, "steal", "prev=; for a; do [ \"$prev\" = -o ] && out=$a; prev=$a; done; rm \"${out}b.png\"");
  r = run_process({kConc, "bench", "image", "--conc", fake, "--threads", "1", "--repeat", "1", "--warmup", "0", "--",
                   "-f", "grayscale", "-o", out, a, b});
  CHECK(r.exit_code == 1);
  CHECK(
      r.err.find("conc bench: steal -j 1: disagrees with seq -j 1: the -o output differs: only the first has b.png") !=
      std::string::npos);
}

TEST_CASE("bench finds -o as the subcommand's parser does: in a cluster, never in another option's value") {
  TempDir d;
  const auto text = d.write("tree/a.txt", "a\n");
  const auto sums = (d.path / "sums").string();
  auto r = run_process({kConc, "bench", "hash", "--threads", "1", "--repeat", "1", "--warmup", "0", "--format", "json",
                        "--", "-zo", sums, text});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(Json::parse(r.out).at("compared").string() == "the -o output");
  CHECK_FALSE(std::filesystem::exists(sums));
  // `-ofoo` here is --exclude's pattern: the runs get it as it is, and stdout is compared.
  r = run_process({kConc, "bench", "hash", "--threads", "1", "--repeat", "1", "--warmup", "0", "--format", "json", "--",
                   "--exclude", "-ofoo", (d.path / "tree").string()});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  const auto doc = Json::parse(r.out);
  CHECK(doc.at("compared").string() == "stdout");
  CHECK(doc.at("args").at(1).string() == "-ofoo");
}

TEST_CASE("bench refuses a scratch directory inside a tree the runs read") {
  TempDir d;
  (void)d.write("tree/a.txt", "a\n");
  std::filesystem::create_directory(d.path / "tree/tmp");
  const auto r = run_process(
      {"/bin/sh", "-c",
       "cd '" + d.path.string() + "' && TMPDIR=tree/tmp '" + kConc + "' bench hash --repeat 1 -- tree; echo rc=$?"});
  CHECK(r.out == "rc=2\n");
  CHECK(r.err ==
        "conc bench: the scratch directory's root tree/tmp ($TMPDIR) lies inside 'tree' (in the arguments "
        "after '--'): the runs would see bench's own files; set TMPDIR to a directory outside it (see 'conc "
        "bench --help')\n");
}

TEST_CASE("a bench whose every run exits 1 says why") {
  TempDir d;
  const auto r = run_process({kConc, "bench", "wordcount", "--threads", "1", "--repeat", "1", "--warmup", "0", "--",
                              (d.path / "missing.txt").string()});
  CHECK(r.exit_code == 0);  // they agree: each reports the same failed input
  CHECK(r.out.find("\nnote: every run exited 1 (some inputs failed): conc wordcount: " +
                   (d.path / "missing.txt").string() + ": No such file or directory\n") != std::string::npos);
}

TEST_CASE("bench --plot writes an SVG with one series per strategy, and --plot-time one bar per configuration") {
  TempDir d;
  const auto text = d.write("words.txt", "a b a\n");
  const auto plot = (d.path / "speedup.svg").string();
  const auto bars = (d.path / "time.svg").string();
  const auto r = run_process({kConc, "bench", "wordcount", "--strategies", "seq,local,steal", "--threads", "1,2",
                              "--repeat", "1", "--warmup", "0", "--plot", plot, "--plot-time", bars, "--", text});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto check = run_process({"/usr/bin/python3", "-c",
                                  "import sys, xml.etree.ElementTree as ET\n"
                                  "ns = '{http://www.w3.org/2000/svg}'\n"
                                  "for path, cls in ((sys.argv[1], 'series'), (sys.argv[2], 'bar')):\n"
                                  "    root = ET.parse(path).getroot()\n"
                                  "    assert root.tag == ns + 'svg', root.tag\n"
                                  "    groups = [g for g in root.iter(ns + 'g') if g.get('class') == cls]\n"
                                  "    print(cls, sorted(g.find(ns + 'title').text.split(':')[0] for g in groups))\n",
                                  plot, bars});
  INFO(check.err);
  CHECK(check.exit_code == 0);
  CHECK(check.out ==
        "series ['local', 'seq', 'steal']\n"
        "bar ['local -j 1', 'local -j 2', 'seq -j 1', 'steal -j 1', 'steal -j 2']\n");
}

TEST_CASE("bench usage errors exit 2 with one line and run nothing") {
  TempDir d;
  const auto text = d.write("words.txt", "a\n");
  struct Case {
    std::vector<std::string> args;
    std::string line;
  };
  const std::vector<Case> cases = {
      {{"bench", "nosuch", "--", text},
       "conc bench: unknown subcommand 'nosuch' to bench (choose from crawl, hash, "
       "image, pipeline, wordcount) (see 'conc bench --help')\n"},
      {{"bench", "wordcount", "--strategies", "seq,fast", "--", text},
       "conc bench: --strategies: unknown strategy 'fast' for conc wordcount (choose from "},
      {{"bench", "wordcount", "--repeat", "0", "--", text}, "conc bench: --repeat: expected a whole number from 1 to "},
      {{"bench", "wordcount", "--threads", "1,0", "--", text},
       "conc bench: --threads: expected a whole number of threads from 1 to 4096, got '0'"},
      {{"bench", "wordcount", "--threads", "-2", "--", text},
       "conc bench: --threads: expected a whole number of threads"},
      {{"bench", "wordcount", text},
       "conc bench: missing '--' before the subcommand's arguments: conc bench wordcount"},
      {{"bench", "wordcount", "--", "-j", "4", text},
       "conc bench: -j (in the arguments after '--'): bench sets it for each run"},
      {{"bench", "wordcount", "--", "--strategy=seq", text},
       "conc bench: -s (in the arguments after '--'): bench sets it for each run"},
      {{"bench", "wordcount", "-j", "2", "--", text}, "conc bench: "},
      {{"bench", "wordcount", "--repeat", "1", "--", "--nosuch", text},
       "conc bench: conc wordcount: The following argument was not expected: --nosuch (in the arguments after '--')"},
      {{"bench", "wordcount", "--", "-qj4", text}, "conc bench: -j (in the arguments after '--'): bench sets it"},
      {{"bench", "wordcount", "--", "--stats-json=x", text}, "conc bench: --stats-json (in the arguments after '--')"},
      {{"bench", "wordcount", "--strategies", "", "--", text}, "conc bench: --strategies: expected a value, got ''"},
      {{"bench", "wordcount", "--threads", "", "--", text}, "conc bench: --threads: expected a value, got ''"},
      {{"bench", "wordcount", "--plot", text, "--", text},
       "conc bench: --plot names '" + text + "', which the runs read"},
      {{"bench", "image", "--", "-f", "grayscale", "--in-place", text},
       "conc bench: --in-place (in the arguments after '--'): every run would rewrite the inputs of the next"},
      {{"bench", "wordcount", "--", "--help"}, "conc bench: --help after '--': see 'conc wordcount --help' instead"},
      {{"bench", "wordcount", "--input", "/tmp", "--", text}, "conc bench: --input: /tmp: not a regular file"},
      {{"bench", "wordcount", "--input", "/nonexistent", "--", text},
       "conc bench: --input: /nonexistent: No such file"},
      {{"bench", "wordcount", "--conc", text, "--", text}, "conc bench: --conc: " + text + ": not an executable file"},
      {{"bench", "wordcount", "--plot", "same.svg", "--plot-time", "./same.svg", "--", text},
       "conc bench: --plot and --plot-time name the same file 'same.svg'"},
      {{"bench", "wordcount", "-o", "t.md", "--plot", "t.md", "--", text},
       "conc bench: -o and --plot name the same file 't.md'"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> argv = {kConc};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    const auto r = run_process(argv);
    INFO(c.args[1] + " " + c.args[2]);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.rfind(c.line, 0) == 0);
    CHECK(count_lines(r.err) == 1);
  }
}

TEST_CASE("Ctrl-C during a bench ends the child, exits 130 and leaves no temporary files") {
  TempDir d;
  const auto tmp = d.path / "tmp";
  std::filesystem::create_directory(tmp);
  // The "conc" under test sleeps: the run is in progress when SIGINT comes.
  const auto fake = d.write("slow-conc", "#!/bin/sh\nexec sleep 31.25\n");
  ::chmod(fake.c_str(), 0755);
  const auto r = run_process({"/bin/sh", "-c",
                              "TMPDIR='" + tmp.string() + "' '" + kConc + "' bench wordcount --conc '" + fake +
                                  "' -- x & pid=$!; sleep 1; kill -INT $pid; wait $pid; echo rc=$?; "
                                  "sleep 0.2; pgrep -f 'sleep 31[.]25' >/dev/null && echo child-alive; ls -A '" +
                                  tmp.string() + "'"});
  CHECK(r.out == "rc=130\n");
  CHECK(r.err.find("conc bench: interrupted") != std::string::npos);
}

TEST_CASE("bench --help documents its flags, and bench takes no -j or -s of its own") {
  const auto r = run_process({kConc, "bench", "--help"});
  CHECK(r.exit_code == 0);
  for (const char* flag : {"--strategies", "--threads", "--repeat", "--warmup", "--prepare", "--input", "--plot",
                           "--plot-time", "--conc", "--format"}) {
    CHECK(r.out.find(flag) != std::string::npos);
  }
  CHECK(r.out.find("-j,") == std::string::npos);
  CHECK(r.out.find("--strategy ") == std::string::npos);
  CHECK(r.out.find("  --stats ") == std::string::npos);
  CHECK(r.out.find("  --stats-json ") == std::string::npos);
}

TEST_CASE("bench --prepare runs before every timed run, and --input feeds every run") {
  TempDir d;
  const auto log = (d.path / "prepared").string();
  const auto input = d.write("in.txt", "one two two\n");
  const auto r = run_process({kConc, "bench", "wordcount", "--strategies", "seq,steal", "--threads", "2", "--repeat",
                              "3", "--warmup", "1", "--prepare", "echo x >> '" + log + "'", "--input", input,
                              "--format", "json", "--"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(slurp(log) == "x\nx\nx\nx\nx\nx\n");  // 2 configurations x 3 timed runs, none before a warm-up
  const auto doc = Json::parse(r.out);
  CHECK(doc.at("configurations").at(0).at("runs").at(0).at("work").integer() == 3);
  const auto bad = run_process({kConc, "bench", "wordcount", "--prepare", "echo nope >&2; exit 4", "--", input});
  CHECK(bad.exit_code == 1);
  CHECK(bad.err == "conc bench: --prepare 'echo nope >&2; exit 4' exited 4: nope\n");
}
