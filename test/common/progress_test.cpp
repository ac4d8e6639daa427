#include "common/progress.h"

#include <fcntl.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>

using namespace std::chrono_literals;
using conc::common::ProgressSnapshot;

TEST_CASE("render_progress shows counts, bytes, rate and ETA") {
  ProgressSnapshot s;
  s.done_items = 12;
  s.total_items = 40;
  s.done_bytes = 1024 * 1024;
  s.total_bytes = 4 * 1024 * 1024;
  s.elapsed = 1s;
  CHECK(conc::common::render_progress("hash", "files", s) == "hash  12/40 files  1.0 MiB/4.0 MiB  1.0 MiB/s  ETA 0:03");
  s.total_items = 0;
  s.total_bytes = 0;
  CHECK(conc::common::render_progress("wc", "chunks", s) == "wc  12 chunks  1.0 MiB  1.0 MiB/s");
}

TEST_CASE("render_progress counts items alone when there are no bytes, with an ETA from their rate") {
  conc::common::ProgressSnapshot s;
  s.done_items = 10;
  s.total_items = 40;
  s.elapsed = std::chrono::seconds(20);
  CHECK(conc::common::render_progress("bench wordcount", "runs", s) == "bench wordcount  10/40 runs  ETA 1:00");
  s.total_items = 0;
  CHECK(conc::common::render_progress("bench wordcount", "runs", s) == "bench wordcount  10 runs");
}

TEST_CASE("human_bytes") {
  CHECK(conc::common::human_bytes(12) == "12 B");
  CHECK(conc::common::human_bytes(1536) == "1.5 KiB");
  CHECK(conc::common::human_bytes(300.0 * 1024 * 1024) == "300 MiB");
}

TEST_CASE("parse_progress_mode accepts the three modes only") {
  CHECK(conc::common::parse_progress_mode("auto") == conc::common::ProgressMode::kAuto);
  CHECK(conc::common::parse_progress_mode("never") == conc::common::ProgressMode::kNever);
  CHECK_THROWS_AS(conc::common::parse_progress_mode("sometimes"), std::invalid_argument);
}

TEST_CASE("ProgressBar draws only when enabled, and erases its line") {
  char name[] = "/tmp/conc-progress-XXXXXX";
  const int fd = mkstemp(name);
  REQUIRE(fd >= 0);
  unlink(name);
  {
    conc::common::ProgressBar off(conc::common::ProgressMode::kAuto, "x", "files", fd, 0ms);
    CHECK_FALSE(off.enabled());  // a file is not a terminal
  }
  {
    conc::common::ProgressBar bar(conc::common::ProgressMode::kAlways, "job", "files", fd, 0ms);
    REQUIRE(bar.enabled());
    bar.set_total(2, 0);
    bar.add(1, 10);
    std::this_thread::sleep_for(300ms);
  }
  std::string text(4096, '\0');
  const ssize_t n = pread(fd, text.data(), text.size(), 0);
  close(fd);
  REQUIRE(n > 0);
  text.resize(static_cast<std::size_t>(n));
  CHECK(text.find("job  1/2 files  10 B") != std::string::npos);
  CHECK(text.substr(text.size() - 5) == "\r\x1b[2K");
}
