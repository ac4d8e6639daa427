#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/output.h"
#include "temp_dir.h"
#include "wordcount/report.h"
#include "wordcount/wordcount.h"

using namespace conc::wordcount;
using conc::test::TempDir;

namespace {

using Counts = std::vector<std::pair<std::string, std::uint64_t>>;

Counts run(Options o, std::vector<std::string>* errors = nullptr) {
  conc::common::Diagnostics diag("wordcount", [&](std::string_view l) {
    if (errors != nullptr) errors->emplace_back(l);
  });
  const Result r = count_words(o, diag, {}, nullptr);
  Counts out;
  for (const auto& wc : r.sorted) out.emplace_back(std::string(wc.word), wc.count);
  return out;
}

// A deterministic corpus with the awkward parts: Unicode, apostrophes, CRLF,
// punctuation, long lines, no final newline.
std::string corpus(std::size_t words) {
  const std::vector<std::string> vocab = {"the",
                                          "The",
                                          "THE",
                                          "cat",
                                          "don't",
                                          "l\xE2\x80\x99homme",
                                          "Stra\xC3\x9F"
                                          "e",
                                          "STRASSE",
                                          "\xCF\x83\xCE\xBF\xCF\x86\xCF\x8C\xCF\x82",
                                          "42",
                                          "end.",
                                          "(paren)",
                                          "caf\xC3\xA9",
                                          "na\xC3\xAFve",
                                          "x",
                                          "rock'n'roll",
                                          "\xE6\x97\xA5\xE6\x9C\xAC"};
  const std::vector<std::string> seps = {" ", " ", " ", "\n", "\r\n", ", ", "\t", " -- "};
  std::mt19937 rng(12345);
  std::string out;
  for (std::size_t i = 0; i < words; ++i) {
    out += vocab[rng() % vocab.size()];
    out += seps[rng() % seps.size()];
  }
  out += "tail";
  return out;
}

// The counts of whole texts, tokenized in one go: no pieces, no tables.
Counts reference(const std::vector<std::string>& texts, TokenizerOptions options) {
  const Tokenizer tok(options);
  std::map<std::string, std::uint64_t> counts;
  std::string scratch;
  for (const auto& t : texts) tok.for_each(t, scratch, [&](std::string_view w) { ++counts[std::string(w)]; });
  Counts out(counts.begin(), counts.end());
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  return out;
}

}  // namespace

TEST_CASE("the strategy table: DESIGN.md's names, one default, unique rows, steal the default") {
  std::vector<std::string> names;
  int defaults = 0;
  for (const auto& row : strategies()) {
    names.emplace_back(row.name);
    CHECK_FALSE(row.description.empty());
    defaults += row.is_default ? 1 : 0;
    CHECK(conc::common::strategy_by_name(strategies(), row.name) == row.id);
  }
  CHECK(names == std::vector<std::string>{"steal", "local", "seq", "mutex", "sharded", "channels"});
  CHECK(defaults == 1);
  CHECK(conc::common::default_strategy(strategies()).id == Options{}.strategy);
}

TEST_CASE("threads = 0 (the default) is every core, for every strategy, --stats names the strategy") {
  TempDir dir;
  const std::string text = corpus(2000);
  const std::string file = dir.write("corpus.txt", text);
  Options base;
  base.inputs = {file};
  const Counts expected = reference({text}, base.tokenizer);
  REQUIRE(base.threads == 0);
  for (const auto& row : strategies()) {
    CAPTURE(row.name);
    Options o = base;
    o.strategy = row.id;
    o.chunk_size = 61;
    conc::common::Diagnostics diag("wordcount", [](std::string_view) {});
    const Result r = count_words(o, diag, {}, nullptr);
    CHECK(diag.errors() == 0);
    CHECK(r.stats.executor == row.name);
    Counts got;
    for (const auto& wc : r.sorted) got.emplace_back(std::string(wc.word), wc.count);
    CHECK(got == expected);
  }
}

