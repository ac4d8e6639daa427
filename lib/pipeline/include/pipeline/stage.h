// pipeline/stage.h: one transformation of the line stream, and the stage language.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <vector>

#include "pipeline/batch.h"

namespace conc::pipeline {

/// A stage text that cannot be understood: an unknown stage, a missing or
/// extra argument, an invalid regular expression. A usage error (exit 2).
class StageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One batch could not be transformed (an `exec` command failed). The
/// message says why; the runner adds the stage and the input line range.
class BatchFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// What a stage may ask of the run while processing a batch.
struct StageControl {
  std::stop_token stop;              ///< the run is ending: give up long work (exec kills its command)
  std::function<void()> stop_input;  ///< no more input is needed (head N has its lines)
  /// Set for a stage whose `streams()` is true when every later stage is
  /// stateless: hands the leading output of `batch` (whole lines, in order)
  /// onward before process() returns, so one batch's output never has to be
  /// held whole. May block while the output is not wanted yet (backpressure:
  /// the batch is behind the head of the output order). Empty: all output
  /// goes back in `batch.data`.
  std::function<void(const Batch& batch, std::string&& piece)> emit;
  /// Output a streaming stage may hold for one batch before it emits a piece.
  std::size_t hold_bytes = std::size_t{16} << 20;
  /// A batch whose output passes this many bytes fails (--max-batch-output).
  std::size_t max_output = std::size_t{1} << 30;
};

/// A transformation of batches of lines.
///
/// Stateless stages (`serial()` false) may be called from several threads at
/// once, on batches in any order. Serial stages keep state from batch to
/// batch (a line counter, the previous line): the runner calls them from one
/// thread at a time, on the batches in input order.
class Stage {
 public:
  explicit Stage(std::string text) : text_(std::move(text)) {}
  virtual ~Stage() = default;
  Stage(const Stage&) = delete;
  Stage& operator=(const Stage&) = delete;

  /// The stage as the user wrote it, for messages and --stats.
  [[nodiscard]] const std::string& text() const noexcept { return text_; }
  [[nodiscard]] virtual bool serial() const noexcept { return false; }
  /// True if process() may hand output on early through `StageControl::emit`
  /// (an external command's output, which has no size bound of its own).
  [[nodiscard]] virtual bool streams() const noexcept { return false; }

  /// Replaces `batch.data` by its transformation. Throws BatchFailure.
  virtual void process(Batch& batch, const StageControl& control) = 0;

 private:
  std::string text_;
};

/// Parses one `-e` text:
///   grep [-v] [-i] RE | replace RE REPL | replace-first RE REPL |
///   upper | lower | trim | rev | cut DELIM FIELDS | hash ALGO |
///   number | uniq | head N | exec CMD
/// Words are separated by blanks; '...' quotes literally, "..." quotes with
/// \" and \\ escapes; `exec` takes the rest of the text as a shell command.
/// Regular expressions are RE2 syntax. Throws StageError.
std::unique_ptr<Stage> parse_stage(const std::string& text);

/// Splits a stage text into words (the quoting rules above).
std::vector<std::string> split_words(const std::string& text);

// The factories behind parse_stage, one per family (each in its own file).
std::unique_ptr<Stage> make_text_stage(const std::string& text, const std::vector<std::string>& words);
std::unique_ptr<Stage> make_regex_stage(const std::string& text, const std::vector<std::string>& words);
std::unique_ptr<Stage> make_serial_stage(const std::string& text, const std::vector<std::string>& words);
std::unique_ptr<Stage> make_exec_stage(const std::string& text, const std::string& command);

}  // namespace conc::pipeline
