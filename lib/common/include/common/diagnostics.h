// common/diagnostics.h: the one way engines report bad input.
#pragma once

#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace conc::common {

/// Collects the problems a run meets with its inputs and prints each as one
/// line, `conc <sub>: <input>: <reason>`, to a sink (stderr by default).
///
/// Engines are handed a Diagnostics and call `error()` for every input they
/// could not process (the run then exits 1) or `warning()` for one they
/// skipped on purpose. Thread-safe: lines never interleave.
class Diagnostics {
 public:
  using Sink = std::function<void(std::string_view line)>;

  /// `command` is the subcommand name, e.g. "hash". The default sink writes
  /// to stderr; pass another one to capture lines (tests).
  explicit Diagnostics(std::string command, Sink sink = {});

  void error(std::string_view input, std::string_view reason);
  void warning(std::string_view input, std::string_view reason);
  /// Reports an error another Diagnostics formatted and held back (its sink
  /// kept the line), so that it appears in its place among the run's other
  /// output: counted as an error and printed as is, but for control bytes,
  /// escaped as printable_name does (a line read back from a file, such as
  /// a shard's part, may have been altered to break or forge lines).
  void relay_error(std::string_view line);
  /// Hands every error line, once printed, to `tap` too (an empty one
  /// removes it): a `--shard` run records its walk's errors in its part.
  /// The tap runs under the lock that keeps lines whole, on the thread
  /// that reported: it must not report to this Diagnostics itself.
  void set_error_tap(Sink tap);
  /// Warnings are still counted but not printed (for `-q`).
  void set_quiet(bool quiet) noexcept { quiet_ = quiet; }

  [[nodiscard]] std::size_t errors() const noexcept {
    return errors_.load(std::memory_order_relaxed);  // relaxed: a count read after the run
  }
  [[nodiscard]] std::size_t warnings() const noexcept {
    return warnings_.load(std::memory_order_relaxed);  // relaxed: as above
  }
  [[nodiscard]] const std::string& command() const noexcept { return command_; }

  /// The line `error()` would print, without printing it.
  [[nodiscard]] std::string format(std::string_view input, std::string_view reason) const;

 private:
  void emit(const std::string& line, bool is_error);

  std::string command_;
  Sink sink_;
  Sink tap_;  // guarded by mutex_
  std::mutex mutex_;
  bool quiet_ = false;
  std::atomic<std::size_t> errors_{0};
  std::atomic<std::size_t> warnings_{0};
};

/// Taps `diagnostics`' error lines (Diagnostics::set_error_tap) for as long
/// as it lives, and removes the tap when it ends, also when unwinding. An
/// empty `tap` taps nothing.
class ErrorTap {
 public:
  ErrorTap(Diagnostics& diagnostics, Diagnostics::Sink tap) : diagnostics_(diagnostics) {
    diagnostics_.set_error_tap(std::move(tap));
  }
  ErrorTap(const ErrorTap&) = delete;
  ErrorTap& operator=(const ErrorTap&) = delete;
  ~ErrorTap() { diagnostics_.set_error_tap({}); }

 private:
  Diagnostics& diagnostics_;
};

/// `name` with its control characters written as C escapes (\n, \t, \r,
/// \xHH), so that a file name cannot break a line of text output in two
/// (or forge a second one). Other bytes, non-UTF-8 ones included, are kept.
std::string printable_name(std::string_view name);

/// The reason text for an errno value ("No such file or directory").
std::string errno_reason(int error_number);

/// The reason text for an exception that ended a run or an input: its
/// message, except "out of memory" for `std::bad_alloc` (whose message,
/// "std::bad_alloc", means nothing to a user). Use it wherever a caught
/// exception is reported.
std::string exception_reason(const std::exception& e);

}  // namespace conc::common
