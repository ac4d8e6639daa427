#include "wordcount/tokenizer.h"

#include <emmintrin.h>
#include <unicode/uchar.h>

#include <cstring>

#include "common/simd_text.h"

namespace conc::wordcount {
namespace {

bool ascii_space(unsigned c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }
bool ascii_alpha(unsigned c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool ascii_digit(unsigned c) { return c >= '0' && c <= '9'; }

}  // namespace

Tokenizer::Tokenizer(TokenizerOptions options) : options_(options) {
  for (unsigned c = 0; c < 256; ++c) {
    const bool upper = c >= 'A' && c <= 'Z';
    lower_[c] = static_cast<unsigned char>(options_.fold_case && upper ? c + ('a' - 'A') : c);
    switch (options_.mode) {
      case SplitMode::kWs: class_[c] = ascii_space(c) ? kSep : kWord; break;
      case SplitMode::kAlpha: class_[c] = ascii_alpha(c) ? kWord : kSep; break;
      case SplitMode::kWords:
        if (c >= 0x80) {
          class_[c] = kNonAscii;
        } else if (ascii_alpha(c) || ascii_digit(c)) {
          class_[c] = kWord;
        } else if (c == '\'') {
          class_[c] = kApostrophe;
        } else {
          class_[c] = kSep;
        }
        break;
    }
  }
}

void Tokenizer::classify64(const char* p, std::size_t len, Masks& m) const {
  alignas(16) char buf[64];
  if (len < 64) {
    std::memset(buf, options_.mode == SplitMode::kWs ? ' ' : '.', sizeof buf);  // separators
    std::memcpy(buf, p, len);
    p = buf;
  }
  m = Masks{};
  const __m128i k_a = _mm_set1_epi8('a');
  const __m128i k_A = _mm_set1_epi8('A');
  const __m128i k_0 = _mm_set1_epi8('0');
  const __m128i k_25 = _mm_set1_epi8(25);
  const __m128i k_9 = _mm_set1_epi8(9);
  const __m128i k_4 = _mm_set1_epi8(4);
  const __m128i k_space = _mm_set1_epi8(' ');
  const __m128i k_apostrophe = _mm_set1_epi8('\'');
  const __m128i k_0x20 = _mm_set1_epi8(0x20);
  // x <= limit, unsigned per byte: min(x, limit) == x.
  const auto le = [](__m128i x, __m128i limit) { return _mm_cmpeq_epi8(_mm_min_epu8(x, limit), x); };
  const auto bits = [](__m128i v, int k) {
    return static_cast<std::uint64_t>(static_cast<std::uint16_t>(_mm_movemask_epi8(v))) << (16 * k);
  };
  for (int k = 0; k < 4; ++k) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + std::ptrdiff_t{16} * k));
    m.upper |= bits(le(_mm_sub_epi8(v, k_A), k_25), k);
    const __m128i alpha = le(_mm_sub_epi8(_mm_or_si128(v, k_0x20), k_a), k_25);  // (v | 0x20) in 'a'..'z'
    switch (options_.mode) {
      case SplitMode::kWs: {
        const __m128i space = _mm_or_si128(_mm_cmpeq_epi8(v, k_space), le(_mm_sub_epi8(v, k_9), k_4));
        m.word |= ~bits(space, k) & (0xffffull << (16 * k));
        break;
      }
      case SplitMode::kAlpha: m.word |= bits(alpha, k); break;
      case SplitMode::kWords: {
        // The sign bit marks non-ASCII bytes: movemask of v itself.
        const std::uint64_t special = bits(_mm_cmpeq_epi8(v, k_apostrophe), k) | bits(v, k);
        m.word |= bits(_mm_or_si128(alpha, le(_mm_sub_epi8(v, k_0), k_9)), k) | special;
        m.special |= special;
        break;
      }
    }
  }
  if (!options_.fold_case) m.upper = 0;
}

void Tokenizer::fold_in_place(std::span<char> bytes) const noexcept {
  if (options_.fold_case) common::ascii_lower(bytes);
}

std::size_t Tokenizer::next_cut(std::string_view text, std::size_t from) const {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  for (std::size_t i = from; i < text.size(); ++i) {
    // kWords: only an ASCII separator is safe. ASCII bytes never occur inside
    // a UTF-8 sequence, and the apostrophe (which may join two words) is not
    // a separator class.
    if (class_[p[i]] == kSep) return i;
  }
  return text.size();
}

std::size_t Tokenizer::last_cut(std::string_view text) const {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  for (std::size_t i = text.size(); i > 0; --i) {
    if (class_[p[i - 1]] == kSep) return i - 1;
  }
  return std::string_view::npos;
}

bool Tokenizer::word_char_at(std::string_view text, std::size_t i) const {
  if (i >= text.size()) return false;
  const auto c = static_cast<unsigned char>(text[i]);
  if (c < 0x80) return class_[c] == kWord;
  char32_t cp = 0;
  return decode_utf8(text, i, cp) != 0 && is_word_code_point(cp);
}

std::size_t Tokenizer::decode_utf8(std::string_view text, std::size_t i, char32_t& cp) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  const unsigned c = p[i];
  const auto cont = [&](std::size_t k) { return i + k < n && (p[i + k] & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF) {
    if (!cont(1)) return 0;
    cp = ((c & 0x1F) << 6) | (p[i + 1] & 0x3F);
    return 2;
  }
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    cp = ((c & 0x0F) << 12) | ((p[i + 1] & 0x3F) << 6) | (p[i + 2] & 0x3F);
    if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;  // overlong, surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    cp = ((c & 0x07) << 18) | ((p[i + 1] & 0x3F) << 12) | ((p[i + 2] & 0x3F) << 6) | (p[i + 3] & 0x3F);
    if (cp < 0x10000 || cp > 0x10FFFF) return 0;
    return 4;
  }
  return 0;
}

bool Tokenizer::is_word_code_point(char32_t cp) {
  const auto mask = U_GET_GC_MASK(static_cast<UChar32>(cp));
  return (mask & (U_GC_L_MASK | U_GC_M_MASK | U_GC_ND_MASK)) != 0;
}

char32_t Tokenizer::fold(char32_t cp) {
  return static_cast<char32_t>(u_foldCase(static_cast<UChar32>(cp), U_FOLD_CASE_DEFAULT));
}

}  // namespace conc::wordcount
