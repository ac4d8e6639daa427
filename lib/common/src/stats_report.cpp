#include "common/stats_report.h"

#include <sys/resource.h>

#include <cstdio>

#include "common/decimal.h"
#include "common/json_writer.h"
#include "common/progress.h"

namespace conc::common {
namespace {

std::chrono::nanoseconds from_timeval(const timeval& tv) {
  return std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec);
}

double seconds(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }

// The share of its workers' time a stage spent working: the busiest stage is the bottleneck.
double busy_share(const conc::StageStats& s, double wall) {
  return s.workers == 0 || wall <= 0 ? 0.0 : seconds(s.busy) / (static_cast<double>(s.workers) * wall);
}

}  // namespace

CpuTime CpuTime::now() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return CpuTime{from_timeval(ru.ru_utime), from_timeval(ru.ru_stime)};
}

std::string render_stats_text(const RunReport& r) {
  const double wall = seconds(r.wall);
  const double cpu = seconds(r.cpu.user + r.cpu.system);
  std::string out;
  out += "conc " + r.command + " stats: strategy " + r.strategy + ", " + std::to_string(r.threads) + " thread" +
         (r.threads == 1 ? "" : "s") + "\n";
  out += "  wall " + fixed(wall, 3) + " s, cpu " + fixed(cpu, 3) + " s (user " + fixed(seconds(r.cpu.user), 3) +
         ", sys " + fixed(seconds(r.cpu.system), 3) + "), cpu/wall " + fixed(wall > 0 ? cpu / wall : 0.0, 2) + "\n";
  out += "  " + std::to_string(r.stats.items) + " items, " + human_bytes(static_cast<double>(r.stats.bytes));
  if (wall > 0) out += ", " + human_bytes(static_cast<double>(r.stats.bytes) / wall) + "/s";
  if (!r.stats.work_unit.empty() && r.stats.work_unit != "byte") {
    out += ", " + std::to_string(r.stats.work) + " " + r.stats.work_unit + "s";
    if (wall > 0)
      out += " (" + fixed(static_cast<double>(r.stats.work) / wall / 1e6, 3) + " M " + r.stats.work_unit + "s/s)";
  }
  out += "\n";
  if (!r.stats.workers.empty()) {
    out += "  workers (" + r.stats.executor + "):   tasks   steals   failed   idle s\n";
    for (std::size_t i = 0; i < r.stats.workers.size(); ++i) {
      const auto& w = r.stats.workers[i];
      char buf[160];
      std::snprintf(buf, sizeof buf, "    #%-3zu %18llu %8llu %8llu %8.3f\n", i,
                    static_cast<unsigned long long>(w.tasks_run), static_cast<unsigned long long>(w.steals),
                    static_cast<unsigned long long>(w.failed_tasks), seconds(w.idle));
      out += buf;
    }
  }
  for (const auto& c : r.stats.channels) {
    out += "  channel " + c.name + " (capacity " +
           (c.stats.capacity == 0 ? std::string("unbounded") : std::to_string(c.stats.capacity)) +
           "): " + std::to_string(c.stats.sent) + " sent, " + std::to_string(c.stats.received) +
           " received, senders blocked " + fixed(seconds(c.stats.send_blocked), 3) + " s, receivers blocked " +
           fixed(seconds(c.stats.recv_blocked), 3) + " s\n";
  }
  for (const auto& c : r.stats.counts) out += "  " + c.name + ": " + std::to_string(c.value) + "\n";
  const conc::StageStats* bottleneck = nullptr;
  double worst = -1;
  for (std::size_t i = 0; i < r.stats.stages.size(); ++i) {
    const auto& st = r.stats.stages[i];
    const double share = busy_share(st, wall);
    out += "  stage " + std::to_string(i + 1) + " '" + st.name + "' (" + std::to_string(st.workers) + " worker" +
           (st.workers == 1 ? "" : "s") + "): " + std::to_string(st.items) + " batches, " +
           human_bytes(static_cast<double>(st.bytes_in)) + " in, " + human_bytes(static_cast<double>(st.bytes_out)) +
           " out, busy " + fixed(seconds(st.busy), 3) + " s (" + fixed(100 * share, 0) + "%), waiting for input " +
           fixed(seconds(st.wait_input), 3) + " s, for output space " + fixed(seconds(st.wait_output), 3) + " s";
    if (st.units > 0) {
      // Per busy second: what one worker of the stage sustains, comparable across strategies.
      const double mega = static_cast<double>(st.units) / 1e6;
      const double busy = seconds(st.busy);
      out += ", " + fixed(mega, 1) + " M" + st.unit;
      if (busy > 0) out += " (" + fixed(mega / busy, 1) + " M" + st.unit + "/s per busy worker)";
    }
    out += "\n";
    if (share > worst) {
      worst = share;
      bottleneck = &st;
    }
  }
  if (bottleneck != nullptr) {
    out += "  bottleneck: stage " + std::to_string(bottleneck - r.stats.stages.data() + 1) + " '" + bottleneck->name +
           "', its workers busy " + fixed(100 * worst, 0) + "% of the run\n";
  }
  return out;
}

