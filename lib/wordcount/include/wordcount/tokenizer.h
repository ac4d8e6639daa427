// wordcount/tokenizer.h: what a word is, for each --split mode.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/utf8.h"

namespace conc::wordcount {

enum class SplitMode {
  kWords,  ///< runs of Unicode letters, marks and digits; ' and ’ inside a word
  kWs,     ///< runs of bytes that are not ASCII whitespace (wc -w)
  kAlpha,  ///< runs of ASCII letters (tr -cs A-Za-z '\n')
};

struct TokenizerOptions {
  SplitMode mode = SplitMode::kWords;
  bool fold_case = true;  ///< kWords: Unicode simple case folding; others: A-Z only
};

/// Splits text into words and folds their case.
///
/// Thread-safe (const); each thread gives `for_each` its own scratch string.
/// `next_cut` finds where a big input may be split so that tokenizing the
/// parts separately yields exactly the words of the whole.
class Tokenizer {
 public:
  explicit Tokenizer(TokenizerOptions options);

  /// Calls `on_word(std::string_view)` for every word of `text`, in order.
  /// The view is valid only during the call. `scratch` holds folded words.
  template <class OnWord>
  void for_each(std::string_view text, std::string& scratch, OnWord&& on_word) const {
    for_each_run(text, [&](std::string_view run, bool fold, bool special) {
      if (special) {  // kWords only: an apostrophe or non-ASCII inside
        unicode_words(run, scratch, on_word);
      } else {
        emit_bytes(run, fold, scratch, on_word);
      }
    });
  }

  /// Folds the ASCII letters of `bytes` in place as for_each would (A-Z to
  /// a-z). for_each then hands out every word that needs no other folding as
  /// a view into the text itself, valid as long as the text: in the byte
  /// modes every word; in kWords mode every word without an apostrophe or a
  /// non-ASCII character (those come from scratch).
  void fold_in_place(std::span<char> bytes) const noexcept;

  /// The first index >= `from` where `text` may be cut: a separator byte
  /// that ends any word before it whatever follows. `text.size()` if none.
  [[nodiscard]] std::size_t next_cut(std::string_view text, std::size_t from) const;
  /// The last such index in `text`, or std::string_view::npos if none.
  [[nodiscard]] std::size_t last_cut(std::string_view text) const;

  [[nodiscard]] const TokenizerOptions& options() const noexcept { return options_; }

 private:
  // Per-byte classes for the byte modes and for ASCII in kWords.
  enum : std::uint8_t { kSep = 0, kWord = 1, kApostrophe = 2, kNonAscii = 3 };

  // Words are found 64 bytes at a time: SSE2 classifies the bytes into bit
  // masks, then bit scans walk the runs of word bytes (one branch per run,
  // not two per byte). f(run, fold, special) gets each maximal run of
  // non-separator bytes; `fold` if folding changes one of its bytes,
  // `special` (kWords only) if it holds an apostrophe or a non-ASCII byte
  // and so needs the full Unicode rules. A run is bounded by ASCII
  // separators, so tokenizing it alone gives the words of the whole.
  template <class F>
  void for_each_run(std::string_view text, F&& f) const {
    const char* base = text.data();
    const std::size_t n = text.size();
    std::size_t run_start = 0;
    bool in_run = false;
    bool fold = false;     // the current run has a byte that folding changes
    bool special = false;  // the current run has an apostrophe or non-ASCII byte
    for (std::size_t block = 0; block < n; block += 64) {
      const std::size_t len = n - block < 64 ? n - block : 64;
      Masks m;
      classify64(base + block, len, m);
      const std::uint64_t before = (m.word << 1) | (in_run ? 1u : 0u);  // bit k: byte k-1 in a run
      std::uint64_t starts = m.word & ~before;
      std::uint64_t ends = ~m.word & before;
      if (len < 64) ends &= (2ull << len) - 1;  // the padding ends the last run at len
      std::size_t from = 0;                     // where the current run starts within this block
      for (;;) {
        if (in_run) {
          if (ends == 0) break;
          const auto e = static_cast<unsigned>(__builtin_ctzll(ends));
          ends &= ends - 1;
          const std::uint64_t bits = bits_between(from, e);
          f(std::string_view(base + run_start, block + e - run_start), fold || (m.upper & bits) != 0,
            special || (m.special & bits) != 0);
          in_run = false;
        } else {
          if (starts == 0) break;
          const auto b = static_cast<unsigned>(__builtin_ctzll(starts));
          starts &= starts - 1;
          run_start = block + b;
          from = b;
          in_run = true;
          fold = false;
          special = false;
        }
      }
      if (in_run) {  // runs on into the next block
        const std::uint64_t bits = bits_between(from, 64);
        fold = fold || (m.upper & bits) != 0;
        special = special || (m.special & bits) != 0;
      }
    }
    if (in_run) f(std::string_view(base + run_start, n - run_start), fold, special);
  }

