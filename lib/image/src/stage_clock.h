// stage_clock.h: where an image run's time goes, per stage.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "image/image.h"

namespace conc::image {

/// Time and pixels per stage, summed over images and threads. Relaxed
/// atomics: statistics read once the run is over.
struct StageClock {
  std::atomic<std::int64_t> decode_ns{0};
  std::atomic<std::int64_t> filter_ns{0};
  std::atomic<std::int64_t> encode_ns{0};
  std::atomic<std::uint64_t> pixels_decoded{0};
  std::atomic<std::uint64_t> pixels_filtered{0};
  std::atomic<std::uint64_t> pixels_encoded{0};
  std::atomic<std::uint64_t> whole_images{0};

  static void add(std::atomic<std::int64_t>& to, std::chrono::steady_clock::time_point since) noexcept {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - since);
    to.fetch_add(ns.count(), std::memory_order_relaxed);  // relaxed: a total read after the run
  }
  static void add(std::atomic<std::uint64_t>& to, std::uint64_t n) noexcept {
    to.fetch_add(n, std::memory_order_relaxed);  // relaxed: a total read after the run
  }
  [[nodiscard]] StageTotals totals() const noexcept {
    // relaxed: read once the run is over, after every worker has joined
    StageTotals t;
    t.decode = std::chrono::nanoseconds(decode_ns.load(std::memory_order_relaxed));
    t.filter = std::chrono::nanoseconds(filter_ns.load(std::memory_order_relaxed));
    t.encode = std::chrono::nanoseconds(encode_ns.load(std::memory_order_relaxed));
    t.pixels_decoded = pixels_decoded.load(std::memory_order_relaxed);
    t.pixels_filtered = pixels_filtered.load(std::memory_order_relaxed);
    t.pixels_encoded = pixels_encoded.load(std::memory_order_relaxed);
    t.whole_images = whole_images.load(std::memory_order_relaxed);
    return t;
  }
};

}  // namespace conc::image
