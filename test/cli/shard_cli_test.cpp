// --shard K/N and --merge end to end: N parts merged are byte for byte what
// one machine writes, for hash (every format), wordcount (every strategy)
// and image; every input goes to exactly one shard; broken part sets are
// refused, naming the part, and write nothing.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
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

// A tree with sizes far apart, empty files, odd names and a subdirectory.
std::string make_tree(const TempDir& dir) {
  const std::vector<std::pair<std::string, std::size_t>> files = {
      {"a", 100},        {"big", 300'000},   {"empty1", 0},       {"empty2", 0}, {"mid", 40'000},
      {"new\nline", 77}, {"back\\slash", 5}, {"sub/x y", 12'345}, {"sub/z", 1},  {"sub/deeper/w", 64 * 1024},
  };
  for (const auto& [name, size] : files) {
    std::string bytes(size, '\0');
    for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 31 + name.size()) % 256);
    (void)dir.write("tree/" + name, bytes);
  }
  return (dir.path / "tree").string();
}

// Runs the N shards of `cmd` (the options before the paths), each into
// dir/part-K; returns the part paths.
std::vector<std::string> run_shards(const TempDir& dir, const std::vector<std::string>& cmd,
                                    const std::vector<std::string>& paths, std::size_t n, int expect_exit = 0) {
  std::vector<std::string> parts;
  for (std::size_t k = 0; k < n; ++k) {
    const std::string part = (dir.path / ("part-" + std::to_string(k))).string();
    const auto r =
        run_process(args(args(cmd, {"--shard", std::to_string(k) + "/" + std::to_string(n), "-o", part}), paths));
    INFO("shard " << k << "/" << n << ": " << r.err);
    REQUIRE(r.exit_code == expect_exit);
    parts.push_back(part);
  }
  return parts;
}

std::vector<std::string> lines_of(const std::string& text, char end = '\n') {
  std::vector<std::string> lines;
  std::string line;
  std::istringstream in(text);
  while (std::getline(in, line, end)) lines.push_back(line);
  return lines;
}

}  // namespace

TEST_CASE("hash --shard parts merge into one machine's manifest, in every format") {
  TempDir dir;
  const std::string tree = make_tree(dir);
  const std::vector<std::vector<std::string>> formats = {{},
                                                         {"--tag"},
                                                         {"-z"},
                                                         {"--format", "json"},
                                                         {"--format", "jsonl"},
                                                         {"-a", "blake3", "--tag", "-z"},
                                                         {"-a", "xxh128", "--format", "json"}};
  for (const auto& format : formats) {
    const auto one = run_process(args(args({kConc, "hash"}, format), {tree}));
    REQUIRE(one.exit_code == 0);
    for (const std::size_t n : {1u, 2u, 3u, 5u, 12u}) {
      INFO((format.empty() ? "gnu" : format.back()) << ", N=" << n);
      auto parts = run_shards(dir, args({kConc, "hash", "-j", "2"}, format), {tree}, n);
      std::reverse(parts.begin(), parts.end());  // any order
      const auto merged = run_process(args({kConc, "hash", "--merge"}, parts));
      CHECK(merged.exit_code == 0);
      CHECK(merged.err.empty());
      CHECK(merged.out == one.out);
    }
  }
}

TEST_CASE("hash --shard gives every file to exactly one shard, whatever the strategy") {
  TempDir dir;
  const std::string tree = make_tree(dir);
  const auto one = run_process({kConc, "hash", tree});
  const auto expected = lines_of(one.out);
  for (const auto& strategy : conc::test::hash_strategies()) {
    INFO(strategy);
    const auto parts = run_shards(dir, {kConc, "hash", "-s", strategy}, {tree}, 4);
    std::multiset<std::string> seen;
    for (const auto& part : parts) {
      const auto lines = lines_of(slurp(part));
      REQUIRE(!lines.empty());
      CHECK(lines.front().rfind("# conc-shard {\"shard\":\"", 0) == 0);  // the header comes first
      seen.insert(lines.begin() + 1, lines.end());
    }
    CHECK(seen == std::multiset<std::string>(expected.begin(), expected.end()));
    // Dealt by size + 64K, biggest first to the least loaded: big alone on
    // 0; w, mid, x y open 1, 2, 3; then a -> 3, new\nline -> 2,
    // back\slash -> 1, z -> 3, empty1 -> 2, empty2 -> 1.
    std::vector<std::size_t> counts;
    for (const auto& part : parts) counts.push_back(lines_of(slurp(part)).size() - 1);
    CHECK(counts == std::vector<std::size_t>{1, 3, 3, 3});
  }
}

