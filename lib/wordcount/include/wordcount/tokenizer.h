// wordcount/tokenizer.h: what a word is, for each --split mode.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

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
    if (options_.mode == SplitMode::kWords) {
      unicode_words(text, scratch, on_word);
    } else {
      byte_words(text, scratch, on_word);
    }
  }

  /// In the byte modes, folds `bytes` in place as for_each would (A-Z to
  /// a-z) and returns true: for_each then hands out views into the text
  /// itself, never into scratch, which stay valid as long as the text.
  /// Returns false and changes nothing in kWords mode, where folding can
  /// change a word's length.
  bool fold_in_place(std::span<char> bytes) const noexcept;

  /// The first index >= `from` where `text` may be cut: a separator byte
  /// that ends any word before it whatever follows. `text.size()` if none.
  [[nodiscard]] std::size_t next_cut(std::string_view text, std::size_t from) const;
  /// The last such index in `text`, or std::string_view::npos if none.
  [[nodiscard]] std::size_t last_cut(std::string_view text) const;

  [[nodiscard]] const TokenizerOptions& options() const noexcept { return options_; }

 private:
  // Per-byte classes for the byte modes and for ASCII in kWords.
  enum : std::uint8_t { kSep = 0, kWord = 1, kApostrophe = 2, kNonAscii = 3 };
  // Byte modes only: set on word bytes that folding changes (A-Z).
  static constexpr std::uint8_t kFoldBit = 4;

  // The byte modes classify 64 bytes at a time into bit masks (SSE2), then
  // walk the words with bit scans: one branch per word, not two per byte.
  template <class OnWord>
  void byte_words(std::string_view text, std::string& scratch, OnWord& on_word) const {
    const char* base = text.data();
    const std::size_t n = text.size();
    std::size_t word_start = 0;
    bool in_word = false;
    bool fold = false;  // the current word has a byte that folding changes
    for (std::size_t block = 0; block < n; block += 64) {
      const std::size_t len = n - block < 64 ? n - block : 64;
      std::uint64_t word_bits = 0;
      std::uint64_t upper_bits = 0;
      classify64(base + block, len, word_bits, upper_bits);
      const std::uint64_t before = (word_bits << 1) | (in_word ? 1u : 0u);  // bit k: byte k-1 in a word
      std::uint64_t starts = word_bits & ~before;
      std::uint64_t ends = ~word_bits & before;
      if (len < 64) ends &= (2ull << len) - 1;  // the padding ends the last word at len
      std::size_t from = 0;  // where the current word starts within this block
      for (;;) {
        if (in_word) {
          if (ends == 0) break;
          const auto e = static_cast<unsigned>(__builtin_ctzll(ends));
          ends &= ends - 1;
          fold = fold || (upper_bits & bits_between(from, e)) != 0;
          emit_bytes(std::string_view(base + word_start, block + e - word_start), fold, scratch, on_word);
          in_word = false;
        } else {
          if (starts == 0) break;
          const auto b = static_cast<unsigned>(__builtin_ctzll(starts));
          starts &= starts - 1;
          word_start = block + b;
          from = b;
          in_word = true;
          fold = false;
        }
      }
      if (in_word) fold = fold || (upper_bits & bits_between(from, 64)) != 0;  // runs on
    }
    if (in_word) emit_bytes(std::string_view(base + word_start, n - word_start), fold, scratch, on_word);
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

  // Sets bit k of `word` if byte k of p[0, len) belongs to a word, and of
  // `upper` if folding changes it. Bits at and past len are 0.
  void classify64(const char* p, std::size_t len, std::uint64_t& word, std::uint64_t& upper) const;

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
        append_utf8(scratch, fold(cp));
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
  static void append_utf8(std::string& out, char32_t cp);
  static bool is_word_code_point(char32_t cp);
  static char32_t fold(char32_t cp);

  TokenizerOptions options_;
  std::array<std::uint8_t, 256> class_{};
  std::array<unsigned char, 256> lower_{};
};

}  // namespace conc::wordcount
