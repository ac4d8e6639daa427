// common/exit_code.h: the exit codes every subcommand uses (DESIGN.md §4).
#pragma once

namespace conc::common {

enum ExitCode : int {
  kExitOk = 0,            ///< everything succeeded
  kExitInputFailed = 1,   ///< some inputs failed; the rest was processed and reported
  kExitUsage = 2,         ///< bad command line
  kExitInterrupted = 130  ///< stopped by SIGINT, SIGTERM or SIGHUP
};

}  // namespace conc::common
