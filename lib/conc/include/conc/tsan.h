// conc/tsan.h: the one place where conc's shipped code and its
// ThreadSanitizer build differ.
//
// ThreadSanitizer does not model standalone fences: it builds happens-before
// only from atomic operations on the same object (a release store or RMW read
// by an acquire load or RMW) and from locks. LLVM's runtime executes
// std::atomic_thread_fence but draws no edge from it, and GCC refuses to
// compile one under -fsanitize=thread (-Wtsan, an error with -Werror). So
// code whose correctness rests on a fence is, under TSan, either rejected or
// checked against a weaker model than the one it runs on.
//
// conc therefore writes its atomics so that the same instructions ship and
// are checked wherever a fence can be avoided at no cost (the Chase-Lev deque
// orders with seq_cst operations, not fences), and confines the one fence it
// keeps (EventCount::notify, on every post's path) to `fence_then_load`
// below, whose TSan substitute is argued equivalent there.
#pragma once

#include <atomic>

#if defined(__SANITIZE_THREAD__)
#define CONC_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CONC_TSAN 1
#endif
#endif
#ifndef CONC_TSAN
#define CONC_TSAN 0
#endif

namespace conc::detail {

/// The notifier's half of Dekker's pattern: orders every store (and load)
/// this thread made before the call ahead of the load of `x`, in the single
/// total order of sequentially consistent operations, and returns what the
/// load read. A waiter that registers in `x` with a seq_cst RMW and then
/// re-checks the published state either is seen by this load or sees the
/// caller's earlier stores.
///
/// Shipped: `atomic_thread_fence(seq_cst)` then a load. A fence is local
/// (no cache line changes hands), which matters on a path every post takes.
///
/// Under TSan: `fetch_add(0, seq_cst)`, an RMW. An RMW reads the last value
/// in `x`'s modification order, so if the waiter's registering RMW came
/// first this sees it (as the fenced load must); if it came after, the
/// waiter's RMW reads from this seq_cst (release) RMW, so everything the
/// caller did before it happens-before the waiter's re-check, which then
/// sees the publication. Either way the guarantee is the fenced load's,
/// and it is stated in edges TSan tracks.
template <class T>
T fence_then_load(std::atomic<T>& x) noexcept {
#if CONC_TSAN
  return x.fetch_add(0, std::memory_order_seq_cst);  // seq_cst: see above
#else
  std::atomic_thread_fence(std::memory_order_seq_cst);  // the store-load barrier
  return x.load(std::memory_order_relaxed);             // relaxed: the fence orders it
#endif
}

}  // namespace conc::detail
