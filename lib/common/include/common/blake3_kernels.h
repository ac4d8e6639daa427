// common/blake3_kernels.h: BLAKE3's C building blocks, for C++.
//
// Debian's librust-blake3-dev ships the official C implementation as
// sources (built by cmake/blake3.cmake). Its blake3.h is the streaming
// hasher; its blake3_impl.h declares what a parallel tree needs: the SIMD
// kernels (blake3_hash_many, blake3_compress_in_place, blake3_compress_xof),
// the domain flags (CHUNK_START ... DERIVE_KEY_MATERIAL) and the IV. It has
// no C++ linkage guards, so it is included here, once, the right way.
#pragma once

// The headers blake3_impl.h includes come first, so inside the extern "C"
// block their include guards make them no-ops: C++'s <string.h> and
// <immintrin.h> must not be read with C linkage.
#include <assert.h>   // NOLINT(modernize-deprecated-headers)
#include <stdbool.h>  // NOLINT(modernize-deprecated-headers)
#include <stddef.h>   // NOLINT(modernize-deprecated-headers)
#include <stdint.h>   // NOLINT(modernize-deprecated-headers)
#include <string.h>   // NOLINT(modernize-deprecated-headers)
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include <string_view>

extern "C" {
#include <blake3_impl.h>  // NOLINT(llvm-include-order): must follow the headers above
}

// What lib/common and lib/hash rely on beyond blake3.h (the hasher's key
// words and its chunk state's flags) is the layout of the 1.x series.
static_assert(std::string_view(BLAKE3_VERSION_STRING).starts_with("1."),
              "BLAKE3's C internals changed: check digest.cpp and blake3_tree.cpp against them");

namespace conc::common {

/// Detects the CPU's SIMD support once, before any thread hashes: the C
/// library caches it in a plain global on first use, which two threads
/// starting at once would write together (a data race, if a benign one).
/// Call before any BLAKE3 work; cheap after the first call.
inline void blake3_detect_cpu_once() {
  static const std::size_t degree = blake3_simd_degree();  // thread-safe static initialisation
  (void)degree;
}

}  // namespace conc::common
