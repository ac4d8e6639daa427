# BLAKE3's official C implementation, built from the sources Debian ships in
# librust-blake3-dev (the crate's c/ folder, with its x86-64 SIMD kernels and
# their runtime dispatch). Debian has no BLAKE3 C library package; nothing is
# copied into this tree. Defines the static library target `blake3`.
#
# The folder is found by globbing the crate's version; set BLAKE3_C_DIR to
# use another copy of the same sources.
enable_language(C ASM)

if(NOT BLAKE3_C_DIR)
  file(GLOB _blake3_dirs LIST_DIRECTORIES true "/usr/share/cargo/registry/blake3-*/c")
  if(_blake3_dirs)
    list(SORT _blake3_dirs COMPARE NATURAL ORDER DESCENDING)  # the newest version first
    list(GET _blake3_dirs 0 _blake3_dir)
    set(BLAKE3_C_DIR "${_blake3_dir}" CACHE PATH "BLAKE3's C sources (blake3.h, blake3_impl.h, ...)")
  endif()
endif()
if(NOT EXISTS "${BLAKE3_C_DIR}/blake3_impl.h")
  message(FATAL_ERROR "BLAKE3's C sources were not found under /usr/share/cargo/registry/blake3-*/c "
                      "(BLAKE3_C_DIR='${BLAKE3_C_DIR}'): install the Debian package librust-blake3-dev "
                      "(scripts/install-deps does)")
endif()
message(STATUS "BLAKE3 C sources: ${BLAKE3_C_DIR}")

set(_blake3_sources "${BLAKE3_C_DIR}/blake3.c" "${BLAKE3_C_DIR}/blake3_dispatch.c"
                    "${BLAKE3_C_DIR}/blake3_portable.c")
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  # The assembly kernels: the same code the Rust crate and b3sum run.
  foreach(_isa sse2 sse41 avx2 avx512)
    list(APPEND _blake3_sources "${BLAKE3_C_DIR}/blake3_${_isa}_x86-64_unix.S")
  endforeach()
  set(_blake3_defines "")
else()
  # Elsewhere the portable code only: the x86 kernels do not apply, and NEON
  # would need blake3_neon.c's own flags.
  set(_blake3_defines BLAKE3_NO_SSE2 BLAKE3_NO_SSE41 BLAKE3_NO_AVX2 BLAKE3_NO_AVX512 BLAKE3_USE_NEON=0)
endif()

add_library(blake3 STATIC ${_blake3_sources})
# SYSTEM: our -Wall -Werror does not apply to their header (blake3_impl.h is
# included by lib/hash for the tree's building blocks).
target_include_directories(blake3 SYSTEM PUBLIC "${BLAKE3_C_DIR}")
target_compile_definitions(blake3 PUBLIC ${_blake3_defines})
# Optimised in every preset: sanitizer and debug flags are set for C++ only,
# and this third-party code is not what those builds check (ThreadSanitizer
# and AddressSanitizer do not see inside it; common/blake3_kernels.h runs
# its one racy lazy initialisation, the CPU detection, before any thread).
target_compile_options(blake3 PRIVATE $<$<COMPILE_LANGUAGE:C>:-O3>)
set_target_properties(blake3 PROPERTIES POSITION_INDEPENDENT_CODE ON)