TEST_CASE("every strategy, thread count and chunk size gives the same counts") {
  TempDir dir;
  const std::string big_text = corpus(12000);
  const std::string small_text = corpus(500);
  const std::string big = dir.write("corpus.txt", big_text);
  const std::string small = dir.write("sub/small.txt", small_text);
  for (const auto mode : {SplitMode::kWords, SplitMode::kWs, SplitMode::kAlpha}) {
    Options base;
    base.inputs = {big, (dir.path / "sub").string()};
    base.tokenizer.mode = mode;
    const Counts expected = reference({big_text, small_text}, base.tokenizer);
    REQUIRE(expected.size() > 10);
    for (const auto& row : strategies()) {
      for (const std::size_t threads : {0u, 1u, 2u, 3u, 8u}) {  // 0: every core
        for (const std::size_t chunk : {std::size_t{61}, std::size_t{1} << 20}) {
          Options o = base;
          o.strategy = row.id;
          o.threads = threads;
          o.chunk_size = chunk;
          CAPTURE(static_cast<int>(mode), row.name, threads, chunk);
          REQUIRE(run(o) == expected);
        }
      }
    }
  }
}

TEST_CASE("a regular file read in ranges and the same bytes through a FIFO agree, totals too") {
  TempDir dir;
  const std::string text = corpus(3000);
  const std::string file = dir.write("corpus.txt", text);
  const std::string fifo = (dir.path / "fifo").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const auto lines = static_cast<std::uint64_t>(std::count(text.begin(), text.end(), '\n'));
  for (const auto& row : strategies()) {
    for (const std::size_t chunk : {std::size_t{1}, std::size_t{61}, std::size_t{1} << 20}) {
      CAPTURE(row.name, chunk);
      Options o;
      o.strategy = row.id;
      o.threads = 2;
      o.chunk_size = chunk;
      o.inputs = {file};
      conc::common::Diagnostics diag("wordcount", [](std::string_view) {});
      const Result from_file = count_words(o, diag, {}, nullptr);
      std::jthread writer([&] {
        const int fd = ::open(fifo.c_str(), O_WRONLY);
        for (std::size_t at = 0; at < text.size();) {
          const ssize_t n = ::write(fd, text.data() + at, std::min<std::size_t>(777, text.size() - at));
          if (n <= 0) break;
          at += static_cast<std::size_t>(n);
        }
        ::close(fd);
      });
      o.inputs = {fifo};
      const Result from_fifo = count_words(o, diag, {}, nullptr);
      writer.join();
      CHECK(diag.errors() == 0);
      for (const Result* r : {&from_file, &from_fifo}) {
        CHECK(r->totals.bytes == text.size());
        CHECK(r->totals.lines == lines);
      }
      CHECK(from_file.totals.words == from_fifo.totals.words);
      REQUIRE(from_file.sorted.size() == from_fifo.sorted.size());
      for (std::size_t i = 0; i < from_file.sorted.size(); ++i) {
        REQUIRE(from_file.sorted[i].word == from_fifo.sorted[i].word);
        REQUIRE(from_file.sorted[i].count == from_fifo.sorted[i].count);
      }
    }
  }
}

TEST_CASE("order: count descending, then word by bytes") {
  TempDir dir;
  Options o;
  o.inputs = {dir.write("t.txt", "b a c b a B\n")};
  o.tokenizer.fold_case = false;
  CHECK(run(o) == Counts{{"a", 2}, {"b", 2}, {"B", 1}, {"c", 1}});
}

