#include "hash/check.h"

#include <sys/stat.h>

#include <unordered_set>

#include "common/read_all.h"
#include "hash/checksum_line.h"

namespace conc::hash {
namespace {

// Where one check file's lines landed among the jobs.
struct CheckFile {
  std::string path;
  std::size_t first_job = 0;
  std::size_t end_job = 0;
  std::uint64_t verified = 0;
};

}  // namespace

std::string_view verdict_text(Verdict v) noexcept {
  switch (v) {
    case Verdict::kOk: return "OK";
    case Verdict::kFailed: return "FAILED";
    case Verdict::kUnreadable: return "FAILED open or read";
    case Verdict::kNew: return "NEW";
  }
  return "";
}

std::string normalize_path(const std::string& path) {
  std::string out;
  if (!path.empty() && path.front() == '/') out.push_back('/');
  std::size_t at = 0;
  while (at <= path.size()) {
    std::size_t end = path.find('/', at);
    if (end == std::string::npos) end = path.size();
    const std::string_view part(path.data() + at, end - at);
    if (!part.empty() && part != ".") {
      if (!out.empty() && out.back() != '/') out.push_back('/');
      out.append(part);
    }
    at = end + 1;
  }
  return out.empty() ? std::string(".") : out;
}

CheckSummary check(const std::vector<std::string>& check_files, const CheckOptions& options,
                   const EngineOptions& engine, common::Diagnostics& diag, std::stop_token stop,
                   common::ProgressBar* progress, const VerdictSink& sink) {
  CheckSummary summary;
  std::vector<Job> jobs;
  std::vector<std::string> expected;  // per job
  std::vector<CheckFile> files;
  const std::string line_kind = std::string(common::info(options.gnu_algo).tag) + " checksum line";

  for (const auto& path : check_files) {
    CheckFile file{path, jobs.size(), jobs.size(), 0};
    // A stream of lines, not the whole file: `conc hash -c /dev/zero` stays
    // bounded, and a line past the limit ends this file with an error.
    const auto end = common::for_each_line(
        path, options.max_line, diag, stop, [&](std::string_view line, std::uint64_t line_number) {
          if (!line.empty() && line.front() == '#') return;
          // Blank lines (CR only included) are skipped, not misformatted: coreutils' rule.
          if (line.empty() || line == "\r") return;
          auto parsed = parse_checksum_line(line, options.gnu_algo);
          const bool stdin_twice = parsed && parsed->name == "-" && path == "-";  // stdin cannot be both
          if (!parsed || stdin_twice) {
            ++summary.misformatted;
            if (options.warn) diag.warning(path, std::to_string(line_number) + ": improperly formatted " + line_kind);
            return;
          }
          ++summary.lines;
          Job job;
          job.algo = parsed->algo;
          job.is_stdin = parsed->name == "-";
          struct stat st {};
          if (!job.is_stdin && ::stat(parsed->name.c_str(), &st) == 0)
            job.size = static_cast<std::uint64_t>(st.st_size);
          job.path = std::move(parsed->name);
          jobs.push_back(std::move(job));
          expected.push_back(std::move(parsed->hex));
        });
    if (end == common::LinesEnd::kStopped) return summary;
    file.end_job = jobs.size();
    // A failed file is already reported; the lines read before its failure
    // are still verified, in order.
    if (file.end_job == file.first_job) {
      if (end == common::LinesEnd::kFailed) continue;
      diag.error(path, "no properly formatted checksum lines found");
      continue;
    }
    files.push_back(std::move(file));
  }

  std::size_t file_index = 0;
  summary.stats = hash_jobs(jobs, engine, stop, progress, [&](std::size_t i, Outcome&& outcome) {
    while (i >= files[file_index].end_job) ++file_index;
    const Job& job = jobs[i];
    if (!outcome.ok()) {
      if (outcome.missing && options.ignore_missing) return;
      diag.error(job.path, outcome.error);
      ++summary.unreadable;
      sink(job.path, Verdict::kUnreadable);
      return;
    }
    ++summary.verified;
    ++files[file_index].verified;
    const bool match = outcome.hex == expected[i];
    if (!match) ++summary.mismatched;
    sink(job.path, match ? Verdict::kOk : Verdict::kFailed);
  });
  if (stop.stop_requested()) return summary;

  if (options.ignore_missing) {
    for (const auto& f : files) {
      if (f.verified == 0) diag.error(f.path, "no file was verified");
    }
  }

  if (!options.report_new.empty()) {
    std::unordered_set<std::string> listed;
    for (const auto& j : jobs) listed.insert(normalize_path(j.path));
    for (const auto& found : common::walk(options.report_new, options.walk, diag)) {
      if (found.is_stdin || listed.contains(normalize_path(found.path))) continue;
      ++summary.new_files;
      sink(found.path, Verdict::kNew);
    }
  }
  return summary;
}

}  // namespace conc::hash
