// common/progress.h: a progress line on stderr for long runs.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace conc::common {

enum class ProgressMode { kAuto, kAlways, kNever };

/// Parses "auto", "always" or "never"; throws std::invalid_argument otherwise.
ProgressMode parse_progress_mode(const std::string& text);

/// What a progress line shows at one instant.
struct ProgressSnapshot {
  std::uint64_t done_items = 0;
  std::uint64_t total_items = 0;  ///< 0: unknown
  std::uint64_t done_bytes = 0;
  std::uint64_t total_bytes = 0;  ///< 0: unknown
  std::chrono::nanoseconds elapsed{0};
};

/// One line of text for `s`, e.g.
/// `wordcount  12/40 files  1.2 GiB/4.0 GiB  310 MiB/s  ETA 0:09`.
std::string render_progress(const std::string& label, const std::string& unit, const ProgressSnapshot& s);

/// Redraws a progress line on a terminal a few times a second from counters
/// that workers bump with relaxed atomics (cheap enough for every item).
///
/// kAuto shows it only when the fd (stderr) is a terminal; kNever never.
/// Nothing is drawn in the first `delay` so that short runs stay silent.
/// `finish()` (or the destructor) stops drawing and erases the line.
class ProgressBar {
 public:
  ProgressBar(ProgressMode mode, std::string label, std::string unit, int fd = 2,
              std::chrono::milliseconds delay = std::chrono::milliseconds(500));
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;
  ~ProgressBar() { finish(); }

  [[nodiscard]] bool enabled() const noexcept { return enabled_; }

  // relaxed everywhere: these counters are only displayed.
  void set_total(std::uint64_t items, std::uint64_t bytes) noexcept {
    total_items_.store(items, std::memory_order_relaxed);
    total_bytes_.store(bytes, std::memory_order_relaxed);
  }
  void add(std::uint64_t items, std::uint64_t bytes) noexcept {
    done_items_.fetch_add(items, std::memory_order_relaxed);
    done_bytes_.fetch_add(bytes, std::memory_order_relaxed);
  }
  [[nodiscard]] ProgressSnapshot snapshot() const noexcept;

  void finish();

 private:
  void draw_loop(std::stop_token stop);

  bool enabled_;
  std::string label_;
  std::string unit_;
  int fd_;
  std::chrono::milliseconds delay_;
  std::chrono::steady_clock::time_point start_;
  std::atomic<std::uint64_t> done_items_{0};
  std::atomic<std::uint64_t> total_items_{0};
  std::atomic<std::uint64_t> done_bytes_{0};
  std::atomic<std::uint64_t> total_bytes_{0};
  std::mutex mutex_;
  std::condition_variable_any wake_;
  bool drawn_ = false;  // guarded by mutex_
  std::jthread drawer_;
};

/// "1.5 KiB", "310 MiB", "12 B".
std::string human_bytes(double bytes);

}  // namespace conc::common
