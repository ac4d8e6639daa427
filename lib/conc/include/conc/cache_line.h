// conc/cache_line.h: the cache-line size conc pads shared data to.
#pragma once

#include <cstddef>

namespace conc {

/// Size of a cache line: data written by different threads lives on
/// different lines so that it never causes false sharing. 64 bytes on x86-64
/// and most AArch64 parts. (Not std::hardware_destructive_interference_size:
/// GCC warns that its value may differ between compiler flags, which would
/// change the layout of types in headers.)
inline constexpr std::size_t kCacheLine = 64;

}  // namespace conc