  // Bits [from, to) of a 64-bit mask.
  static std::uint64_t bits_between(std::size_t from, std::size_t to) noexcept {
    const std::uint64_t upto = to >= 64 ? ~0ull : (1ull << to) - 1;
    return upto & ~((1ull << from) - 1);
  }

  template <class OnWord>
  void emit_bytes(std::string_view word, bool fold, std::string& scratch, OnWord& on_word) const {
    if (!fold) {
      on_word(word);
      return;
    }
    scratch.resize(word.size());
    for (std::size_t k = 0; k < word.size(); ++k) {
      scratch[k] = static_cast<char>(lower_[static_cast<unsigned char>(word[k])]);
    }
    on_word(std::string_view(scratch));
  }

  // Bit k of each mask describes byte k of a 64-byte block.
  struct Masks {
    std::uint64_t word = 0;     ///< not a separator
    std::uint64_t upper = 0;    ///< changed by folding
    std::uint64_t special = 0;  ///< kWords: an apostrophe or non-ASCII byte
  };
  // Classifies p[0, len); bits at and past len are 0.
  void classify64(const char* p, std::size_t len, Masks& m) const;

  template <class OnWord>
  void unicode_words(std::string_view text, std::string& scratch, OnWord& on_word) const {
    scratch.clear();
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    std::size_t i = 0;
    while (i < n) {
      const unsigned char c = p[i];
      const std::uint8_t cls = class_[c];
      if (cls == kWord) {
        scratch.push_back(static_cast<char>(lower_[c]));
        ++i;
      } else if (cls == kSep) {
        if (!scratch.empty()) emit(scratch, on_word);
        ++i;
      } else if (cls == kApostrophe) {
        if (!scratch.empty() && word_char_at(text, i + 1)) {
          scratch.push_back('\'');
        } else if (!scratch.empty()) {
          emit(scratch, on_word);
        }
        ++i;
      } else {
        i = non_ascii(text, i, scratch, on_word);
      }
    }
    if (!scratch.empty()) emit(scratch, on_word);
  }

  template <class OnWord>
  static void emit(std::string& scratch, OnWord& on_word) {
    on_word(std::string_view(scratch));
    scratch.clear();
  }

  // Handles the non-ASCII sequence at text[i]; returns the index after it.
  template <class OnWord>
  std::size_t non_ascii(std::string_view text, std::size_t i, std::string& scratch, OnWord& on_word) const {
    char32_t cp = 0;
    const std::size_t len = decode_utf8(text, i, cp);
    if (len == 0) {  // invalid UTF-8: a separator
      if (!scratch.empty()) emit(scratch, on_word);
      return i + 1;
    }
    if (cp == U'\u2019') {  // right single quotation mark, used as an apostrophe
      if (!scratch.empty() && word_char_at(text, i + len)) {
        scratch.append(text.substr(i, len));
      } else if (!scratch.empty()) {
        emit(scratch, on_word);
      }
    } else if (is_word_code_point(cp)) {
      if (options_.fold_case) {
        common::append_utf8(scratch, fold(cp));
      } else {
        scratch.append(text.substr(i, len));
      }
    } else if (!scratch.empty()) {
      emit(scratch, on_word);
    }
    return i + len;
  }

  [[nodiscard]] bool word_char_at(std::string_view text, std::size_t i) const;
  /// Length of the valid UTF-8 sequence at text[i] (its code point in `cp`),
  /// or 0 if it is invalid or truncated.
  static std::size_t decode_utf8(std::string_view text, std::size_t i, char32_t& cp);
  static bool is_word_code_point(char32_t cp);
  static char32_t fold(char32_t cp);

  TokenizerOptions options_;
  std::array<std::uint8_t, 256> class_{};
  std::array<unsigned char, 256> lower_{};
};

}  // namespace conc::wordcount
