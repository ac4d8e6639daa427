// image/report.h: the run report, one record per input (stdout).
#pragma once

#include <string>

#include "common/output.h"
#include "image/image.h"

namespace conc::image {

enum class ReportFormat { kText, kJson };

/// Writes one record per input in input order. Text: a line per image
/// (`INPUT -> OUTPUT WxH N ms`, or `INPUT: failed: REASON`; skipped
/// files only with `verbose`). JSON: `{"images": [{"input", "output",
/// "width", "height", "milliseconds", "status": "ok"|"failed"|"skipped",
/// "reason"?, "streamed"}, ...], "written": N, "failed": N, "skipped": N}`,
/// paths lossless (common/json_writer.h). "failed" counts the entries a
/// walk could not read too (Result::unreadable), which have no record.
void write_report(common::Output& out, const Result& result, ReportFormat format, bool verbose);

/// "N images written, N failed, N skipped (not images)": the stderr summary.
std::string summary_line(const Result& result);

}  // namespace conc::image
