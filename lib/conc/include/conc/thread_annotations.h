// conc/thread_annotations.h: Clang's thread-safety analysis, abseil's way.
//
// The macros below expand to Clang's thread-safety attributes under Clang
// and to nothing elsewhere (GCC ignores them, so they cannot change what a
// GCC build does). Build with the `clang-tsa` preset (-Wthread-safety) to
// have the compiler check, at every use, that the fields a lock guards are
// touched only with that lock held. See
// https://clang.llvm.org/docs/ThreadSafetyAnalysis.html.
#pragma once

#if defined(__clang__)
#define CONC_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define CONC_THREAD_ANNOTATION(x)
#endif

/// A type that is a lock (a "capability"), e.g. `class CAPABILITY("mutex") Mutex`.
#define CAPABILITY(x) CONC_THREAD_ANNOTATION(capability(x))
/// An RAII type that holds a capability for its lifetime.
#define SCOPED_CAPABILITY CONC_THREAD_ANNOTATION(scoped_lockable)
/// The field may be read or written only with the given lock held
/// (shared for reads, exclusive for writes).
#define GUARDED_BY(x) CONC_THREAD_ANNOTATION(guarded_by(x))
/// As GUARDED_BY, for what the pointer points to.
#define PT_GUARDED_BY(x) CONC_THREAD_ANNOTATION(pt_guarded_by(x))
/// The caller must hold the lock(s) exclusively / shared.
#define REQUIRES(...) CONC_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) CONC_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
/// The function takes the lock (exclusive / shared) and returns holding it.
#define ACQUIRE(...) CONC_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) CONC_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
/// The function releases a lock the caller held (exclusive / shared / either).
#define RELEASE(...) CONC_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) CONC_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define RELEASE_GENERIC(...) CONC_THREAD_ANNOTATION(release_generic_capability(__VA_ARGS__))
/// The function takes the lock when it returns the given value.
#define TRY_ACQUIRE(...) CONC_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define TRY_ACQUIRE_SHARED(...) CONC_THREAD_ANNOTATION(try_acquire_shared_capability(__VA_ARGS__))
/// The caller must not hold the lock (the function takes it itself).
#define EXCLUDES(...) CONC_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
/// Tells the analysis the lock is held here (checked at run time, if at all, by the callee).
#define ASSERT_CAPABILITY(x) CONC_THREAD_ANNOTATION(assert_capability(x))
/// The function returns a reference to the given lock.
#define RETURN_CAPABILITY(x) CONC_THREAD_ANNOTATION(lock_returned(x))
/// Turns the analysis off for one function: for code it cannot follow
/// (a lock handed to a condition variable). Say why at each use.
#define NO_THREAD_SAFETY_ANALYSIS CONC_THREAD_ANNOTATION(no_thread_safety_analysis)
