// conc/adaptive_mutex.h: a mutex that spins briefly before it sleeps.
#pragma once

#include <pthread.h>

#include "conc/thread_annotations.h"

namespace conc {

/// A Lockable (usable with conc::LockGuard, or std::lock_guard outside the
/// thread-safety analysis) for very short
/// critical sections under contention, such as a shared task queue.
///
/// std::mutex sleeps in the kernel as soon as the lock is taken; when the
/// holder needs only a few dozen nanoseconds, that sleep and the wake-up cost
/// microseconds. This wraps glibc's adaptive mutex, which spins a bounded
/// number of times while the holder runs, then sleeps like std::mutex. Same
/// guarantees as std::mutex (mutual exclusion; unlock synchronizes-with the
/// next lock).
class CAPABILITY("mutex") AdaptiveMutex {
 public:
  AdaptiveMutex() noexcept {
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
#ifdef PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
#endif
    pthread_mutex_init(&mutex_, &attr);
    pthread_mutexattr_destroy(&attr);
  }
  AdaptiveMutex(const AdaptiveMutex&) = delete;
  AdaptiveMutex& operator=(const AdaptiveMutex&) = delete;
  ~AdaptiveMutex() { pthread_mutex_destroy(&mutex_); }

  void lock() noexcept ACQUIRE() { pthread_mutex_lock(&mutex_); }
  bool try_lock() noexcept TRY_ACQUIRE(true) { return pthread_mutex_trylock(&mutex_) == 0; }
  void unlock() noexcept RELEASE() { pthread_mutex_unlock(&mutex_); }

 private:
  pthread_mutex_t mutex_;
};

}  // namespace conc
