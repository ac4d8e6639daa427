#include "crawl/report.h"

#include "common/csv.h"
#include "common/json_writer.h"
#include "common/xml_escape.h"

namespace conc::crawl {
namespace {

void json_record(common::JsonWriter& w, const Record& r, bool timings) {
  w.begin_object();
  w.key("url").value(r.url);
  w.key("final_url").value(r.final_url);
  w.key("status").value(static_cast<std::int64_t>(r.status));
  w.key("depth").value(static_cast<std::uint64_t>(r.depth));
  w.key("referrer");
  if (r.referrer.empty()) {
    w.null();
  } else {
    w.value(r.referrer);
  }
  w.key("referrers").begin_array();
  for (const auto& ref : r.referrers) {
    w.begin_object().key("url").value(ref.url).key("line").value(static_cast<std::uint64_t>(ref.line)).end_object();
  }
  w.end_array();
  w.key("content_type");
  if (r.content_type.empty()) {
    w.null();
  } else {
    w.value(r.content_type);
  }
  w.key("bytes").value(static_cast<std::uint64_t>(r.bytes));
  w.key("redirects").begin_array();
  for (const auto& hop : r.redirects) w.value(hop);
  w.end_array();
  w.key("error");
  if (r.error.empty()) {
    w.null();
  } else {
    w.value(r.error);
  }
  if (timings) {
    w.key("time_ms").value(r.time_ms);
    w.key("retries").value(static_cast<std::uint64_t>(r.retries));
  }
  w.end_object();
}

void json_summary(common::JsonWriter& w, const Summary& s) {
  w.begin_object();
  w.key("pages").value(s.pages);
  w.key("urls").value(s.urls);
  w.key("links").value(s.links);
  w.key("broken").value(s.broken);
  w.key("errors").value(s.errors);
  w.key("skipped_schemes").value(s.skipped_schemes);
  w.key("malformed_links").value(s.malformed_links);
  w.key("external_not_checked").value(s.external_skipped);
  w.key("robots_disallowed").value(s.robots_disallowed);
  w.key("cut_url_length").value(s.cut_url_length);
  w.key("cut_repeated_segments").value(s.cut_repeats);
  w.key("cut_max_pages").value(s.cut_max_pages);
  w.key("cut_depth").value(s.cut_depth);
  w.key("cut_filters").value(s.cut_filters);
  w.key("sitemaps").value(s.sitemaps);
  w.key("sitemap_urls").value(s.sitemap_urls);
  w.end_object();
}

std::string text_record(const Record& r) {
  std::string line = r.status != 0 ? std::to_string(r.status) : std::string("---");
  line += ' ';
  line += r.url;
  if (!r.redirects.empty()) line += " -> " + r.final_url;
  if (!r.error.empty()) line += " (" + r.error + ")";
  line += '\n';
  for (const auto& ref : r.referrers) line += "    from " + ref.url + " line " + std::to_string(ref.line) + "\n";
  return line;
}

void csv_header(common::Output& out, bool timings) {
  out.write("url,final_url,status,depth,referrer,content_type,bytes,redirects,error,referrers");
  out.write(timings ? ",time_ms,retries\n" : "\n");
}

std::string csv_record(const Record& r, bool timings) {
  std::string row;
  common::append_csv_field(row, r.url);
  row += ',';
  common::append_csv_field(row, r.final_url);
  row += ',' + std::to_string(r.status) + ',' + std::to_string(r.depth) + ',';
  common::append_csv_field(row, r.referrer);
  row += ',';
  common::append_csv_field(row, r.content_type);
  row += ',' + std::to_string(r.bytes) + ',';
  std::string hops;
  for (const auto& hop : r.redirects) hops += (hops.empty() ? "" : " ") + hop;
  common::append_csv_field(row, hops);
  row += ',';
  common::append_csv_field(row, r.error);
  row += ',';
  std::string refs;
  for (const auto& ref : r.referrers) refs += (refs.empty() ? "" : " ") + ref.url + ":" + std::to_string(ref.line);
  common::append_csv_field(row, refs);
  if (timings) row += ',' + std::to_string(r.time_ms) + ',' + std::to_string(r.retries);
  row += '\n';
  return row;
}

// XML 1.0 text: the five specials escaped, and characters XML cannot hold
// at all (controls but tab and line breaks, invalid UTF-8) replaced.
void junit(common::Output& out, std::span<const Record> records) {
  std::size_t failures = 0;
  for (const auto& r : records) failures += r.broken ? 1 : 0;
  out.write("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  out.write("<testsuites>\n<testsuite name=\"conc crawl\" tests=\"" + std::to_string(records.size()) +
            "\" failures=\"" + std::to_string(failures) + "\" errors=\"0\">\n");
  for (const auto& r : records) {
    out.write("<testcase classname=\"crawl\" name=\"" + common::xml_escape(r.url) + "\"");
    if (!r.broken) {
      out.write("/>\n");
      continue;
    }
    const std::string reason = !r.error.empty() ? r.error : "status " + std::to_string(r.status);
    std::string body;
    for (const auto& ref : r.referrers) body += "from " + ref.url + " line " + std::to_string(ref.line) + "\n";
    out.write("><failure message=\"" + common::xml_escape(reason) + "\">" + common::xml_escape(body) +
              "</failure></testcase>\n");
  }
  out.write("</testsuite>\n</testsuites>\n");
}

}  // namespace

bool streamable(Format format) noexcept {
  return format == Format::kText || format == Format::kJsonl || format == Format::kCsv;
}

void write_stream_header(common::Output& out, const ReportOptions& options) {
  if (options.format == Format::kCsv) csv_header(out, options.timings);
}

void write_record(common::Output& out, const Record& r, const ReportOptions& options) {
  switch (options.format) {
    case Format::kText:
      if (options.verbose || r.broken) out.write(text_record(r));
      break;
    case Format::kJsonl: {
      common::JsonWriter w;
      json_record(w, r, options.timings);
      out.write(w.str());
      out.put('\n');
      break;
    }
    case Format::kCsv: out.write(csv_record(r, options.timings)); break;
    case Format::kJson:
    case Format::kJunit: break;  // whole documents only (streamable() is false)
  }
}

void write_report(common::Output& out, std::span<const Record> records, const Summary& summary,
                  const ReportOptions& options) {
  switch (options.format) {
    case Format::kText:
    case Format::kJsonl:
    case Format::kCsv:
      write_stream_header(out, options);
      for (const auto& r : records) write_record(out, r, options);
      break;
    case Format::kJson: {
      out.write("{\"records\":[");
      bool first = true;
      for (const auto& r : records) {
        common::JsonWriter w;
        json_record(w, r, options.timings);
        if (!first) out.put(',');
        first = false;
        out.write(w.str());
      }
      out.write("],\"summary\":");
      common::JsonWriter w;
      json_summary(w, summary);
      out.write(w.str());
      out.write("}\n");
      break;
    }
    case Format::kJunit: junit(out, records); break;
  }
}

std::string summary_line(const Summary& s) {
  const double seconds = std::chrono::duration<double>(s.wall).count();
  const double rate = seconds > 0 ? static_cast<double>(s.urls) / seconds : 0;
  std::string line = "pages " + std::to_string(s.pages) + ", urls " + std::to_string(s.urls) + ", links " +
                     std::to_string(s.links) + ", broken " + std::to_string(s.broken) + ", errors " +
                     std::to_string(s.errors) + ", requests " + std::to_string(s.requests);
  const std::uint64_t cut = s.cut_url_length + s.cut_repeats + s.cut_max_pages + s.cut_depth;
  line += ", cut by guards " + std::to_string(cut);
  if (cut != 0) {
    line += " (url length " + std::to_string(s.cut_url_length) + ", repeated segments " +
            std::to_string(s.cut_repeats) + ", max pages " + std::to_string(s.cut_max_pages) + ", depth " +
            std::to_string(s.cut_depth) + ")";
  }
  if (s.robots_disallowed != 0) line += ", disallowed by robots.txt " + std::to_string(s.robots_disallowed);
  if (s.cut_filters != 0) line += ", filtered out " + std::to_string(s.cut_filters);
  if (s.skipped_schemes != 0) line += ", other schemes skipped " + std::to_string(s.skipped_schemes);
  if (s.malformed_links != 0) line += ", malformed links " + std::to_string(s.malformed_links);
  if (s.external_skipped != 0) line += ", external not checked " + std::to_string(s.external_skipped);
  if (s.sitemaps != 0) {
    line += ", sitemaps " + std::to_string(s.sitemaps) + " (" + std::to_string(s.sitemap_urls) + " urls)";
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", rate);
  line += ", " + std::string(buf) + " urls/s";
  return line;
}

}  // namespace conc::crawl
