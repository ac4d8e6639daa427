// common/ascii_case.h: ASCII case mapping of a whole buffer in place.
#pragma once

#include <span>

namespace conc::common {

/// Maps a-z to A-Z in `bytes`; every other byte (UTF-8 included) is kept.
void ascii_upper(std::span<char> bytes) noexcept;
/// Maps A-Z to a-z in `bytes`; every other byte (UTF-8 included) is kept.
void ascii_lower(std::span<char> bytes) noexcept;

}  // namespace conc::common