TEST_CASE("order: ties sort by all bytes, past the first eight, NUL and high bytes included") {
  // Random words from a small alphabet with shared 8-byte prefixes, NULs and
  // bytes >= 0x80, all with count 1 or 2: the order must be std::string's.
  std::mt19937 rng(5);
  const std::string alphabet("ab\0\xff\x80", 5);
  std::map<std::string, std::uint64_t> want;
  std::string text;
  for (int i = 0; i < 3000; ++i) {
    std::string w = (i % 3 == 0) ? "prefix00" : "";
    const std::size_t n = 1 + rng() % 12;
    for (std::size_t k = 0; k < n; ++k) w.push_back(alphabet[rng() % alphabet.size()]);
    const std::uint64_t times = 1 + rng() % 2;
    for (std::uint64_t t = 0; t < times; ++t) text += w + " ";
    want[w] += times;
  }
  Counts expected(want.begin(), want.end());
  std::stable_sort(expected.begin(), expected.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  TempDir dir;
  Options o;
  o.inputs = {dir.write("t.txt", text)};
  o.tokenizer.mode = SplitMode::kWs;
  CHECK(run(o) == expected);
}

TEST_CASE("select applies --min-count then --top") {
  std::vector<WordCount> sorted = {{"a", 5}, {"b", 3}, {"c", 3}, {"d", 1}};
  CHECK(select(sorted, 0, 1).size() == 4);
  CHECK(select(sorted, 2, 1).size() == 2);
  CHECK(select(sorted, 0, 3).size() == 3);
  CHECK(select(sorted, 1, 3).front().word == "a");
}

TEST_CASE("mapper | sort | reducer equals the direct count") {
  TempDir dir;
  const std::string text = corpus(20000);
  const std::string half1 = dir.write("part1.txt", text.substr(0, text.find(' ', text.size() / 2)));
  const std::string half2 = dir.write("part2.txt", text.substr(text.find(' ', text.size() / 2)));

  Options direct;
  direct.inputs = {half1, half2};
  const Counts expected = run(direct);

  // Two mappers, one per part, writing word<TAB>count.
  std::vector<std::string> mapped;
  for (const auto& part : {half1, half2}) {
    Options m;
    m.inputs = {part};
    conc::common::Diagnostics diag("wordcount", [](std::string_view) {});
    const Result r = count_words(m, diag, {}, nullptr);
    const std::string out = (dir.path / (std::to_string(mapped.size()) + ".tsv")).string();
    conc::common::Output o(out);
    write_counts(o, r.sorted, Format::kTsv, nullptr);
    o.commit();
    mapped.push_back(out);
  }
  Options reduce;
  reduce.inputs = mapped;
  reduce.merge = true;
  CHECK(run(reduce) == expected);
}

TEST_CASE("merge reports malformed lines with their number and keeps the rest") {
  TempDir dir;
  Options o;
  o.inputs = {dir.write("m.tsv", "a\t2\r\nno tab here\nb\t-1\n\t4\na\t3\nc\t1x\nd\t5")};
  o.merge = true;
  std::vector<std::string> errors;
  CHECK(run(o, &errors) == Counts{{"a", 5}, {"d", 5}});
  const std::string f = o.inputs[0];
  CHECK(errors == std::vector<std::string>{
                      "conc wordcount: " + f + ":2: malformed line: expected word<TAB>count",
                      "conc wordcount: " + f + ":3: malformed line: count '-1' is not a positive whole number",
                      "conc wordcount: " + f + ":4: malformed line: empty word",
                      "conc wordcount: " + f + ":6: malformed line: count '1x' is not a positive whole number",
                  });
}

TEST_CASE("a word longer than many pieces is counted whole") {
  TempDir dir;
  const std::string huge(3 << 20, 'w');
  Options o;
  o.inputs = {dir.write("huge.txt", "a " + huge + " a")};
  o.chunk_size = 4096;
  o.strategy = Strategy::kSteal;
  o.threads = 2;
  const Counts c = run(o);
  REQUIRE(c.size() == 2);
  CHECK(c[0] == std::pair<std::string, std::uint64_t>{"a", 2});
  CHECK(c[1].first == huge);
}

TEST_CASE("formats") {
  std::vector<WordCount> words = {{"a,b", 3}, {"say \"hi\"", 2}, {"x", 1}};
  Totals t{6, 3, 20, 2};
  TempDir dir;
  const auto render = [&](Format f, const Totals* totals) {
    const std::string path = (dir.path / "out").string();
    conc::common::Output o(path);
    write_counts(o, words, f, totals);
    o.commit();
    return conc::test::slurp(path);
  };
  CHECK(render(Format::kText, nullptr) == "a,b 3\nsay \"hi\" 2\nx 1\n");
  CHECK(render(Format::kTsv, nullptr) == "a,b\t3\nsay \"hi\"\t2\nx\t1\n");
  CHECK(render(Format::kCsv, nullptr) == "word,count\n\"a,b\",3\n\"say \"\"hi\"\"\",2\nx,1\n");
  CHECK(render(Format::kJsonl, nullptr) ==
        "{\"word\":\"a,b\",\"count\":3}\n{\"word\":\"say \\\"hi\\\"\",\"count\":2}\n{\"word\":\"x\",\"count\":1}\n");
  CHECK(render(Format::kJson, &t) ==
        "{\"words\":[{\"word\":\"a,b\",\"count\":3},{\"word\":\"say \\\"hi\\\"\",\"count\":2},"
        "{\"word\":\"x\",\"count\":1}],\"totals\":{\"words\":6,\"distinct\":3,\"bytes\":20,\"lines\":2}}\n");
  CHECK(totals_line(t) == "words 6, distinct 3, bytes 20, lines 2");
}

TEST_CASE("files whose size says nothing (/proc: size 0, sysfs: a page) are read as streams by every strategy") {
  std::vector<std::string> files = {"/proc/version"};
  if (::access("/sys/kernel/mm/transparent_hugepage/enabled", R_OK) == 0) {
    files.emplace_back("/sys/kernel/mm/transparent_hugepage/enabled");
  }
  for (const auto& file : files) {
    TempDir dir;
    const auto copy = dir.write("copy", conc::test::slurp(file));
    for (const auto& row : strategies()) {
      CAPTURE(file, row.name);
      Options o;
      o.strategy = row.id;
      o.threads = 3;
      o.chunk_size = 4;  // a sized file of this length would make many ranges
      o.inputs = {copy};
      const Counts want = run(o);
      REQUIRE_FALSE(want.empty());
      o.inputs = {file};
      std::vector<std::string> errors;
      CHECK(run(o, &errors) == want);
      CHECK(errors.empty());
    }
  }
}

TEST_CASE("standard input named twice is counted once: the second '-' reads the empty rest") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  REQUIRE(::write(fds[1], "a b a\n", 6) == 6);
  ::close(fds[1]);
  const int saved = ::dup(0);
  REQUIRE(::dup2(fds[0], 0) == 0);
  Options o;
  o.inputs = {"-", "-"};
  const Counts got = run(o);
  ::dup2(saved, 0);
  ::close(saved);
  ::close(fds[0]);
  CHECK(got == Counts{{"a", 2}, {"b", 1}});
}