TEST_CASE("a hash part checks its own files with sha256sum -c and conc hash -c") {
  TempDir dir;
  const std::string tree = make_tree(dir);
  const auto parts = run_shards(dir, {kConc, "hash"}, {tree}, 2);
  for (const auto& part : parts) {
    const auto gnu = run_process({"/usr/bin/sha256sum", "-c", "--strict", part});
    INFO(gnu.out << gnu.err);
    CHECK(gnu.exit_code == 0);
    const auto ours = run_process({kConc, "hash", "-c", "--strict", part});
    CHECK(ours.exit_code == 0);
  }
}

TEST_CASE("hash --merge reports the shards' failures once, in walk order, and exits 1 as one machine does") {
  TempDir dir;
  const std::string tree = make_tree(dir);
  const std::string missing = (dir.path / "missing").string();
  // /proc/self/mem reads fail (EIO) even for root.
  const std::vector<std::string> paths = {tree + "/a", "/proc/self/mem", missing, tree + "/mid"};
  const auto one = run_process(args({kConc, "hash"}, paths));
  REQUIRE(one.exit_code == 1);
  const auto parts = run_shards(dir, {kConc, "hash"}, paths, 3, 1);  // every shard meets the walk's error
  const auto merged = run_process(args({kConc, "hash", "--merge"}, parts));
  CHECK(merged.exit_code == 1);
  CHECK(merged.out == one.out);
  CHECK(merged.err == one.err);
  // A walk that found nothing but errors: the parts hold no result.
  for (const auto& format : std::vector<std::vector<std::string>>{{}, {"--format", "json"}, {"-z"}}) {
    const auto none = run_process(args(args({kConc, "hash"}, format), {missing}));
    const auto empty = run_shards(dir, args({kConc, "hash"}, format), {missing}, 2, 1);
    const auto nothing = run_process(args({kConc, "hash", "--merge"}, empty));
    CHECK(nothing.exit_code == 1);
    CHECK(nothing.out == none.out);  // "[]\n" for json
    CHECK(nothing.err == none.err);
  }
}

