#include "wordcount/tokenizer.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

using conc::wordcount::SplitMode;
using conc::wordcount::Tokenizer;

namespace {
std::vector<std::string> words(const std::string& text, SplitMode mode, bool fold = true) {
  Tokenizer tok({mode, fold});
  std::vector<std::string> out;
  std::string scratch;
  tok.for_each(text, scratch, [&](std::string_view w) { out.emplace_back(w); });
  return out;
}
using V = std::vector<std::string>;
}  // namespace

TEST_CASE("words: punctuation separates, case folds") {
  CHECK(words("Hello, world! HELLO again.", SplitMode::kWords) == V{"hello", "world", "hello", "again"});
  CHECK(words("route 66 and 1st", SplitMode::kWords) == V{"route", "66", "and", "1st"});
  CHECK(words("", SplitMode::kWords).empty());
  CHECK(words("  \n\t ", SplitMode::kWords).empty());
}

TEST_CASE("words: apostrophes only between word characters") {
  CHECK(words("don't 'quoted' it's' l\xE2\x80\x99homme rock\xE2\x80\x99n\xE2\x80\x99roll ''", SplitMode::kWords) ==
        V{"don't", "quoted", "it's", "l\xE2\x80\x99homme", "rock\xE2\x80\x99n\xE2\x80\x99roll"});
  CHECK(words("end'", SplitMode::kWords) == V{"end"});
}

TEST_CASE("words: CRLF and no final newline") {
  CHECK(words("a b\r\nb c\r\n", SplitMode::kWords) == V{"a", "b", "b", "c"});
  CHECK(words("last word", SplitMode::kWords) == V{"last", "word"});
}

TEST_CASE("words: Unicode simple case folding") {
  // Simple folding keeps ß (full folding would give "strasse").
  CHECK(words("Stra\xC3\x9F"
              "e STRASSE",
              SplitMode::kWords) == V{"stra\xC3\x9F"
                                      "e",
                                      "strasse"});
  // Greek: capital and final sigma both fold to σ.
  CHECK(words("\xCE\xA3\xCE\x9F\xCE\xA6\xCE\x9F\xCE\xA3 \xCF\x83\xCE\xBF\xCF\x86\xCE\xBF\xCF\x82", SplitMode::kWords) ==
        V{"\xCF\x83\xCE\xBF\xCF\x86\xCE\xBF\xCF\x83", "\xCF\x83\xCE\xBF\xCF\x86\xCE\xBF\xCF\x83"});
  // A combining mark stays inside the word.
  CHECK(words("Cafe\xCC\x81!", SplitMode::kWords) == V{"cafe\xCC\x81"});
}

TEST_CASE("words: invalid UTF-8 bytes and NUL are separators") {
  CHECK(words("ab\xFF"
              "cd\xC3 ef\xE2\x82",
              SplitMode::kWords) == V{"ab", "cd", "ef"});
  CHECK(words(std::string("x\0y", 3), SplitMode::kWords) == V{"x", "y"});
}

TEST_CASE("words: --case keep") {
  CHECK(words("The the \xC3\x89T\xC3\x89", SplitMode::kWords, false) == V{"The", "the", "\xC3\x89T\xC3\x89"});
}

TEST_CASE("ws: runs of non-whitespace bytes, only A-Z folded") {
  CHECK(words("Hello, World!\thello,\r\n\xC3\x89"
              "COLE",
              SplitMode::kWs) == V{"hello,", "world!", "hello,",
                                   "\xC3\x89"
                                   "cole"});
  CHECK(words(std::string("a\0b c", 5), SplitMode::kWs) == V{std::string("a\0b", 3), "c"});
}

TEST_CASE("alpha: runs of ASCII letters") {
  CHECK(words("don't stop-me 42x \xC3\xA9t\xC3\xA9", SplitMode::kAlpha) == V{"don", "t", "stop", "me", "x", "t"});
}

TEST_CASE("cuts never split a word") {
  const std::string text = "one two\xE2\x80\x99s l'ami tr\xC3\xA8s-bien end";
  for (auto mode : {SplitMode::kWords, SplitMode::kWs, SplitMode::kAlpha}) {
    Tokenizer tok({mode, true});
    const auto whole = words(text, mode);
    for (std::size_t from = 0; from <= text.size(); ++from) {
      const std::size_t cut = tok.next_cut(text, from);
      REQUIRE(cut >= from);
      auto left = words(text.substr(0, cut), mode);
      const auto right = words(text.substr(cut), mode);
      left.insert(left.end(), right.begin(), right.end());
      CAPTURE(static_cast<int>(mode), from, cut);
      REQUIRE(left == whole);
    }
  }
}