TEST_CASE("merge refuses a count of 0 and counts that pass 2^64 - 1") {
  TempDir dir;
  Options o;
  o.inputs = {dir.write("m.tsv",
                        "z\t0\n"                       // 0 is malformed, like -1
                        "max\t18446744073709551615\n"  // the largest count: fine
                        "max\t2\n"                     // would wrap to 1
                        "half\t9223372036854775808\n"
                        "half\t9223372036854775808\n"  // 2^63 + 2^63 would wrap to 0
                        "big\t18446744073709551616\n"  // not a 64-bit number at all
                        "ok\t18446744073709551614\n"
                        "ok\t1\n")};  // exactly the largest: fine
  o.merge = true;
  std::vector<std::string> errors;
  CHECK(run(o, &errors) == Counts{{"max", UINT64_MAX}, {"ok", UINT64_MAX}, {"half", 9223372036854775808ull}});
  const std::string f = o.inputs[0];
  CHECK(
      errors ==
      std::vector<std::string>{
          "conc wordcount: " + f + ":1: malformed line: count '0' is not a positive whole number",
          "conc wordcount: " + f + ":3: count of 'max' passes 18446744073709551615 (the largest count): line not added",
          "conc wordcount: " + f +
              ":5: count of 'half' passes 18446744073709551615 (the largest count): line not added",
          "conc wordcount: " + f + ":6: malformed line: count '18446744073709551616' is not a positive whole number",
      });
  // The words total (--total, --stats-json) of such counts stops at the largest too.
  conc::common::Diagnostics quiet("wordcount", [](std::string_view) {});
  CHECK(count_words(o, quiet, {}, nullptr).totals.words == UINT64_MAX);
}

TEST_CASE("merge escapes the control bytes of a bad count or word in its message") {
  TempDir dir;
  Options o;
  o.inputs = {dir.write("m.tsv", "a\t1\x1b[2J\r\nw\x07\t18446744073709551615\nw\x07\t1\n")};
  o.merge = true;
  std::vector<std::string> errors;
  CHECK(run(o, &errors) == Counts{{"w\x07", UINT64_MAX}});
  const std::string f = o.inputs[0];
  CHECK(errors == std::vector<std::string>{
                      "conc wordcount: " + f + ":1: malformed line: count '1\\x1b[2J' is not a positive whole number",
                      "conc wordcount: " + f +
                          ":3: count of 'w\\x07' passes 18446744073709551615 (the largest count): line not added",
                  });
}

