// Oversubscription (issue 11, 19): every subcommand and strategy run with
// -j 64 pinned to one core (as `taskset -c 0` does: the test pins itself
// and the child inherits the mask) must print exactly what -j 1 prints. No timing is asserted: this checks that 64
// workers on one core neither deadlock nor lose, duplicate or reorder anything.
#include <sched.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "process.h"
#include "strategy_names.h"
#include "temp_dir.h"

using conc::test::run_process;
using conc::test::TempDir;

namespace {
const std::string kConc = CONC_BINARY;

// A few hundred KB of varied text: words repeated with different counts,
// mixed case, punctuation, and enough lines for several batches and chunks.
std::string sample_text() {
  std::string out;
  const std::vector<std::string> words = {"In",    "the",   "beginning", "God",     "created",  "heaven", "and",
                                          "earth", "Void",  "darkness",  "deep",    "Spirit",   "waters", "light",
                                          "day",   "night", "evening",   "morning", "firmament"};
  unsigned x = 12345;
  for (int line = 0; line < 20000; ++line) {
    const int n = 1 + line % 13;
    for (int i = 0; i < n; ++i) {
      x = x * 1103515245u + 12345u;
      out += words[(x >> 16) % words.size()];
      out += (x >> 8) % 5 == 0 ? ", " : " ";
    }
    out += line % 7 == 0 ? ".\n" : "\n";
  }
  return out;
}

// Pins the calling thread (and so the children it spawns) to one core for
// its scope, then restores the previous mask.
class PinToOneCore {
 public:
  PinToOneCore() {
    REQUIRE(sched_getaffinity(0, sizeof(saved_), &saved_) == 0);
    int first = 0;
    while (!CPU_ISSET(first, &saved_)) ++first;  // the first core we may use
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(first, &one);
    REQUIRE(sched_setaffinity(0, sizeof(one), &one) == 0);
  }
  ~PinToOneCore() { (void)sched_setaffinity(0, sizeof(saved_), &saved_); }
  PinToOneCore(const PinToOneCore&) = delete;
  PinToOneCore& operator=(const PinToOneCore&) = delete;

 private:
  cpu_set_t saved_{};
};

// Runs `args` pinned to core 0 at -j 1 and at -j 64, and checks both
// succeed with byte-identical output.
void check_same_output(const std::vector<std::string>& args, const std::string& input = "") {
  const PinToOneCore pin;
  std::vector<std::string> one = {kConc};
  one.insert(one.end(), args.begin(), args.end());
  std::vector<std::string> many = one;
  one.insert(one.end(), {"-j", "1"});
  many.insert(many.end(), {"-j", "64"});
  const auto a = run_process(one, input, 120);
  const auto b = run_process(many, input, 120);
  INFO("conc " << args[0] << " " << (args.size() > 2 ? args[2] : ""));
  REQUIRE(a.exit_code == 0);
  REQUIRE(b.exit_code == 0);
  CHECK_FALSE(a.out.empty());
  CHECK(a.out == b.out);
}
}  // namespace

TEST_CASE("wordcount at -j 64 on one core prints what -j 1 prints, every strategy", "[oversubscription]") {
  TempDir dir;
  const std::string text = sample_text();
  const std::string file = dir.write("text.txt", text);
  for (const std::string& s : conc::test::wordcount_strategies()) {
    check_same_output({"wordcount", "-s", s, "--chunk-size", "16K", file});
    check_same_output({"wordcount", "-s", s}, text);  // stdin, streamed in blocks
  }
}

TEST_CASE("hash at -j 64 on one core prints what -j 1 prints, every strategy", "[oversubscription]") {
  TempDir dir;
  const std::string text = sample_text();
  for (int i = 0; i < 150; ++i) {
    (void)dir.write("tree/d" + std::to_string(i % 7) + "/f" + std::to_string(i),
                    text.substr(static_cast<std::size_t>(i) * 997, static_cast<std::size_t>(i) * 131 + 1));
  }
  (void)dir.write("tree/big", text);
  for (const std::string& s : conc::test::hash_strategies()) {
    check_same_output({"hash", "-s", s, (dir.path / "tree").string()});
  }
}

TEST_CASE("pipeline at -j 64 on one core prints what -j 1 prints, every strategy", "[oversubscription]") {
  const std::string text = sample_text();
  for (const std::string& s : conc::test::pipeline_strategies()) {
    check_same_output({"pipeline", "-s", s, "-e", "upper"}, text);
    check_same_output({"pipeline", "-s", s, "-e", "grep -i god", "-e", "number"}, text);
  }
}
