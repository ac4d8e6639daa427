#include "common/simd_text.h"

#include <emmintrin.h>

#include <cstddef>

namespace conc::common {
namespace {

// Flips the case of the 26 letters from `first`.
void flip_letters(std::span<char> bytes, char first) noexcept {
  char* p = bytes.data();
  const std::size_t n = bytes.size();
  std::size_t i = 0;
  // c is a letter when (c - first) < 26 unsigned; SSE2 compares signed, so
  // both sides are shifted by 0x80.
  const __m128i base = _mm_set1_epi8(first);
  const __m128i bias = _mm_set1_epi8(static_cast<char>(0x80));
  const __m128i limit = _mm_set1_epi8(static_cast<char>(26 ^ 0x80));
  const __m128i flip = _mm_set1_epi8(0x20);
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const __m128i letter = _mm_cmplt_epi8(_mm_xor_si128(_mm_sub_epi8(v, base), bias), limit);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p + i), _mm_xor_si128(v, _mm_and_si128(letter, flip)));
  }
  for (; i < n; ++i) {
    if (static_cast<unsigned char>(p[i] - first) < 26) p[i] = static_cast<char>(p[i] ^ 0x20);
  }
}

}  // namespace

void ascii_upper(std::span<char> bytes) noexcept { flip_letters(bytes, 'a'); }
void ascii_lower(std::span<char> bytes) noexcept { flip_letters(bytes, 'A'); }

// Matches add -1 to byte counters (up to 255 rounds before they could wrap),
// summed by _mm_sad_epu8.
std::uint64_t count_newlines(std::string_view text) noexcept {
  const char* data = text.data();
  const std::size_t n = text.size();
  std::uint64_t count = 0;
  std::size_t i = 0;
  const __m128i newline = _mm_set1_epi8('\n');
  while (i + 16 <= n) {
    __m128i counters = _mm_setzero_si128();
    for (int round = 0; round < 255 && i + 16 <= n; ++round, i += 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
      counters = _mm_sub_epi8(counters, _mm_cmpeq_epi8(v, newline));
    }
    const __m128i sums = _mm_sad_epu8(counters, _mm_setzero_si128());
    count += static_cast<std::uint64_t>(_mm_cvtsi128_si64(sums)) +
             static_cast<std::uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums)));
  }
  for (; i < n; ++i) count += data[i] == '\n' ? 1 : 0;
  return count;
}

}  // namespace conc::common
