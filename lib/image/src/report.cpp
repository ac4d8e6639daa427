#include "image/report.h"

#include <chrono>

#include "common/diagnostics.h"
#include "common/json_writer.h"

namespace conc::image {
namespace {

struct Counts {
  std::uint64_t written = 0;
  std::uint64_t failed = 0;
  std::uint64_t skipped = 0;
};

Counts count(const Result& r) {
  Counts c;
  c.failed = r.unreadable;
  for (const auto& rec : r.images) {
    if (rec.status == Status::kOk) ++c.written;
    if (rec.status == Status::kFailed) ++c.failed;
    if (rec.status == Status::kSkipped) ++c.skipped;
  }
  return c;
}

std::uint64_t milliseconds(std::chrono::nanoseconds d) {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}

const char* status_name(Status s) {
  switch (s) {
    case Status::kOk: return "ok";
    case Status::kFailed: return "failed";
    case Status::kSkipped: return "skipped";
    case Status::kPending: return "pending";
  }
  return "failed";
}

}  // namespace

void write_report(common::Output& out, const Result& result, ReportFormat format, bool verbose) {
  if (format == ReportFormat::kText) {
    for (const auto& rec : result.images) {
      const std::string input = common::printable_name(rec.input);  // one line a record, whatever the name
      switch (rec.status) {
        case Status::kOk:
          out.write(input + " -> " + common::printable_name(rec.output) + " " + std::to_string(rec.width) + "x" +
                    std::to_string(rec.height) + " " + std::to_string(milliseconds(rec.elapsed)) + " ms\n");
          break;
        case Status::kFailed: out.write(input + ": failed: " + rec.reason + "\n"); break;
        case Status::kSkipped:
          if (verbose) out.write(input + ": skipped: " + rec.reason + "\n");
          break;
        case Status::kPending: out.write(input + ": not processed (the run was stopped)\n"); break;
      }
    }
    return;
  }
  common::JsonWriter w;
  w.begin_object();
  w.key("images").begin_array();
  for (const auto& rec : result.images) {
    w.begin_object();
    w.key("input").value(rec.input);
    if (rec.status == Status::kOk) {
      w.key("output").value(rec.output);
      w.key("width").value(static_cast<std::uint64_t>(rec.width));
      w.key("height").value(static_cast<std::uint64_t>(rec.height));
      w.key("milliseconds").value(milliseconds(rec.elapsed));
      w.key("streamed").value(rec.streamed);
    }
    w.key("status").value(status_name(rec.status));
    if (rec.status != Status::kOk) w.key("reason").value(rec.reason);
    w.end_object();
  }
  w.end_array();
  const Counts c = count(result);
  w.key("written").value(c.written);
  w.key("failed").value(c.failed);
  w.key("skipped").value(c.skipped);
  w.end_object();
  out.write(w.take() + "\n");
}

std::string summary_line(const Result& result) {
  const Counts c = count(result);
  return std::to_string(c.written) + " image" + (c.written == 1 ? "" : "s") + " written, " + std::to_string(c.failed) +
         " failed, " + std::to_string(c.skipped) + " skipped (not images)";
}

}  // namespace conc::image
