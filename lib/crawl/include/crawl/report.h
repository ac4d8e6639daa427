// crawl/report.h: the output formats of conc crawl.
#pragma once

#include <span>
#include <string>

#include "common/output.h"
#include "crawl/crawl.h"

namespace conc::crawl {

enum class Format { kText, kJsonl, kJson, kCsv, kJunit };

struct ReportOptions {
  Format format = Format::kText;
  bool timings = false;  ///< add time_ms and retries (timing-dependent)
  bool verbose = false;  ///< text: every URL, not only the broken ones
};

/// Writes a whole report: every record (text: the broken ones, or every
/// one when verbose), in the given order.
///   text   `404 URL` (or `--- URL (reason)`), then `    from PAGE line N` per referrer
///   jsonl  one object per record: url, final_url, status, depth, referrer,
///          referrers [{url, line}], content_type, bytes, redirects, error
///   json   {"records": [...], "summary": {...}}
///   csv    a header, then one RFC 4180 row per record
///   junit  one testcase per record, broken ones failed
void write_report(common::Output& out, std::span<const Record> records, const Summary& summary,
                  const ReportOptions& options);

/// The formats that can be written a record at a time (--stream): text,
/// jsonl and csv. `write_stream_header` writes what comes first (csv's header).
[[nodiscard]] bool streamable(Format format) noexcept;
void write_stream_header(common::Output& out, const ReportOptions& options);
void write_record(common::Output& out, const Record& record, const ReportOptions& options);

/// The summary for stderr: `pages 120, links 2400, broken 3, errors 1, ...`.
[[nodiscard]] std::string summary_line(const Summary& summary);

}  // namespace conc::crawl
