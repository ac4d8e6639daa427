#include "common/stats_report.h"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;

TEST_CASE("the stats report renders workers and channels as text and JSON") {
  conc::common::RunReport r;
  r.command = "wordcount";
  r.strategy = "steal";
  r.threads = 2;
  r.wall = 2s;
  r.cpu.user = 3s;
  r.cpu.system = 500ms;
  r.stats.executor = "steal";
  r.stats.items = 10;
  r.stats.bytes = 2048;
  conc::WorkerStats w;
  w.tasks_run = 7;
  w.steals = 2;
  w.idle = 250ms;
  r.stats.workers = {w, w};
  conc::ChannelStats c;
  c.capacity = 64;
  c.sent = 5;
  c.received = 5;
  c.send_blocked = 1s;
  r.stats.channels = {{"read->count", c}};

  const std::string text = conc::common::render_stats_text(r);
  CHECK(text.find("conc wordcount stats: strategy steal, 2 threads") == 0);
  CHECK(text.find("wall 2.000 s, cpu 3.500 s (user 3.000, sys 0.500), cpu/wall 1.75") != std::string::npos);
  CHECK(text.find("10 items, 2.0 KiB, 1.0 KiB/s") != std::string::npos);
  CHECK(text.find("channel read->count (capacity 64): 5 sent, 5 received, senders blocked 1.000 s") !=
        std::string::npos);

  CHECK(conc::common::render_stats_json(r) ==
        R"({"command":"wordcount","strategy":"steal","threads":2,"wall_seconds":2,)"
        R"("cpu_user_seconds":3,"cpu_system_seconds":0.5,"items":10,"bytes":2048,"executor":"steal",)"
        R"("workers":[{"tasks":7,"steals":2,"failed":0,"idle_seconds":0.25},)"
        R"({"tasks":7,"steals":2,"failed":0,"idle_seconds":0.25}],)"
        R"("channels":[{"name":"read->count","capacity":64,"sent":5,"received":5,)"
        R"("send_blocked_seconds":1,"recv_blocked_seconds":0}],"stages":[]})"
        "\n");
}

TEST_CASE("the stats report shows pipeline stages and names the busiest one the bottleneck") {
  conc::common::RunReport r;
  r.command = "pipeline";
  r.strategy = "channels";
  r.threads = 2;
  r.wall = 2s;
  conc::StageStats upper{"upper", 2, 10, 1000, 1000, 1s, 3s, 0s};                 // 25% of 2 workers x 2 s
  conc::StageStats exec{"exec sed s/a/b/", 1, 10, 1000, 900, 1800ms, 100ms, 0s};  // 90%
  r.stats.stages = {upper, exec};
  const std::string text = conc::common::render_stats_text(r);
  CHECK(text.find("  stage 1 'upper' (2 workers): 10 batches, 1000 B in, 1000 B out, busy 1.000 s (25%), "
                  "waiting for input 3.000 s, for output space 0.000 s\n") != std::string::npos);
  CHECK(text.find("  stage 2 'exec sed s/a/b/' (1 worker): ") != std::string::npos);
  CHECK(text.find("  bottleneck: stage 2 'exec sed s/a/b/', its workers busy 90% of the run\n") != std::string::npos);
  const std::string json = conc::common::render_stats_json(r);
  CHECK(json.find(R"("stages":[{"name":"upper","workers":2,"batches":10,"bytes_in":1000,"bytes_out":1000,)"
                  R"("busy_seconds":1,"busy_share":0.25,"wait_input_seconds":3,"wait_output_seconds":0},)") !=
        std::string::npos);
}

TEST_CASE("the stats report gives the work in the engine's own unit, for conc bench's throughput") {
  conc::common::RunReport r;
  r.command = "wordcount";
  r.wall = 2s;
  r.stats.bytes = 100;
  r.stats.work_unit = "word";
  r.stats.work = 3'000'000;
  CHECK(conc::common::render_stats_text(r).find("100 B, 50 B/s, 3000000 words (1.500 M words/s)\n") !=
        std::string::npos);
  CHECK(conc::common::render_stats_json(r).find(R"("bytes":100,"work_unit":"word","work":3000000,)") !=
        std::string::npos);
  r.stats.work_unit = "byte";  // the bytes line already says it
  CHECK(conc::common::render_stats_text(r).find("bytes (") == std::string::npos);
}