TEST_CASE("merge: a line longer than the limit is an error naming its line, and that input's rest is skipped") {
  TempDir dir;
  Options o;
  o.merge = true;
  o.max_merge_line = 8;
  // "abcdef\t9" is exactly 8 bytes: accepted. Line 3 is 9 bytes (10 with '\r': the limit counts it).
  const auto bad = dir.write("bad.tsv", "a\t1\nabcdef\t9\nabcdefg\t9\nb\t1\n");
  const auto next = dir.write("next.tsv", "c\t2\n");
  const auto endless = dir.write("endless.tsv", "d\t1\n" + std::string(100, 'x'));  // no '\n' at all
  o.inputs = {bad, next, endless};
  std::vector<std::string> errors;
  CHECK(run(o, &errors) == Counts{{"abcdef", 9}, {"c", 2}, {"a", 1}, {"d", 1}});
  CHECK(errors == std::vector<std::string>{
                      "conc wordcount: " + bad + ":3: line longer than 8 bytes",
                      "conc wordcount: " + endless + ":2: line longer than 8 bytes",
                  });
}

TEST_CASE("merge: the default line limit is 1M") {
  TempDir dir;
  Options o;
  o.merge = true;
  const auto f = dir.write("long.tsv", std::string((1 << 20) - 2, 'w') + "\t1\n" + std::string(1 << 20, 'w') + "\t1\n");
  o.inputs = {f};
  std::vector<std::string> errors;
  const auto counts = run(o, &errors);
  CHECK(counts.size() == 1);
  CHECK(errors == std::vector<std::string>{"conc wordcount: " + f + ":2: line longer than 1M"});
}

namespace {

// Counts `text` read from a pipe (a stream, not a sized file), written by another thread.
Counts run_pipe(Options o, const std::string& text, std::vector<std::string>& errors, std::string& name) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  std::thread writer([&, fd = fds[1]] {
    for (std::size_t at = 0; at < text.size();) {
      const ssize_t n = ::write(fd, text.data() + at, text.size() - at);
      if (n <= 0) break;  // the reader stopped early: EPIPE
      at += static_cast<std::size_t>(n);
    }
    ::close(fd);
  });
  name = "/dev/fd/" + std::to_string(fds[0]);
  o.inputs = {name};
  auto counts = run(o, &errors);
  ::close(fds[0]);
  writer.join();
  return counts;
}

}  // namespace

TEST_CASE("a stream word longer than max_word is an error at its offset, the rest skipped, for every strategy") {
  ::signal(SIGPIPE, SIG_IGN);  // the writer outlives the reader that stopped
  const std::string text = "a bb " + std::string(50, 'y') + " " + std::string(100, 'x') + " c c\n";
  for (const auto& info : strategies()) {
    for (std::size_t chunk : {1, 7, 64, 4096}) {
      for (std::size_t threads : {1, 3}) {
        CAPTURE(info.name, chunk, threads);
        Options o;
        o.strategy = info.id;
        o.chunk_size = chunk;
        o.threads = threads;
        o.max_word = 50;  // the y's are exactly the limit: counted
        std::vector<std::string> errors;
        std::string name;
        CHECK(run_pipe(o, text, errors, name) == Counts{{"a", 1}, {"bb", 1}, {std::string(50, 'y'), 1}});
        CHECK(errors == std::vector<std::string>{"conc wordcount: " + name +
                                                 ": word at byte 56 longer than 50 bytes: rest of the input skipped"});
      }
    }
  }
}

namespace {

struct Counted {
  Counts counts;
  Totals totals;
  std::vector<std::string> errors;
};

Counted count_all(const Options& o) {
  Counted c;
  conc::common::Diagnostics diag("wordcount", [&](std::string_view l) { c.errors.emplace_back(l); });
  const Result r = count_words(o, diag, {}, nullptr);
  for (const auto& wc : r.sorted) c.counts.emplace_back(std::string(wc.word), wc.count);
  c.totals = r.totals;
  return c;
}

// As count_all, with `text` read from a pipe (a stream), named `name`.
Counted count_pipe(Options o, const std::string& text, std::string& name) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  std::thread writer([&, fd = fds[1]] {
    for (std::size_t at = 0; at < text.size();) {
      const ssize_t n = ::write(fd, text.data() + at, text.size() - at);
      if (n <= 0) break;  // the reader stopped early: EPIPE
      at += static_cast<std::size_t>(n);
    }
    ::close(fd);
  });
  name = "/dev/fd/" + std::to_string(fds[0]);
  o.inputs = {name};
  Counted c = count_all(o);
  ::close(fds[0]);
  writer.join();
  return c;
}

}  // namespace