TEST_CASE("hash --merge refuses a broken set of parts, names the part and writes nothing") {
  TempDir dir;
  const std::string tree = make_tree(dir);
  const auto parts = run_shards(dir, {kConc, "hash"}, {tree}, 3);
  const std::string text = slurp(parts[1]);
  const std::string cut_mid_line = dir.write("cut-mid-line", text.substr(0, text.size() - 3));
  const std::string cut_at_line = dir.write("cut-at-line", text.substr(0, text.find('\n') + 1));
  // A failure record a hand edit emptied: relayed, it would print an empty line.
  const std::string forged =
      dir.write("forged", text.substr(0, text.find('\n') + 1) + "# conc-shard {\"failed\":\"\"}\n" +
                              text.substr(text.find('\n') + 1));
  const std::string foreign =
      dir.write("foreign", text.substr(0, text.find('\n') + 1) + "# conc-shard {\"failed\":\"x: gone\"}\n" +
                               text.substr(text.find('\n') + 1));
  const auto& job = parts;
  const std::string manifest = dir.write("manifest", run_process({kConc, "hash", tree}).out);
  struct Case {
    std::vector<std::string> parts;
    std::string message;
  };
  const std::string out = (dir.path / "merged").string();
  const std::vector<Case> cases = {
      {{job[0], job[1]}, "conc hash: shard 2/3 is missing: give every part of the job to --merge\n"},
      {{job[0], job[1], job[2], job[1]},
       "conc hash: " + job[1] + ": shard 1/3 again: " + job[1] + " is that shard too\n"},
      {{job[0], cut_mid_line, job[2]}, "conc hash: " + cut_mid_line + ":"},  // the line number, then:
      {{job[0], cut_at_line, job[2]},
       "conc hash: " + cut_at_line + ": truncated: it holds 0 results, its header lists"},
      {{manifest}, "conc hash: " + manifest + ":1: not a conc hash part: it does not open with a conc-shard header\n"},
      {{"/dev/null"}, "conc hash: /dev/null: empty: not a conc hash part\n"},
      {{job[0], foreign, job[2]},
       "conc hash: " + foreign +
           ":2: a malformed conc-shard record (a reported error that is not a line of conc hash's)\n"},
      {{job[0], forged, job[2]},
       "conc hash: " + forged +
           ":2: a malformed conc-shard record (a reported error that is not a line of conc hash's)\n"},
      {{job[0], (dir.path / "nope").string()}, "conc hash: " + (dir.path / "nope").string() + ": No such file"},
  };
  for (const auto& c : cases) {
    INFO(c.message);
    const auto r = run_process(args({kConc, "hash", "-o", out, "--merge"}, c.parts));
    CHECK(r.exit_code == 1);
    CHECK(r.err.rfind(c.message, 0) == 0);
    CHECK(r.out.empty());
    CHECK_FALSE(std::filesystem::exists(out));
  }
  const auto mid_line = run_process({kConc, "hash", "--merge", job[0], cut_mid_line, job[2]});
  CHECK_THAT(mid_line.err, Catch::EndsWith(": truncated: the last record has no newline at its end\n"));
  // A result more than the header lists.
  const std::string extra = dir.write("extra", text + text.substr(text.find('\n') + 1));
  const auto more = run_process({kConc, "hash", "--merge", job[0], extra, job[2]});
  CHECK(more.exit_code == 1);
  CHECK_THAT(more.err, Catch::Contains("more results than its header lists"));
  // Parts of another job (other options): the fingerprints differ.
  const auto md5 = run_shards(dir, {kConc, "hash", "-a", "md5"}, {tree}, 2);
  const std::string md5_0 = dir.write("md5-0", slurp(md5[0]));
  const auto sha = run_shards(dir, {kConc, "hash"}, {tree}, 2);
  const auto mixed = run_process({kConc, "hash", "--merge", md5_0, sha[1]});
  CHECK(mixed.exit_code == 1);
  CHECK_THAT(mixed.err, Catch::Contains("from another job than"));
  CHECK(mixed.out.empty());
}

TEST_CASE("usage errors of --shard and --merge exit 2 before any output") {
  TempDir dir;
  const std::string tree = make_tree(dir);
  const std::string out = dir.write("keep", "precious");
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"hash", "--shard", "4/4", tree}, "--shard: K must be below N"},
      {{"hash", "--shard", "1/0", tree}, "--shard: N must be from 1"},
      {{"hash", "--shard", "x", tree}, "--shard: expected K/N"},
      {{"hash", "--shard", "-1/2", tree}, "--shard: expected K/N"},
      {{"hash", "--shard", "0/2"}, "standard input cannot be split"},
      {{"hash", "--shard", "0/2", "-", tree}, "standard input cannot be split"},
      {{"hash", "--shard", "0/2", "-c", tree}, "--shard splits hashing, not --check"},
      {{"hash", "--merge"}, "--merge needs the parts"},
      {{"hash", "--merge", "--shard", "0/2", tree}, "give it one or the other"},
      {{"hash", "--merge", "--tag", tree}, "--merge writes the parts' own algorithm and format"},
      {{"hash", "--merge", "-a", "md5", tree}, "--merge writes the parts' own algorithm and format"},
      {{"hash", "--merge", "--exclude", "x", tree}, "it walks nothing"},
      {{"wordcount", "--shard", "0/2", tree}, "give --format tsv"},
      {{"wordcount", "--shard", "0/2", "--format", "tsv", "--top", "3", tree}, "give --top to --merge"},
      {{"wordcount", "--shard", "0/2", "--format", "tsv", "--min-count", "2", tree}, "give --min-count to --merge"},
      {{"wordcount", "--shard", "0/2", "--format", "tsv"}, "standard input cannot be split"},
      {{"wordcount", "--shard", "0/2", "--format", "tsv", "--merge", tree}, "give one"},
      {{"image", "--shard", "2/1", tree}, "--shard: K must be below N"},
  };
  for (const auto& [argv, message] : cases) {
    INFO(argv[0] << " " << message);
    const auto r = run_process(args(args({kConc}, argv), {"-o", out}));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains(message));
    CHECK(slurp(out) == "precious");
  }
}

