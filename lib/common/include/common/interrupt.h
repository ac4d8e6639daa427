// common/interrupt.h: SIGINT/SIGTERM become a stop request.
#pragma once

#include <atomic>
#include <stop_token>
#include <thread>

namespace conc::common {

/// While alive, turns the first SIGINT or SIGTERM into a request on a
/// `std::stop_source` that engines poll or register callbacks with, instead of
/// killing the process. A second signal gets the default action (the user
/// insists). The handler only posts a semaphore (async-signal-safe); a
/// watcher thread does the real work outside signal context.
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

}  // namespace conc::common