TEST_CASE("a word longer than max_word in a regular file: the stream's error, counts and totals, every strategy") {
  ::signal(SIGPIPE, SIG_IGN);  // the writer outlives the reader that stopped
  TempDir dir;
  const std::string y50(50, 'y');
  const std::string x100(100, 'x');
  struct Case {
    std::string text;
    Counts want;
    std::uint64_t at;  // where the first long word starts
  };
  const std::vector<Case> cases = {
      // Words after the long one that also come before it: those before stay counted.
      {"a bb " + y50 + " " + x100 + " c c a bb\n", {{"a", 1}, {"bb", 1}, {y50, 1}}, 56},
      // At the very start; at the very end (no newline); one after another.
      {x100 + " a\n", {}, 0},
      {"a\nb\n" + x100, {{"a", 1}, {"b", 1}}, 4},
      {"a " + x100 + "\n" + x100 + "x b\n" + y50 + "\n", {{"a", 1}}, 2},
      // Exactly the limit is a word like any other.
      {y50 + "\n" + y50 + " z", {{y50, 2}, {"z", 1}}, 0},
  };
  for (std::size_t k = 0; k < cases.size(); ++k) {
    const Case& c = cases[k];
    const auto file = dir.write("long" + std::to_string(k), c.text);
    const bool too_long = c.text.find(x100) != std::string::npos;
    for (const auto& info : strategies()) {
      for (std::size_t chunk : {1, 7, 64, 4096}) {
        for (std::size_t threads : {1, 3}) {
          CAPTURE(k, info.name, chunk, threads);
          Options o;
          o.strategy = info.id;
          o.chunk_size = chunk;
          o.threads = threads;
          o.max_word = 50;
          std::string name;
          const Counted stream = count_pipe(o, c.text, name);
          o.inputs = {file};
          const Counted got = count_all(o);
          CHECK(stream.counts == c.want);
          CHECK(got.counts == c.want);
          CHECK(got.totals.bytes == stream.totals.bytes);
          CHECK(got.totals.lines == stream.totals.lines);
          CHECK(got.totals.words == stream.totals.words);
          const std::string reason =
              ": word at byte " + std::to_string(c.at) + " longer than 50 bytes: rest of the input skipped";
          CHECK(got.errors ==
                (too_long ? std::vector<std::string>{"conc wordcount: " + file + reason} : std::vector<std::string>{}));
          CHECK(stream.errors ==
                (too_long ? std::vector<std::string>{"conc wordcount: " + name + reason} : std::vector<std::string>{}));
        }
      }
    }
  }
}

TEST_CASE("over-long words in several regular files are reported in input order, each file's rest skipped") {
  TempDir dir;
  const std::string x100(100, 'x');
  const auto f1 = dir.write("f1", "one " + x100 + " two\n");
  const auto f2 = dir.write("f2", "three\n");
  const auto f3 = dir.write("f3", "four " + x100 + " five\n");
  // 256 KiB of one word, 16,384 chunks: cut at the limit like the short
  // ones. (8 MiB here took two minutes under ThreadSanitizer.)
  const auto big = dir.write("big", "six " + std::string(std::size_t{256} << 10, 'z') + " seven\n");
  for (const auto& info : strategies()) {
    CAPTURE(info.name);
    Options o;
    o.strategy = info.id;
    o.threads = 4;
    o.chunk_size = 16;
    o.max_word = 64;
    o.inputs = {f1, f2, f3, big};
    const Counted got = count_all(o);
    CHECK(got.counts == Counts{{"four", 1}, {"one", 1}, {"six", 1}, {"three", 1}});
    CHECK(got.errors ==
          std::vector<std::string>{
              "conc wordcount: " + f1 + ": word at byte 4 longer than 64 bytes: rest of the input skipped",
              "conc wordcount: " + f3 + ": word at byte 5 longer than 64 bytes: rest of the input skipped",
              "conc wordcount: " + big + ": word at byte 4 longer than 64 bytes: rest of the input skipped",
          });
    // The bytes and lines counted stop before each long word, as a stream's.
    CHECK(got.totals.bytes == 3 + 6 + 4 + 3);
    CHECK(got.totals.lines == 1);
  }
}
