// conc/mutex.h: annotated locks for Clang's thread-safety analysis.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "conc/thread_annotations.h"

namespace conc {

/// A `std::mutex` the thread-safety analysis knows: fields declared
/// `GUARDED_BY(mutex_)` may be touched only while it is held. Same
/// guarantees as std::mutex: `unlock()` synchronizes-with the next `lock()`,
/// so everything done under the lock is visible to its next holder.
class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() ACQUIRE() { m_.lock(); }
  void unlock() RELEASE() { m_.unlock(); }
  bool try_lock() TRY_ACQUIRE(true) { return m_.try_lock(); }

  /// For code that knows the lock is held without having taken it in view
  /// of the analysis (a callee of a REQUIRES function needs nothing).
  void assert_held() const ASSERT_CAPABILITY(this) {}

  /// The wrapped mutex, for a `std::condition_variable` wait only: see
  /// `CondVar`. Never lock it directly.
  std::mutex& native() noexcept { return m_; }

 private:
  std::mutex m_;
};

/// Holds a Mutex for its scope (the analogue of `std::lock_guard`). It can
/// be released early and retaken (`unlock`/`lock`) like `std::unique_lock`.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& m) ACQUIRE(m) : m_(m) { m_.lock(); }
  ~MutexLock() RELEASE() {
    if (held_) m_.unlock();
  }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  void unlock() RELEASE() {
    m_.unlock();
    held_ = false;
  }
  void lock() ACQUIRE() {
    m_.lock();
    held_ = true;
  }

 private:
  friend class CondVar;
  Mutex& m_;
  bool held_ = true;
};

/// Holds any annotated lock (a CAPABILITY type with lock/unlock, such as
/// AdaptiveMutex) for its scope: `std::lock_guard` the analysis can follow.
template <class M>
class SCOPED_CAPABILITY LockGuard {
 public:
  explicit LockGuard(M& m) ACQUIRE(m) : m_(m) { m_.lock(); }
  ~LockGuard() RELEASE() { m_.unlock(); }
  LockGuard(const LockGuard&) = delete;
  LockGuard& operator=(const LockGuard&) = delete;

 private:
  M& m_;
};