TEST_CASE("wordcount --shard parts merge into one machine's counts, for every strategy and N") {
  TempDir dir;
  // Words across every byte share's edge: the shares cut mid-word.
  std::string text;
  for (int i = 0; i < 4000; ++i) text += "w" + std::to_string(i % 97) + (i % 13 == 0 ? "\n" : " ");
  (void)dir.write("in/a.txt", text);
  (void)dir.write("in/b.txt", "tiny Tiny TINY");
  (void)dir.write("in/empty.txt", "");
  (void)dir.write("in/sub/c.txt", text.substr(0, 9999) + "tail-without-newline");
  const std::string in = (dir.path / "in").string();
  const auto one = run_process({kConc, "wordcount", "--format", "tsv", "--totals", in});
  REQUIRE(one.exit_code == 0);
  for (const auto& strategy : conc::test::wordcount_strategies()) {
    for (const std::size_t n : {1u, 2u, 3u, 7u}) {
      INFO(strategy << " N=" << n);
      const auto parts =
          run_shards(dir, {kConc, "wordcount", "--format", "tsv", "-s", strategy, "--chunk-size", "1K"}, {in}, n);
      const auto merged = run_process(args({kConc, "wordcount", "--merge", "--format", "tsv", "--totals"}, parts));
      CHECK(merged.exit_code == 0);
      CHECK(merged.out == one.out);
      CHECK(merged.err == one.err);  // the totals of the original input
    }
  }
  // The Hadoop flow: all parts through sort into one reducer; --top at the merge.
  const auto parts = run_shards(dir, {kConc, "wordcount", "--format", "tsv"}, {in}, 3);
  std::string all;
  for (const auto& part : parts) all += slurp(part);
  const auto sorted = run_process({"/usr/bin/sort"}, all);
  const auto reduced = run_process({kConc, "wordcount", "--merge", "--top", "5"}, sorted.out);
  CHECK(reduced.exit_code == 0);
  CHECK(reduced.out == run_process({kConc, "wordcount", "--top", "5", in}).out);
}

