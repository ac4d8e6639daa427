// common/simd_text.h: whole-buffer byte operations, 16 bytes per step with
// SSE2 (GCC -O2 vectorises none of these loops by itself).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace conc::common {

/// Maps a-z to A-Z in `bytes`; every other byte (UTF-8 included) is kept.
void ascii_upper(std::span<char> bytes) noexcept;
/// Maps A-Z to a-z in `bytes`; every other byte (UTF-8 included) is kept.
void ascii_lower(std::span<char> bytes) noexcept;
/// The number of '\n' bytes in `text`.
std::uint64_t count_newlines(std::string_view text) noexcept;

}  // namespace conc::common
