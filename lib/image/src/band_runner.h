// band_runner.h: how the row bands of one filter step are run.
#pragma once

#include <cstdint>
#include <functional>
#include <stop_token>
#include <utility>

#include "conc/executor.h"
#include "image/geometry.h"

namespace conc::image {

/// How the bands of one filter step are run: in order on the calling
/// thread, or as tasks on an executor (parallel_for).
class BandRunner {
 public:
  /// Once `stop` is requested, bands not yet started are skipped, so a stop
  /// ends even a long filter within about one band (the caller then drops
  /// the unfinished image).
  explicit BandRunner(std::stop_token stop) : stop_(std::move(stop)) {}
  virtual ~BandRunner() = default;
  /// Calls `body(band)` for consecutive bands of `band_rows` rows covering
  /// [0, rows), each at most once (exactly once unless stopped), and
  /// returns when all are done or skipped.
  virtual void run(std::uint32_t rows, std::uint32_t band_rows, const std::function<void(RowRange)>& body) = 0;
  /// How many bands can run at once: what band sizes are cut for.
  [[nodiscard]] virtual std::size_t workers() const noexcept = 0;

 protected:
  [[nodiscard]] bool stopped() const noexcept { return stop_.stop_requested(); }

 private:
  std::stop_token stop_;
};

/// The bands one after another on the calling thread.
class SequentialBands final : public BandRunner {
 public:
  using BandRunner::BandRunner;
  void run(std::uint32_t rows, std::uint32_t band_rows, const std::function<void(RowRange)>& body) override;
  [[nodiscard]] std::size_t workers() const noexcept override { return 1; }
};

/// Runs `body` over bands through an executor (parallel_for): the bands
/// of one step in parallel.
class ExecutorBands final : public BandRunner {
 public:
  ExecutorBands(Executor& executor, std::stop_token stop) : BandRunner(std::move(stop)), executor_(executor) {}
  void run(std::uint32_t rows, std::uint32_t band_rows, const std::function<void(RowRange)>& body) override;
  [[nodiscard]] std::size_t workers() const noexcept override { return executor_.concurrency(); }

 private:
  Executor& executor_;
};

}  // namespace conc::image
