// test/support/test_error.h: an exception type for tests that throw across threads.
#pragma once

#include <exception>

namespace conc::test {

/// Carries a static message. Tests that move exceptions between threads use
/// it instead of std::runtime_error, whose message is a copy-on-write string
/// reference-counted inside the uninstrumented libstdc++.so: ThreadSanitizer
/// cannot see that count's ordering and reports a false race on it.
struct TestError : std::exception {
  explicit TestError(const char* message) noexcept : message_(message) {}
  [[nodiscard]] const char* what() const noexcept override { return message_; }

 private:
  const char* message_;
};

}  // namespace conc::test