TEST_CASE("wordcount --merge refuses a broken set of parts, naming the part") {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 3000; ++i) text += "word" + std::to_string(i % 50) + " ";
  (void)dir.write("in/a.txt", text);
  const std::string in = (dir.path / "in").string();
  const auto parts = run_shards(dir, {kConc, "wordcount", "--format", "tsv"}, {in}, 3);
  const std::string part1 = slurp(parts[1]);
  const std::string cut_mid_line = dir.write("cut-mid-line", part1.substr(0, part1.size() - 1));
  const std::string cut_at_line = dir.write("cut-at-line", part1.substr(0, part1.find('\n', 100) + 1));
  const std::string plain = dir.write("plain.tsv", "word0\t3\n");
  std::string junk;  // not counts at all: one refusal, not a line of its own each
  for (int i = 0; i < 1000; ++i) junk += std::to_string(i) + "\n";
  const std::string not_counts = dir.write("not-counts", junk);
  const std::size_t header_end = part1.find('\n') + 1;
  const std::string blank = dir.write("blank", part1.substr(0, header_end) + "\n" + part1.substr(header_end));
  const std::string part0 = slurp(parts[0]);
  const std::size_t tab = part0.find('\t', part0.find('\n') + 1);  // the first count line's
  const std::string huge =
      dir.write("huge", part0.substr(0, tab + 1) + "18446744073709551615" + part0.substr(part0.find('\n', tab)));
  const auto with_record = [&](const std::string& name, const std::string& record) {
    return dir.write(name, part1.substr(0, header_end) + "\tconc-shard " + record + "\n" + part1.substr(header_end));
  };
  const std::string forged = with_record("forged", R"({"walk_error":""})");
  const std::string foreign = with_record("foreign", R"({"failed":"conc hash: x: gone"})");
  const std::string lead_blank = dir.write("lead-blank", "\n" + part1);
  // Parts concatenated into one input (cat part-*) are checked over all: a blank line among them still refuses.
  const std::string concat = dir.write("concat", part0 + "\n" + part1 + slurp(parts[2]));
  const std::string out = (dir.path / "merged").string();
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{parts[0], parts[1]}, "shard 2/3 is missing"},
      {{parts[0], parts[1], parts[2], parts[2]}, parts[2] + ": shard 2/3 again"},
      {{parts[0], cut_mid_line, parts[2]}, "truncated line (no newline at the end)"},
      {{parts[0], cut_at_line, parts[2]}, cut_at_line + ": truncated or altered"},
      {{parts[0], parts[1], parts[2], plain}, plain + ":1: does not open with a conc-shard header, yet other inputs"},
      {{parts[0], parts[1], parts[2], not_counts}, not_counts + ":1: does not open with a conc-shard header"},
      {{parts[0], lead_blank, parts[2]}, lead_blank + ":1: does not open with a conc-shard header"},
      {{concat}, "concat:" + std::to_string(lines_of(part0).size() + 1) + ": malformed line: expected word<TAB>count"},
      {{parts[0], foreign, parts[2]},
       foreign + ":2: a malformed conc-shard line (a reported error that is not a line of conc wordcount's)"},
      {{parts[0], blank, parts[2]}, blank + ":2: malformed line: expected word<TAB>count: a part was altered"},
      // Its count pushes later lines of the sound parts past 2^64-1: they are not blamed.
      {{huge, parts[1], parts[2]}, huge + ": truncated or altered"},
      {{parts[0], forged, parts[2]}, forged + ":2: a malformed conc-shard line (a reported error that is not a line"},
  };
  for (const auto& [argv, message] : cases) {
    INFO(message);
    const auto r = run_process(args({kConc, "wordcount", "-o", out, "--merge"}, argv));
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::StartsWith("conc wordcount: ") && Catch::Contains(message));
    CHECK(lines_of(r.err).size() == 1);  // the refusal alone
    CHECK_FALSE(std::filesystem::exists(out));
  }
  // A part with a line before its header, first: that line is read as a
  // plain input's (reported), then the header refuses the merge.
  const auto first = run_process({kConc, "wordcount", "-o", out, "--merge", lead_blank, parts[0], parts[2]});
  CHECK(first.exit_code == 1);
  CHECK(first.err == "conc wordcount: " + lead_blank + ":1: malformed line: expected word<TAB>count\n" +
                         "conc wordcount: " + lead_blank +
                         ":2: a conc-shard header after other lines: a part opens with its header\n");
  CHECK_FALSE(std::filesystem::exists(out));
  // A count past 2^64-1 only once the parts are added cannot be made here:
  // a header holds at most 2^53 words (the JSON reader's exact integers),
  // so it takes thousands of parts; wordcount/shard_test checks that case.
}

TEST_CASE("image --shard: the shards write the tree one run writes, each image once") {
  TempDir dir;
  // Small binary PPMs of different sizes, and a file that is no image.
  for (int i = 1; i <= 6; ++i) {
    const int w = 3 * i;
    const int h = 2 + i;
    std::string ppm = "P6\n" + std::to_string(w) + " " + std::to_string(h) + "\n255\n";
    for (int p = 0; p < w * h * 3; ++p) ppm += static_cast<char>((p * 7 + i) % 256);
    (void)dir.write("img/" + std::string(i % 2 != 0 ? "sub/" : "") + "p" + std::to_string(i) + ".ppm", ppm);
  }
  (void)dir.write("img/notes.txt", "no image");
  const std::string img = (dir.path / "img").string();
  const std::string whole = (dir.path / "whole").string();
  REQUIRE(run_process({kConc, "image", "-f", "flip", "--type", "png", "-o", whole + "/", img}).exit_code == 0);
  const std::string shared = (dir.path / "shared").string();
  std::multiset<std::string> reported;
  for (int k = 0; k < 4; ++k) {
    const auto r = run_process(
        {kConc, "image", "-f", "flip", "--type", "png", "--shard", std::to_string(k) + "/4", "-o", shared + "/", img});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    for (const auto& line : lines_of(r.out)) reported.insert(line.substr(0, line.find(' ')));
  }
  CHECK(reported.size() == 6);  // six images, each once (the text file is skipped, reported with -v only)
  CHECK(std::set<std::string>(reported.begin(), reported.end()).size() == 6);
  for (int i = 1; i <= 6; ++i) {
    const std::string name = std::string(i % 2 != 0 ? "sub/" : "") + "p" + std::to_string(i) + ".png";
    INFO(name);
    CHECK(slurp(dir.path / "shared" / name) == slurp(dir.path / "whole" / name));
  }
}

