#include "common/progress.h"

#include <unistd.h>

#include <cstdio>
#include <stdexcept>

namespace conc::common {

ProgressMode parse_progress_mode(const std::string& text) {
  if (text == "auto") return ProgressMode::kAuto;
  if (text == "always") return ProgressMode::kAlways;
  if (text == "never") return ProgressMode::kNever;
  throw std::invalid_argument("progress mode must be auto, always or never, not '" + text + "'");
}

std::string human_bytes(double bytes) {
  static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int u = 0;
  while (bytes >= 1024.0 && u < 5) {
    bytes /= 1024.0;
    ++u;
  }
  char buf[32];
  if (u == 0 || bytes >= 100.0) {
    std::snprintf(buf, sizeof buf, "%.0f %s", bytes, units[u]);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f %s", bytes, units[u]);
  }
  return buf;
}

std::string render_progress(const std::string& label, const std::string& unit, const ProgressSnapshot& s) {
  std::string line = label;
  line += "  " + std::to_string(s.done_items);
  if (s.total_items != 0) line += "/" + std::to_string(s.total_items);
  line += " " + unit;
  const double seconds = std::chrono::duration<double>(s.elapsed).count();
  if (s.total_bytes == 0 && s.done_bytes == 0) {  // counted in items alone (conc bench's runs)
    if (s.total_items > s.done_items && s.done_items > 0 && seconds > 0.0) {
      const auto eta = static_cast<long long>(seconds * static_cast<double>(s.total_items - s.done_items) /
                                              static_cast<double>(s.done_items));
      char buf[32];
      std::snprintf(buf, sizeof buf, "  ETA %lld:%02lld", eta / 60, eta % 60);
      line += buf;
    }
    return line;
  }
  line += "  " + human_bytes(static_cast<double>(s.done_bytes));
  if (s.total_bytes != 0) line += "/" + human_bytes(static_cast<double>(s.total_bytes));
  if (seconds > 0.0) {
    const double rate = static_cast<double>(s.done_bytes) / seconds;
    line += "  " + human_bytes(rate) + "/s";
    if (s.total_bytes > s.done_bytes && rate > 0.0) {
      const auto eta = static_cast<long long>(static_cast<double>(s.total_bytes - s.done_bytes) / rate);
      char buf[32];
      std::snprintf(buf, sizeof buf, "  ETA %lld:%02lld", eta / 60, eta % 60);
      line += buf;
    }
  }
  return line;
}

ProgressBar::ProgressBar(ProgressMode mode, std::string label, std::string unit, int fd,
                         std::chrono::milliseconds delay)
    : enabled_(mode == ProgressMode::kAlways || (mode == ProgressMode::kAuto && ::isatty(fd) == 1)),
      label_(std::move(label)),
      unit_(std::move(unit)),
      fd_(fd),
      delay_(delay),
      start_(std::chrono::steady_clock::now()) {
  if (enabled_) drawer_ = std::jthread([this](std::stop_token stop) { draw_loop(stop); });
}

ProgressSnapshot ProgressBar::snapshot() const noexcept {
  ProgressSnapshot s;
  s.done_items = done_items_.load(std::memory_order_relaxed);
  s.total_items = total_items_.load(std::memory_order_relaxed);
  s.done_bytes = done_bytes_.load(std::memory_order_relaxed);
  s.total_bytes = total_bytes_.load(std::memory_order_relaxed);
  s.elapsed = std::chrono::steady_clock::now() - start_;
  return s;
}

void ProgressBar::draw_loop(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  if (wake_.wait_for(lock, stop, delay_, [] { return false; })) return;
  while (!stop.stop_requested()) {
    // "\r" + erase-line keeps one line, redrawn in place.
    const std::string line = "\r\x1b[2K" + render_progress(label_, unit_, snapshot());
    (void)!::write(fd_, line.data(), line.size());
    drawn_ = true;
    wake_.wait_for(lock, stop, std::chrono::milliseconds(200), [] { return false; });
  }
}

void ProgressBar::finish() {
  if (!drawer_.joinable()) return;
  drawer_.request_stop();
  drawer_.join();
  if (drawn_) {
    static constexpr char kErase[] = "\r\x1b[2K";
    (void)!::write(fd_, kErase, sizeof kErase - 1);
  }
}

}  // namespace conc::common
