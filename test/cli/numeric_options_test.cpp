// Every numeric option states its range in --help, and a value outside it
// (negative, too big, not a number) is a usage error in conc's own words
// (issue 11 cases 11 and 14).
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "process.h"
#include "temp_dir.h"

using conc::test::run_process;
using conc::test::TempDir;

namespace {

const std::string kConc = CONC_BINARY;

struct Option {
  std::string sub;
  std::vector<std::string> before;  // what the subcommand needs besides the option
  std::string name;                 // as CLI11 names it in the message
  std::string flag;                 // as typed
  std::string range;                // the text of the error after "expected "
  std::vector<std::string> bad;
  std::string help;  // what --help says of the range
};

const std::string kU64 = "18446744073709551615";

const std::vector<Option> kOptions = {
    {"hash",
     {},
     "--threads",
     "--threads",
     "a whole number of threads from 1 to 4096",
     {"-1", "0", "4097", "abc", "1.5"},
     "worker threads, 1 to 4096"},
    {"wordcount",
     {},
     "--threads",
     "--threads",
     "a whole number of threads from 1 to 4096",
     {"-1", "0", "99999"},
     "worker threads, 1 to 4096"},
    {"wordcount",
     {},
     "--top",
     "--top",
     "a whole number from 0 to " + kU64,
     {"-1", "-18446744073709551615", "18446744073709551616", "abc", "+3"},
     "0 to " + kU64 + " (default 0: all of them)"},
    {"wordcount",
     {},
     "--min-count",
     "--min-count",
     "a whole number from 0 to " + kU64,
     {"-1", "abc", "1e3"},
     "0 to " + kU64},
    {"wordcount",
     {},
     "--chunk-size",
     "--chunk-size",
     "a size from 1 to 1G bytes (K, M, G suffixes)",
     {"-1", "0", "100G", "2G", "abc", "99999999999999G"},
     "1 to 1G"},
    {"hash",
     {},
     "--block-size",
     "--block-size",
     "a size from 1 to 64M bytes (K, M, G suffixes)",
     {"-1", "0", "65M", "100G", "1T"},
     "1 to 64M"},
    {"pipeline",
     {"-e", "upper"},
     "--capacity",
     "--capacity",
     "a whole number from 1 to 1048576",
     {"-1", "0", "1048577", "abc"},
     "1 to 1048576"},
    {"pipeline",
     {"-e", "upper"},
     "--batch-lines",
     "--batch-lines",
     "a whole number from 0 to 1000000000",
     {"-1", "1000000001", "abc"},
     "0 to 1000000000"},
    {"pipeline",
     {"-e", "upper"},
     "--batch-bytes",
     "--batch-bytes",
     "a size from 1 to 1G bytes (K, M, G suffixes)",
     {"-1", "0", "2G", "abc"},
     "1 to 1G"},
};

}  // namespace

TEST_CASE("numeric options out of range are usage errors in conc's words") {
  for (const auto& o : kOptions) {
    for (const auto& value : o.bad) {
      std::vector<std::string> argv = {kConc, o.sub};
      argv.insert(argv.end(), o.before.begin(), o.before.end());
      argv.push_back(o.flag + "=" + value);  // `=`: a leading '-' is a value, not an option
      const auto r = run_process(argv, "x\n");
      INFO(o.sub << " " << o.flag << "=" << value);
      CHECK(r.exit_code == 2);
      CHECK(r.out.empty());
      CHECK(r.err == "conc " + o.sub + ": " + o.name + ": expected " + o.range + ", got '" + value + "' (see 'conc " +
                         o.sub + " --help')\n");
    }
  }
}

TEST_CASE("every subcommand's --help states the range of every numeric option") {
  for (const auto& o : kOptions) {
    const auto r = run_process({kConc, o.sub, "--help"});
    INFO(o.sub << " " << o.flag);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find(o.help) != std::string::npos);
  }
  const auto pipeline = run_process({kConc, "pipeline", "--help"});
  CHECK(pipeline.out.find("THREADS 1 to 4096") != std::string::npos);
}

TEST_CASE("the limits themselves are accepted") {
  TempDir dir;
  const std::string in = dir.write("in.txt", "b a b\n");
  CHECK(run_process({kConc, "wordcount", "--top", kU64, in}).out == "b 2\na 1\n");
  CHECK(run_process({kConc, "wordcount", "--min-count", kU64, in}).out.empty());
  CHECK(run_process({kConc, "wordcount", "--min-count", "0", in}).out == "b 2\na 1\n");
  CHECK(run_process({kConc, "wordcount", "--chunk-size", "1G", in}).exit_code == 0);
  CHECK(run_process({kConc, "hash", "--block-size", "64M", in}).exit_code == 0);
  CHECK(run_process({kConc, "pipeline", "-e", "upper", "--batch-lines", "0", "--capacity", "1048576", in}).out ==
        "B A B\n");
#if !defined(__SANITIZE_THREAD__)
  // 4096 threads under ThreadSanitizer take minutes on a loaded 2-core
  // machine; the release and ASan runs check this limit.
  CHECK(run_process({kConc, "pipeline", "-e", "upper", "--stage-threads", "1:4096", in}).out == "B A B\n");
#endif
}

TEST_CASE("wordcount --top 0 means every word, like the default") {
  TempDir dir;
  const std::string in = dir.write("in.txt", "c b a b c c\n");
  const auto all = run_process({kConc, "wordcount", in});
  CHECK(all.out == "c 3\nb 2\na 1\n");
  CHECK(run_process({kConc, "wordcount", "--top", "0", in}).out == all.out);
  CHECK(run_process({kConc, "wordcount", "--top", "1", in}).out == "c 3\n");
}

TEST_CASE("pipeline --stage-threads states its range") {
  for (const char* bad : {"1:0", "1:4097", "1:-1", "0:2", "x"}) {
    const auto r = run_process({kConc, "pipeline", "-e", "upper", "--stage-threads", bad}, "x\n");
    CHECK(r.exit_code == 2);
    CHECK(r.err == std::string("conc pipeline: --stage-threads: expected STAGE:THREADS such as 2:4, THREADS from 1 to "
                               "4096, got '") +
                       bad + "' (see 'conc pipeline --help')\n");
  }
}

TEST_CASE("running out of memory says so, never std::bad_alloc") {
  // Big blocks on many readers under a small address-space limit. Whether
  // the engine needs that much is its business (it may allocate lazily);
  // what the user reads when it does not fit is the CLI's.
  const auto r =
      run_process({"/bin/bash", "-c",
                   "ulimit -v 400000; echo a | '" + kConc + "' hash -s channels -j 8 --block-size 64M; echo $?"});
  CHECK(r.err.find("bad_alloc") == std::string::npos);
  if (r.out.substr(r.out.size() - 2) == "1\n") CHECK(r.err == "conc hash: out of memory\n");
}
