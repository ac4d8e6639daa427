// conc: the binary. Flag parsing lives in app.cpp, the work in lib/.
#include <malloc.h>

#include "app.h"
#include "common/standard_fds.h"

int main(int argc, char** argv) {
  conc::common::reserve_standard_fds();  // before anything opens a file
  // The engines allocate and free blocks of 128 KiB to a few MiB all the
  // time, often on different threads. By default glibc maps each one fresh
  // and trims freed memory straight back to the kernel, so every block
  // costs page faults (a fifth of `conc pipeline`'s time in profiles).
  // Keep such blocks in the heap for reuse; peak memory is bounded by the
  // engines anyway.
  // NOLINTNEXTLINE(concurrency-mt-unsafe): before any thread starts
  mallopt(M_MMAP_THRESHOLD, 32 << 20);   // the largest glibc accepts on 64-bit
  mallopt(M_TRIM_THRESHOLD, 256 << 20);  // NOLINT(concurrency-mt-unsafe): likewise
  return conc::cli::run_app(argc, argv, conc::cli::all_commands());
}
