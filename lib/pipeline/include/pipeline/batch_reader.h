// pipeline/batch_reader.h: inputs cut into batches of whole lines.
#pragma once

#include <cstddef>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "common/diagnostics.h"
#include "common/input.h"
#include "pipeline/batch.h"

namespace conc::pipeline {

/// Batch bytes when none are given.
inline constexpr std::size_t kDefaultBatchBytes = std::size_t{1} << 20;
/// ... and with a stage that starts a process per batch (exec), whose start
/// (about half a millisecond) bigger batches amortize.
inline constexpr std::size_t kExecBatchBytes = std::size_t{4} << 20;

struct BatchLimits {
  std::size_t max_lines = 0;  ///< 0: no limit
  /// A single longer line still makes one batch. 0: the default, 1 MiB
  /// (run_pipeline: 4 MiB with an exec stage, see kExecBatchBytes).
  std::size_t max_bytes = 0;
  /// The longest line accepted, without its '\n' (0: the default, 1 GiB). A
  /// longer line is an error naming its input and line number, and the rest
  /// of that input is skipped: memory stays bounded on `/dev/zero`.
  std::size_t max_line = 0;
};

/// Reads files in order ("-": standard input) and cuts them into batches of
/// whole lines, at most `max_lines` lines and, unless one line is longer,
/// `max_bytes` bytes. Lines never span two files. Reads in large blocks and
/// holds at most one batch plus one block. A file that cannot be opened or
/// read is reported to `diag` and skipped. Reads through common::Input: a
/// FIFO without a writer or a silent pipe waits in short slices, and `stop`
/// is checked between blocks of a long line, so a stop ends any read.
class BatchReader {
 public:
  BatchReader(std::vector<std::string> paths, BatchLimits limits, common::Diagnostics& diag, std::stop_token stop);
  BatchReader(const BatchReader&) = delete;
  BatchReader& operator=(const BatchReader&) = delete;
  ~BatchReader();

  /// The next batch, or nullopt at the end of the last input or once `stop`
  /// is requested. On a pipe, a batch is cut early when the writer has
  /// nothing more to give for now, so output streams.
  std::optional<Batch> next();

  /// The bytes the read buffer holds room for: at most the larger of a batch
  /// and the longest line, plus one block (kept for the tests of that bound).
  [[nodiscard]] std::size_t buffer_capacity() const noexcept { return pending_.capacity(); }

  /// The lines handed out in batches so far (a skipped long line and the
  /// rest of its file are not among them).
  [[nodiscard]] std::uint64_t lines_read() const noexcept { return line_ - 1; }

 private:
  bool open_next();
  bool fill();                              // reads one block into pending_; false at the end of the current file
  void skip_long_line(std::uint64_t line);  // reports it, and skips the rest of the current file

  std::vector<std::string> paths_;
  BatchLimits limits_;
  common::Diagnostics& diag_;
  std::stop_token stop_;
  std::size_t next_path_ = 0;
  std::optional<common::Input> input_;  // the current file
  bool eof_ = true;                     // of the current file
  std::string pending_;                 // read, not yet handed out
  std::size_t pending_at_ = 0;
  std::uint64_t seq_ = 0;
  std::uint64_t line_ = 1;
};

}  // namespace conc::pipeline