/// A `std::condition_variable` for a `Mutex`. `wait*` must be called with
/// the lock held through `lock` (the analysis checks that the caller holds
/// it); they release it while asleep and hold it again on return, as
/// std::condition_variable does. The predicate runs with the lock held.
class CondVar {
 public:
  template <class Pred>
  void wait(MutexLock& lock, Pred pred) {
    std::unique_lock native(lock.m_.native(), std::adopt_lock);
    cv_.wait(native, pred);
    native.release();  // still held: ownership goes back to `lock`
  }
  /// Returns pred() at the end, as std::condition_variable::wait_until.
  template <class Clock, class Duration, class Pred>
  bool wait_until(MutexLock& lock, const std::chrono::time_point<Clock, Duration>& deadline, Pred pred) {
    std::unique_lock native(lock.m_.native(), std::adopt_lock);
    const bool ok = cv_.wait_until(native, deadline, pred);
    native.release();
    return ok;
  }
  void notify_one() noexcept { cv_.notify_one(); }
  void notify_all() noexcept { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

/// A reader-writer lock that parks instead of spinning: any number of
/// readers (`lock_shared`) or one writer (`lock`). `unlock` and
/// `unlock_shared` synchronize-with the later acquisitions (release/acquire
/// on the state word), so what a writer did is visible to the next readers
/// and writers.
///
/// Why not `std::shared_mutex`: glibc's rwlock lets a writer that finds the
/// lock in a phase change busy-wait for it; on an oversubscribed machine
/// (`-j 256` on one core) the holder is descheduled and the waiter burns its
/// whole time slice (measured: 60% of `conc wordcount -s sharded -j 256`
/// under `taskset -c 0`). Here a waiter spins a few pauses, then sleeps in
/// the kernel (`std::atomic::wait`, a futex) until an unlock notifies it.
///
/// Not fair: a steady stream of readers can delay a writer. ShardedMap's
/// readers are brief, and its writers far more common.
class CAPABILITY("shared_mutex") SharedMutex {
 public:
  SharedMutex() = default;
  SharedMutex(const SharedMutex&) = delete;
  SharedMutex& operator=(const SharedMutex&) = delete;

  void lock() ACQUIRE() {
    std::uint32_t s = 0;
    // acquire: see what the previous holder did; relaxed on failure (retry).
    while (!state_.compare_exchange_weak(s, kWriter, std::memory_order_acquire, std::memory_order_relaxed)) {
      if (s == 0) continue;  // spurious failure
      wait_while(s);
      s = 0;
    }
  }
  void unlock() RELEASE() {
    // seq_cst: release publishes the writer's changes to the next holder;
    // seq_cst also orders the store before notify's load of sleepers_.
    state_.store(0, std::memory_order_seq_cst);
    notify();
  }
  void lock_shared() ACQUIRE_SHARED() {
    // relaxed: only a guess for the CAS, which decides.
    std::uint32_t s = state_.load(std::memory_order_relaxed);
    for (;;) {
      if ((s & kWriter) == 0) {
        // acquire: see what the last writer did.
        if (state_.compare_exchange_weak(s, s + 1, std::memory_order_acquire, std::memory_order_relaxed)) return;
      } else {
        wait_while(s);
        s = state_.load(std::memory_order_relaxed);  // relaxed: as above
      }
    }
  }
  void unlock_shared() RELEASE_SHARED() {
    // seq_cst: release orders the reader's reads before a writer's writes;
    // seq_cst orders the RMW before notify's load of sleepers_.
    if (state_.fetch_sub(1, std::memory_order_seq_cst) == 1) notify();
  }

 private:
  static constexpr std::uint32_t kWriter = 0x8000'0000u;

  // Spins briefly, then sleeps until state_ is no longer `seen`.
  void wait_while(std::uint32_t seen) {
    for (int i = 0; i < 64; ++i) {
      if (state_.load(std::memory_order_relaxed) != seen) return;  // relaxed: a re-check
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
    // seq_cst: registering as a sleeper is ordered against notify's load of
    // sleepers_ (Dekker's pattern, as in EventCount), so no wake-up is lost.
    sleepers_.fetch_add(1, std::memory_order_seq_cst);
    // seq_cst: the other half of that pair (the wait re-reads state_ after
    // registering); the caller's CAS then acquires.
    state_.wait(seen, std::memory_order_seq_cst);
    sleepers_.fetch_sub(1, std::memory_order_relaxed);  // relaxed: a count
  }
  void notify() {
    // seq_cst: read after the seq_cst state change (the Dekker pair with
    // wait_while). Cheap when nobody sleeps: no system call.
    if (sleepers_.load(std::memory_order_seq_cst) != 0) state_.notify_all();
  }

  std::atomic<std::uint32_t> state_{0};     ///< kWriter, or the number of readers
  std::atomic<std::uint32_t> sleepers_{0};  ///< threads in (or about to be in) state_.wait
};

/// Holds a SharedMutex exclusively for its scope.
class SCOPED_CAPABILITY WriterLock {
 public:
  explicit WriterLock(SharedMutex& m) ACQUIRE(m) : m_(m) { m_.lock(); }
  ~WriterLock() RELEASE() { m_.unlock(); }
  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;

 private:
  SharedMutex& m_;
};

/// Holds a SharedMutex shared for its scope.
class SCOPED_CAPABILITY ReaderLock {
 public:
  explicit ReaderLock(SharedMutex& m) ACQUIRE_SHARED(m) : m_(m) { m_.lock_shared(); }
  ~ReaderLock() RELEASE() { m_.unlock_shared(); }
  ReaderLock(const ReaderLock&) = delete;
  ReaderLock& operator=(const ReaderLock&) = delete;

 private:
  SharedMutex& m_;
};

}  // namespace conc