std::string render_stats_json(const RunReport& r) {
  JsonWriter w;
  w.begin_object();
  w.key("command").value(r.command);
  w.key("strategy").value(r.strategy);
  w.key("threads").value(static_cast<std::uint64_t>(r.threads));
  w.key("wall_seconds").value(seconds(r.wall));
  w.key("cpu_user_seconds").value(seconds(r.cpu.user));
  w.key("cpu_system_seconds").value(seconds(r.cpu.system));
  w.key("items").value(r.stats.items);
  w.key("bytes").value(r.stats.bytes);
  if (!r.stats.work_unit.empty()) {
    w.key("work_unit").value(r.stats.work_unit);
    w.key("work").value(r.stats.work);
  }
  w.key("executor").value(r.stats.executor);
  w.key("workers").begin_array();
  for (const auto& wk : r.stats.workers) {
    w.begin_object();
    w.key("tasks").value(wk.tasks_run);
    w.key("steals").value(wk.steals);
    w.key("failed").value(wk.failed_tasks);
    w.key("idle_seconds").value(seconds(wk.idle));
    w.end_object();
  }
  w.end_array();
  w.key("channels").begin_array();
  for (const auto& c : r.stats.channels) {
    w.begin_object();
    w.key("name").value(c.name);
    w.key("capacity").value(static_cast<std::uint64_t>(c.stats.capacity));
    w.key("sent").value(c.stats.sent);
    w.key("received").value(c.stats.received);
    w.key("send_blocked_seconds").value(seconds(c.stats.send_blocked));
    w.key("recv_blocked_seconds").value(seconds(c.stats.recv_blocked));
    w.end_object();
  }
  w.end_array();
  if (!r.stats.counts.empty()) {  // only engines that have some: other reports keep their keys
    w.key("counts").begin_object();
    for (const auto& c : r.stats.counts) w.key(c.name).value(c.value);
    w.end_object();
  }
  w.key("stages").begin_array();
  for (const auto& st : r.stats.stages) {
    w.begin_object();
    w.key("name").value(st.name);
    w.key("workers").value(static_cast<std::uint64_t>(st.workers));
    w.key("batches").value(st.items);
    w.key("bytes_in").value(st.bytes_in);
    w.key("bytes_out").value(st.bytes_out);
    w.key("busy_seconds").value(seconds(st.busy));
    w.key("busy_share").value(busy_share(st, seconds(r.wall)));
    w.key("wait_input_seconds").value(seconds(st.wait_input));
    w.key("wait_output_seconds").value(seconds(st.wait_output));
    if (st.units > 0) w.key(st.unit + "s").value(st.units);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return w.take() + "\n";
}

}  // namespace conc::common
