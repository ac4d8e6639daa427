// pipeline/stage.h: one transformation of the line stream, and the stage language.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <string_view>
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

/// Builds a stage from its text and words (the name first; for a stage that
/// takes the rest of its text, `exec`, the words are the name and that rest).
/// Throws StageError.
using StageFactory = std::unique_ptr<Stage> (*)(const std::string& text, const std::vector<std::string>& words);

/// One stage of the language. The table of them is the one place a stage is
/// named: the parser, its messages and the CLI's help all read it.
struct StageInfo {
  std::string_view name;
  std::string_view usage;    ///< e.g. "cut DELIM FIELDS", for messages and help
  std::size_t min_args = 0;  ///< words after the name
  std::size_t max_args = 0;
  bool rest_is_argument = false;  ///< the rest of the text is one argument, unsplit (exec CMD)
  bool serial = false;            ///< keeps state from line to line: one thread, input order
  std::string_view example;       ///< a valid text (tests build every stage from it)
  std::string_view help;          ///< one line
  StageFactory make = nullptr;
};

/// Every stage, in the order help lists them.
std::span<const StageInfo> all_stages() noexcept;

/// The row named `name`, or nullptr.
const StageInfo* find_stage(std::string_view name) noexcept;

/// Parses one `-e` text, by the table above:
///   grep [-v] [-i] RE | replace RE REPL | replace-first RE REPL |
///   upper | lower | trim | rev | cut DELIM FIELDS | hash ALGO |
///   number | uniq | head N | exec CMD
/// Words are separated by blanks; '...' quotes literally, "..." quotes with
/// \" and \\ escapes; `exec` takes the rest of the text as a shell command.
/// Regular expressions are RE2 syntax. Throws StageError.
std::unique_ptr<Stage> parse_stage(const std::string& text);

/// Splits a stage text into words (the quoting rules above).
std::vector<std::string> split_words(const std::string& text);

}  // namespace conc::pipeline
