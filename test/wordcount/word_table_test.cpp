#include "wordcount/word_table.h"

#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

using conc::wordcount::key_of;
using conc::wordcount::key_of_padded;
using conc::wordcount::kWordPadding;
using conc::wordcount::PrefetchingAdder;
using conc::wordcount::WordTable;

namespace {

std::map<std::string, std::uint64_t> contents(const WordTable& table) {
  std::map<std::string, std::uint64_t> out;
  table.for_each([&](std::string_view w, const conc::wordcount::WordKey& k, std::uint64_t c) {
    CHECK(k.hash == key_of(w).hash);
    CHECK(out.emplace(std::string(w), c).second);  // each word once
  });
  return out;
}

// Words of every length from 1 to 40 that differ only in their last byte, in
// a padding byte position, or by a trailing NUL: the cases where a key built
// from masked loads could confuse two words.
std::vector<std::string> awkward_words() {
  std::vector<std::string> out;
  for (std::size_t n = 1; n <= 40; ++n) {
    std::string w(n, 'a');
    out.push_back(w);
    w.back() = 'b';
    out.push_back(w);
    w.back() = '\0';
    out.push_back(w);
    out.push_back(std::string(n, '\0'));
    out.push_back(std::string(n, '\xff'));
  }
  return out;
}

}  // namespace

TEST_CASE("word keys: the padded key equals the plain key for every length") {
  std::mt19937_64 rng(7);
  std::string buffer(64 + kWordPadding, '\0');
  for (int round = 0; round < 2000; ++round) {
    for (char& c : buffer) c = static_cast<char>(rng());
    const std::size_t n = 1 + rng() % 40;
    const std::string_view word(buffer.data(), n);  // followed by garbage, as in a piece
    const auto plain = key_of(std::string(word));   // a copy with nothing after it
    const auto padded = key_of_padded(word);
    REQUIRE(plain.head == padded.head);
    REQUIRE(plain.tail == padded.tail);
    REQUIRE(plain.hash == padded.hash);
  }
}

TEST_CASE("word table: counts equal a std::map over awkward words") {
  const auto words = awkward_words();
  std::map<std::string, std::uint64_t> expected;
  WordTable table;
  std::mt19937_64 rng(11);
  for (int i = 0; i < 20000; ++i) {
    const std::string& w = words[rng() % words.size()];
    const std::uint64_t n = 1 + rng() % 3;
    table.add(w, n);
    expected[w] += n;
  }
  CHECK(table.size() == expected.size());
  CHECK(contents(table) == expected);
}

TEST_CASE("word table: many distinct words survive growing, and merge sums") {
  WordTable a;
  WordTable b;
  std::map<std::string, std::uint64_t> expected;
  for (int i = 0; i < 100000; ++i) {
    const std::string w = "w" + std::to_string(i * 7919 % 100003);
    a.add(w);
    expected[w] += 1;
    if (i % 3 == 0) {
      b.add(w, 2);
      expected[w] += 2;
    }
  }
  a.merge(b);
  CHECK(contents(a) == expected);
}

TEST_CASE("word table: an empty word is refused") {
  WordTable table;
  CHECK_THROWS_AS(table.add(""), std::invalid_argument);
  table.add("x");
  CHECK_THROWS_AS(table.add(""), std::invalid_argument);
  CHECK(contents(table) == std::map<std::string, std::uint64_t>{{"x", 1}});
}

TEST_CASE("prefetching adder: the same counts as direct adds, flushed in full") {
  // One buffer with padding after it, as the pieces have; words are views.
  std::string text;
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  std::mt19937_64 rng(3);
  for (int i = 0; i < 5000; ++i) {
    const std::size_t n = 1 + rng() % 24;
    spans.emplace_back(text.size(), n);
    for (std::size_t k = 0; k < n; ++k) text.push_back(static_cast<char>('a' + rng() % 3));
  }
  text.append(kWordPadding, '\0');
  for (const std::size_t count : {std::size_t{0}, std::size_t{1}, PrefetchingAdder::kDepth - 1,
                                  PrefetchingAdder::kDepth, PrefetchingAdder::kDepth + 1, spans.size()}) {
    WordTable direct;
    WordTable batched;
    {
      PrefetchingAdder adder(batched);
      for (std::size_t i = 0; i < count; ++i) {
        const std::string_view w(text.data() + spans[i].first, spans[i].second);
        direct.add(w);
        adder.add(w);
      }
    }  // the destructor flushes
    CHECK(contents(batched) == contents(direct));
  }
}

TEST_CASE("WordTable count_of and add_checked") {
  conc::wordcount::WordTable t;
  CHECK(t.count_of("a") == 0);  // empty table
  t.add("a", 3);
  const std::string longer(40, 'q');
  t.add(longer, 2);
  CHECK(t.count_of("a") == 3);
  CHECK(t.count_of(longer) == 2);
  CHECK(t.count_of(std::string(39, 'q') + "r") == 0);  // same first 16 bytes, other rest
  CHECK(t.count_of("") == 0);
  CHECK(t.add_checked("a", UINT64_MAX - 3));
  CHECK(t.count_of("a") == UINT64_MAX);
  CHECK_FALSE(t.add_checked("a", 1));
  CHECK(t.count_of("a") == UINT64_MAX);  // unchanged by the refused add
  CHECK(t.add_checked("new", UINT64_MAX));
  CHECK(t.size() == 3);
}
