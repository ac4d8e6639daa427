// test/support/stdin_from.h: this process's standard input replaced for a scope.
#pragma once

#include <unistd.h>

#include <catch2/catch.hpp>

namespace conc::test {

/// Standard input replaced by `fd` for the life of the object, then restored:
/// for tests of code that reads fd 0 itself (stdin named as "-").
class StdinFrom {
 public:
  explicit StdinFrom(int fd) : saved_(::dup(0)) { REQUIRE(::dup2(fd, 0) == 0); }
  StdinFrom(const StdinFrom&) = delete;
  StdinFrom& operator=(const StdinFrom&) = delete;
  ~StdinFrom() {
    ::dup2(saved_, 0);
    ::close(saved_);
  }

 private:
  int saved_;
};

}  // namespace conc::test