TEST_CASE("hash --shard takes its names from --files0-from, and relays a name that is not UTF-8 as it was") {
  TempDir dir;
  const std::string tree = make_tree(dir);
  const std::string odd = (dir.path / "gone\xff").string();  // missing, and not UTF-8
  const std::string list = dir.write("names0", tree + "/a" + '\0' + odd + '\0' + tree + "/big" + '\0');
  const auto one = run_process({kConc, "hash", "--files0-from", list});
  REQUIRE(one.exit_code == 1);
  for (const auto& format : std::vector<std::vector<std::string>>{{}, {"--format", "json"}}) {
    const auto parts = run_shards(dir, args({kConc, "hash", "--files0-from", list}, format), {}, 2, 1);
    const auto merged = run_process(args({kConc, "hash", "--merge"}, parts));
    CHECK(merged.exit_code == 1);
    CHECK(merged.err == one.err);  // the raw byte, not an escape
    CHECK(merged.out == run_process(args(args({kConc, "hash"}, format), {"--files0-from", list})).out);
  }
}

TEST_CASE("wordcount --merge reports the errors the shards recorded, once, and exits 1") {
  TempDir dir;
  const std::string text = dir.write("in/a.txt", "one two two three three three\n");
  const std::string missing = (dir.path / "missing").string();
  // /proc/cmdline: a stream whose stat size is not its length; /proc/self/mem: unreadable.
  const std::vector<std::string> paths = {text, "/proc/self/mem", missing, "/proc/cmdline"};
  const auto one = run_process(args({kConc, "wordcount", "--format", "tsv"}, paths));
  REQUIRE(one.exit_code == 1);
  for (const std::size_t n : {1u, 2u, 5u}) {
    INFO("N=" << n);
    const auto parts = run_shards(dir, {kConc, "wordcount", "--format", "tsv"}, paths, n, 1);
    const auto merged = run_process(args({kConc, "wordcount", "--merge", "--format", "tsv"}, parts));
    CHECK(merged.exit_code == 1);
    CHECK(merged.out == one.out);
    std::multiset<std::string> want;
    for (const auto& line : lines_of(one.err)) want.insert(line);
    std::multiset<std::string> got;
    for (const auto& line : lines_of(merged.err)) got.insert(line);
    CHECK(got == want);
  }
}

TEST_CASE("image --shard refuses --in-place: a shard would deal images an earlier one rewrote") {
  TempDir dir;
  std::string ppm = "P6\n2 2\n255\n" + std::string(12, '\x40');
  const std::string img = dir.write("p.ppm", ppm);
  const auto r = run_process({kConc, "image", "-f", "flip", "--in-place", "--shard", "0/2", img});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("--in-place and --shard cannot be used together"));
  CHECK(slurp(img) == ppm);
}

TEST_CASE("wordcount shards report a file none can open once: the shard holding its first byte") {
  TempDir dir;
  std::filesystem::permissions(dir.path, std::filesystem::perms(0755));  // for the unprivileged user below
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "locked" + std::to_string(i % 10) + " ";
  const std::string locked = dir.write("locked.txt", text);
  std::filesystem::permissions(locked, std::filesystem::perms::none);
  // Root reads any file: run as nobody then.
  const std::vector<std::string> as_user =
      ::geteuid() == 0
          ? std::vector<std::string>{"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"}
          : std::vector<std::string>{};
  const auto one = run_process(args(as_user, {kConc, "wordcount", "--format", "tsv", locked}));
  REQUIRE(one.exit_code == 1);
  std::vector<std::string> parts;
  for (int k = 0; k < 3; ++k) {
    const auto r = run_process(
        args(as_user, {kConc, "wordcount", "--format", "tsv", "--shard", std::to_string(k) + "/3", locked}));
    CHECK(r.exit_code == (k == 0 ? 1 : 0));  // the others warn
    parts.push_back(dir.write("part-" + std::to_string(k), r.out));
  }
  const auto merged = run_process(args({kConc, "wordcount", "--merge", "--format", "tsv"}, parts));
  CHECK(merged.exit_code == 1);
  CHECK(merged.out == one.out);
  CHECK(merged.err == one.err);
}