// The byte modes classify 64 bytes at a time; compare them with the
// definition, byte by byte, on random text of every length around the
// block size.
TEST_CASE("ws and alpha agree with a byte-by-byte reference on random text") {
  std::mt19937 rng(7);
  const std::string alphabet = "aB \n\tZz\r\x01\xc3\xa9.-\v\f";
  for (int iter = 0; iter < 20000; ++iter) {
    std::string s;
    const std::size_t len = rng() % 200;
    for (std::size_t i = 0; i < len; ++i) s.push_back(alphabet[rng() % alphabet.size()]);
    for (const auto mode : {SplitMode::kWs, SplitMode::kAlpha}) {
      for (const bool fold : {true, false}) {
        V ref;
        std::string cur;
        for (const unsigned char c : s) {
          const bool word = mode == SplitMode::kWs
                                ? !(c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r')
                                : ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
          if (word) {
            cur.push_back(static_cast<char>(fold && c >= 'A' && c <= 'Z' ? c + 32 : c));
          } else if (!cur.empty()) {
            ref.push_back(cur);
            cur.clear();
          }
        }
        if (!cur.empty()) ref.push_back(cur);
        CAPTURE(iter, static_cast<int>(mode), fold, len);
        REQUIRE(words(s, mode, fold) == ref);
      }
    }
  }
}

// kWords mode scans ASCII 64 bytes at a time and hands runs with an
// apostrophe or non-ASCII byte to the code-point rules; compare it with a
// reference that applies the definition code point by code point (ICU's
// properties and simple folding), on random text of lengths around the
// block size.
namespace {
// Decodes the valid UTF-8 sequence at s[i] (returns its length) or 0.
std::size_t decode(const std::string& s, std::size_t i, UChar32& cp) {
  int32_t at = static_cast<int32_t>(i);
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  UChar32 c = 0;
  U8_NEXT(p, at, static_cast<int32_t>(s.size()), c);
  if (c < 0) return 0;
  cp = c;
  return static_cast<std::size_t>(at) - i;
}
bool word_cp(UChar32 c) { return (U_GET_GC_MASK(c) & (U_GC_L_MASK | U_GC_M_MASK | U_GC_ND_MASK)) != 0; }
V reference_words(const std::string& s, bool fold) {
  V out;
  std::string cur;
  std::size_t i = 0;
  const auto word_at = [&](std::size_t k) {
    UChar32 c = 0;
    return k < s.size() && decode(s, k, c) != 0 && word_cp(c);
  };
  while (i < s.size()) {
    UChar32 c = 0;
    const std::size_t len = decode(s, i, c);
    if (len != 0 && word_cp(c)) {
      const UChar32 f = fold ? u_foldCase(c, U_FOLD_CASE_DEFAULT) : c;
      char buf[4];
      int32_t n = 0;
      U8_APPEND_UNSAFE(buf, n, f);
      cur.append(buf, static_cast<std::size_t>(n));
    } else if (len != 0 && (c == '\'' || c == 0x2019) && !cur.empty() && word_at(i + len)) {
      cur.append(s, i, len);
    } else if (!cur.empty()) {
      out.push_back(cur);
      cur.clear();
    }
    i += len == 0 ? 1 : len;
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}
}  // namespace

TEST_CASE("words: the block scanner agrees with a code-point reference on random text") {
  std::mt19937 rng(11);
  const std::vector<std::string> alphabet = {"a",
                                             "B",
                                             "z",
                                             "7",
                                             " ",
                                             "\n",
                                             "\r",
                                             ",",
                                             ".",
                                             "'",
                                             "\xE2\x80\x99",
                                             "\xC3\x89",
                                             "\xC3\xA9",
                                             "\xC3\x9F",
                                             "\xCE\xA3",
                                             "\xCF\x82",
                                             "\xE2\x80\x94",
                                             "\xE6\x97\xA5",
                                             "\xF0\x9F\x98\x80",
                                             "\xFF",
                                             "\xC3",
                                             "\xE2\x80",
                                             "\xED\xA0\x80",
                                             std::string(1, '\0'),
                                             "\xCC\x81",
                                             "\xD9\xA3"};
  for (int iter = 0; iter < 20000; ++iter) {
    std::string s;
    const std::size_t target = rng() % 200;
    while (s.size() < target) s += alphabet[rng() % alphabet.size()];
    for (const bool fold : {true, false}) {
      CAPTURE(iter, fold, s);
      REQUIRE(words(s, SplitMode::kWords, fold) == reference_words(s, fold));
    }
  }
}
