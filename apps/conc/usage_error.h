// apps/conc/usage_error.h: the one way a command line is rejected (exit 2).
#pragma once

#include <stdexcept>
#include <string>

namespace conc::cli {

/// A command line that cannot run: thrown by a command's `validate` step
/// (and by the app for parse errors), before any output is opened, so
/// nothing the user owns is touched. The app prints it with `usage_line`
/// and exits 2.
class UsageError : public std::runtime_error {
 public:
  /// `message` says what is wrong, naming the option ("--top: expected ...");
  /// `see` is what to read for help, after the program name: "--help", or
  /// "--algo help" when a list of choices says more.
  explicit UsageError(const std::string& message, std::string see = "--help")
      : std::runtime_error(message), see_(std::move(see)) {}

  [[nodiscard]] const std::string& see() const noexcept { return see_; }

 private:
  std::string see_;
};

/// `<who>: <message> (see '<who> <see>')`, the usage error line without its
/// newline; `who` is "conc" or "conc <sub>".
inline std::string usage_line(const std::string& who, const std::string& message, const std::string& see = "--help") {
  return who + ": " + message + " (see '" + who + " " + see + "')";
}

}  // namespace conc::cli
