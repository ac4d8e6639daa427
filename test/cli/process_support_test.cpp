// The test harness itself: run_process must survive a child that exits
// without reading its stdin (issue 11 §G: the pipeline usage-error test once
// died of SIGPIPE, depending on when the child closed its pipes).
#include <catch2/catch.hpp>
#include <string>

#include "process.h"

using conc::test::run_process;

TEST_CASE("run_process survives a child that exits before reading its input") {
  // More than a pipe holds, so the harness is still writing when the child
  // is gone: write(2) meets EPIPE, which must not kill the test process.
  const std::string input(8 << 20, 'x');
  for (int i = 0; i < 5; ++i) {
    const auto r = run_process({"/bin/sh", "-c", "exec 0<&-; echo gone >&2; exit 3"}, input);
    CHECK(r.exit_code == 3);
    CHECK(r.err == "gone\n");
  }
  const auto usage = run_process({CONC_BINARY, "pipeline"}, input);
  CHECK(usage.exit_code == 2);
  CHECK(usage.err == "conc pipeline: at least one -e STAGE is required (see 'conc pipeline --help')\n");
}

TEST_CASE("run_process still passes SIGPIPE's default action on to children") {
  // The harness blocks SIGPIPE only around its own writes: a child writing
  // to a closed pipe dies of it as usual.
  const auto r = run_process({"/bin/bash", "-c", "yes | head -1 >/dev/null; echo ${PIPESTATUS[0]}"});
  CHECK(r.out == "141\n");
}
