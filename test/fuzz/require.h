// test/fuzz/require.h: how a fuzz target checks a property of the code under test.
#pragma once

#include <cstdio>
#include <cstdlib>

/// Aborts when `cond` is false, naming it: libFuzzer reports the abort as a
/// crash and saves the input. Unlike assert(), it holds whatever NDEBUG says.
#define CONC_FUZZ_REQUIRE(cond)                                                             \
  do {                                                                                      \
    if (!(cond)) {                                                                          \
      std::fprintf(stderr, "%s:%d: fuzz property failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                         \
    }                                                                                       \
  } while (false)
