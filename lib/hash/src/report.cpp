#include "hash/report.h"

#include "common/json_writer.h"
#include "hash/shard_part.h"

namespace conc::hash {
namespace {

std::string plural(std::uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

ResultWriter::ResultWriter(common::Output& out, Format format, LineStyle style, common::Algo algo, bool zero)
    : out_(out), format_(format), style_(style), algo_(algo), zero_(zero) {
  if (format_ == Format::kJson) out_.write("[");
}

void ResultWriter::add(const std::string& path, const std::string& hex, std::uint64_t size) {
  if (format_ == Format::kText) {
    out_.write(format_line(style_, algo_, hex, path, zero_));
    return;
  }
  common::JsonWriter w;
  w.begin_object().key("path").value(path).key("algo").value(common::info(algo_).name);
  w.key("digest").value(hex).key("size").value(size).end_object();
  if (format_ == Format::kJson) out_.write(first_ ? "\n  " : ",\n  ");
  out_.write(w.str());
  if (format_ == Format::kJsonl) out_.put('\n');
  first_ = false;
}

void ResultWriter::add_shard_record(std::string_view json) {
  if (format_ == Format::kText) {
    add_rendered(std::string(kShardComment) + std::string(json));
  } else {
    add_rendered(std::string(R"({"conc_shard":)") + std::string(json) + "}");
  }
}

void ResultWriter::add_rendered(std::string_view record) {
  if (format_ == Format::kJson) out_.write(first_ ? "\n  " : ",\n  ");
  out_.write(record);
  if (format_ == Format::kText) out_.put(zero_ ? '\0' : '\n');
  if (format_ == Format::kJsonl) out_.put('\n');
  first_ = false;
}

void ResultWriter::finish() {
  if (format_ == Format::kJson) out_.write(first_ ? "]\n" : "\n]\n");
}

std::vector<std::string> check_warnings(const CheckCounts& summary) {
  std::vector<std::string> lines;
  auto warn = [&](const std::string& text) { lines.push_back("WARNING: " + text); };
  if (summary.misformatted != 0) warn(plural(summary.misformatted, "line is", "lines are") + " improperly formatted");
  if (summary.unreadable != 0) warn(plural(summary.unreadable, "listed file", "listed files") + " could not be read");
  if (summary.mismatched != 0) {
    warn(plural(summary.mismatched, "computed checksum", "computed checksums") + " did NOT match");
  }
  if (summary.new_files != 0) {
    warn(plural(summary.new_files, "file is", "files are") + " not listed in the checksum files");
  }
  return lines;
}

}  // namespace conc::hash
