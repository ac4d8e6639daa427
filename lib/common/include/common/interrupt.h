// common/interrupt.h: SIGINT/SIGTERM/SIGHUP become a stop request.
#pragma once

#include <atomic>
#include <stop_token>
#include <string>
#include <thread>

namespace conc::common {

/// While alive, turns the first SIGINT, SIGTERM or SIGHUP (a closed terminal,
/// `timeout -s HUP`) into a request on a `std::stop_source` that engines poll
/// or register callbacks with, instead of killing the process. A second
/// signal gets the default action (the user insists), but only after the
/// handler has removed every registered temporary file (`TempFileRegistration`),
/// so not even a killed run leaves a partial output behind. The other
/// asynchronous signals whose default action ends the process (SIGQUIT,
/// SIGUSR1/2, SIGALRM, SIGXCPU, ...) still end it, also after the temporaries
/// are removed; one the caller's shell set to be ignored stays ignored. The
/// handler otherwise only posts a semaphore (async-signal-safe); a watcher
/// thread does the real work outside signal context.
///
/// One instance per process at a time.
class InterruptGuard {
 public:
  InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
  ~InterruptGuard();

  [[nodiscard]] std::stop_token token() const noexcept { return stop_.get_token(); }
  /// The signal that arrived, or 0.
  [[nodiscard]] int signal() const noexcept;
  [[nodiscard]] bool interrupted() const noexcept { return signal() != 0; }

 private:
  std::stop_source stop_;
  std::jthread watcher_;
};

/// Registers `path`, a temporary file, for removal by the signal handler if a
/// second signal kills the process; unregistered on destruction. Works with
/// or without an InterruptGuard alive. The path is copied into a fixed table
/// (the handler can only touch memory that is never freed): at most 64 files
/// at once, each shorter than PATH_MAX; beyond that the file is not
/// registered (it is still removed on every exit but a kill). Thread-safe.
class TempFileRegistration {
 public:
  TempFileRegistration() = default;
  explicit TempFileRegistration(const std::string& path) noexcept { set(path); }
  TempFileRegistration(const TempFileRegistration&) = delete;
  TempFileRegistration& operator=(const TempFileRegistration&) = delete;
  ~TempFileRegistration() { reset(); }
  /// Registers `path` (after unregistering what was registered).
  void set(const std::string& path) noexcept;
  /// Unregisters now (the file was renamed or removed).
  void reset() noexcept;

 private:
  int slot_ = -1;
};

}  // namespace conc::common
