// wordcount/tokenizer.h: what a word is, for each --split mode.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
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

  /// The first index >= `from` where `text` may be cut: a separator byte
  /// that ends any word before it whatever follows. `text.size()` if none.
  [[nodiscard]] std::size_t next_cut(std::string_view text, std::size_t from) const;
  /// The last such index in `text`, or std::string_view::npos if none.
  [[nodiscard]] std::size_t last_cut(std::string_view text) const;

  [[nodiscard]] const TokenizerOptions& options() const noexcept { return options_; }

 private:
  // Per-byte classes for the byte modes and for ASCII in kWords.
  enum : std::uint8_t { kSep = 0, kWord = 1, kApostrophe = 2, kNonAscii = 3 };

  template <class OnWord>
  void byte_words(std::string_view text, std::string& scratch, OnWord& on_word) const {
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    std::size_t i = 0;
    while (i < n) {
      while (i < n && class_[p[i]] == kSep) ++i;
      if (i == n) break;
      const std::size_t start = i;
      unsigned changes = 0;
      while (i < n && class_[p[i]] != kSep) changes |= static_cast<unsigned>(lower_[p[i]] != p[i]), ++i;
      if (changes == 0) {
        on_word(std::string_view(text.data() + start, i - start));
      } else {
        scratch.resize(i - start);
        for (std::size_t k = start; k < i; ++k) scratch[k - start] = static_cast<char>(lower_[p[k]]);
        on_word(std::string_view(scratch));
      }
    }
  }

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
