// test/support/process.h: run a program, feed its stdin, capture its outputs.
#pragma once

#include <string>
#include <vector>

namespace conc::test {

struct ProcessResult {
  int exit_code = -1;  ///< the exit status; 256 + N when killed by signal N (never confused with `exit 130`)
  std::string out;
  std::string err;
};

/// `head` followed by `tail`: an argv built from fixed words and a list.
inline std::vector<std::string> args(std::vector<std::string> head, const std::vector<std::string>& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

/// Runs `argv` (argv[0] is a path) with `input` on stdin, waits at most
/// `timeout_seconds` (then kills it and reports exit code -1).
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& input = "",
                          int timeout_seconds = 60);

}  // namespace conc::test
