#include "band_runner.h"

#include <algorithm>

#include "conc/parallel.h"

namespace conc::image {

void SequentialBands::run(std::uint32_t rows, std::uint32_t band_rows, const std::function<void(RowRange)>& body) {
  for (std::uint32_t y = 0; y < rows && !stopped(); y += band_rows) body({y, std::min(rows, y + band_rows)});
}

void ExecutorBands::run(std::uint32_t rows, std::uint32_t band_rows, const std::function<void(RowRange)>& body) {
  const std::size_t count = (std::size_t{rows} + band_rows - 1) / band_rows;
  parallel_for(executor_, 0, count, 1, [&](std::size_t i) {
    if (stopped()) return;
    const auto begin = static_cast<std::uint32_t>(i * band_rows);
    body({begin, std::min(rows, begin + band_rows)});
  });
}

}  // namespace conc::image
