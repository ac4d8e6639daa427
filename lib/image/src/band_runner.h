// band_runner.h: how the row bands of one filter step are run.
#pragma once

#include <cstdint>
#include <functional>

#include "conc/executor.h"
#include "image/geometry.h"

namespace conc::image {

/// How the bands of one filter step are run: in order on the calling
/// thread, or as tasks on an executor (parallel_for).
class BandRunner {
 public:
  virtual ~BandRunner() = default;
  /// Calls `body(band)` for consecutive bands of `band_rows` rows covering
  /// [0, rows), each exactly once, and returns when all are done.
  virtual void run(std::uint32_t rows, std::uint32_t band_rows, const std::function<void(RowRange)>& body) = 0;
};

/// The bands one after another on the calling thread.
class SequentialBands final : public BandRunner {
 public:
  void run(std::uint32_t rows, std::uint32_t band_rows, const std::function<void(RowRange)>& body) override;
};

/// Runs `body` over bands through an executor (parallel_for): the bands
/// of one step in parallel.
class ExecutorBands final : public BandRunner {
 public:
  explicit ExecutorBands(Executor& executor) : executor_(executor) {}
  void run(std::uint32_t rows, std::uint32_t band_rows, const std::function<void(RowRange)>& body) override;

 private:
  Executor& executor_;
};

}  // namespace conc::image
