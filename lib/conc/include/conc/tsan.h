// conc/tsan.h: CONC_TSAN is 1 when building under ThreadSanitizer.
//
// ThreadSanitizer does not model standalone std::atomic_thread_fence (GCC
// refuses to compile one under -fsanitize=thread). Code that relies on a fence
// uses an equivalent ordering on the atomic operations themselves when
// CONC_TSAN is set, as crossbeam and Taskflow do, instead of suppressing
// reports.
#pragma once

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
