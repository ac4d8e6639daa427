#include "hash/check.h"

#include <any>
#include <memory>
#include <thread>
#include <unordered_set>

#include "common/read_all.h"
#include "conc/mutex.h"
#include "hash/checksum_line.h"
#include "job_stream.h"

namespace conc::hash {
namespace {

using detail::StreamEntry;

// Entries queued between the reader of the check files and the hashing;
// the hashing's own in-flight window bounds the rest.
constexpr std::size_t kQueuedLines = 64;

// Reached once every entry before it has been handed back: the reader waits
// for it before it reads standard input as a check file, so that a listed
// "-" before it is done reading stdin first (as in coreutils, which does one
// thing at a time).
class Turn {
 public:
  void reach() {
    {
      const MutexLock lock(mutex_);
      reached_ = true;
    }
    changed_.notify_all();
  }
  // True once reached; false if `stop` is requested first.
  bool wait(const std::stop_token& stop) {
    const std::stop_callback wake(stop, [this] {
      // Through the lock: a waiter that saw no stop yet holds it until it
      // sleeps, so this notify cannot fall between its check and its sleep.
      { const MutexLock lock(mutex_); }
      changed_.notify_all();
    });
    MutexLock lock(mutex_);
    // The predicate runs with mutex_ held (CondVar's contract).
    changed_.wait(lock, [&] {
      mutex_.assert_held();
      return reached_ || stop.stop_requested();
    });
    return reached_;
  }

 private:
  Mutex mutex_;
  CondVar changed_;
  bool reached_ GUARDED_BY(mutex_) = false;
};

// What the reader sends with each entry, handed back in line order, so that
// everything a check file causes is reported in its place.
struct LineInfo {
  enum class Kind {
    kListed,        // a properly formatted line; the entry's job is its file
    kMisformatted,  // an improperly formatted line
    kFileEnd,       // the end of a check file
    kTurn,          // the reader waits for this entry's turn
  };
  Kind kind = Kind::kListed;
  std::string text;            // kListed: the listed digest; kMisformatted, kFileEnd: the check file
  std::uint64_t number = 0;    // kMisformatted: the line number; kFileEnd: its properly formatted lines
  bool failed = false;         // kFileEnd: reading it failed
  std::string error;           // kFileEnd: why, the diagnostic line held back to be reported in its place
  std::shared_ptr<Turn> turn;  // kTurn
};

StreamEntry entry_of(LineInfo::Kind kind, std::string text = {}, std::uint64_t number = 0, bool failed = false) {
  LineInfo info;
  info.kind = kind;
  info.text = std::move(text);
  info.number = number;
  info.failed = failed;
  StreamEntry e;
  e.data = std::move(info);
  return e;
}

// The reader thread: every check file's lines, as entries, in order.
void read_check_files(const std::vector<std::string>& check_files, const CheckOptions& options,
                      const common::Diagnostics& diag, const std::stop_token& stop, Sender<StreamEntry>& out) {
  // Sends cannot fail: hash_stream receives until this sender is gone.
  bool stdin_read = false;  // by a listed "-" or a check file "-": a later "-" job hashes what is left, nothing
  bool stdin_listed = false;
  for (const auto& path : check_files) {
    if (path == "-") {
      if (stdin_listed) {
        auto turn = std::make_shared<Turn>();
        StreamEntry e = entry_of(LineInfo::Kind::kTurn);
        std::any_cast<LineInfo&>(e.data).turn = turn;
        (void)out.send(std::move(e));
        if (!turn->wait(stop)) return;
      }
      stdin_read = true;
    }
    std::uint64_t listed = 0;
    // An error ends the file: it is held back and reported after the
    // verdicts of the lines before it.
    std::string error;
    common::Diagnostics held(diag.command(), [&](std::string_view line) { error = line; });
    // A stream of lines, not the whole file: `conc hash -c /dev/zero` stays
    // bounded, and a line past the limit ends this file with an error.
    const auto end = common::for_each_line(
        path, options.max_line, held, stop, [&](std::string_view line, std::uint64_t line_number) {
          if (!line.empty() && line.front() == '#') return;
          // Blank lines (CR only included) are skipped, not misformatted: coreutils' rule.
          if (line.empty() || line == "\r") return;
          auto parsed = parse_checksum_line(line, options.gnu_digest);
          // stdin cannot be both the check file (or the key) and a listed file
          const bool stdin_twice = parsed && parsed->name == "-" && (path == "-" || options.stdin_taken);
          if (!parsed || stdin_twice) {
            (void)out.send(entry_of(LineInfo::Kind::kMisformatted, path, line_number));
            return;
          }
          ++listed;
          Job job;
          job.digest = parsed->algo == options.gnu_digest.algo ? options.gnu_digest : common::DigestSpec(parsed->algo);
          job.is_stdin = parsed->name == "-";
          if (job.is_stdin) {
            job.stdin_rest = stdin_read;
            stdin_read = stdin_listed = true;
          }
          job.path = std::move(parsed->name);
          StreamEntry e = entry_of(LineInfo::Kind::kListed, std::move(parsed->hex));
          e.job = std::move(job);
          (void)out.send(std::move(e));
        });
    if (end == common::LinesEnd::kStopped) return;
    StreamEntry e = entry_of(LineInfo::Kind::kFileEnd, path, listed, end == common::LinesEnd::kFailed);
    std::any_cast<LineInfo&>(e.data).error = std::move(error);
    (void)out.send(std::move(e));
  }
}

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
                   common::ProgressBar* progress, const CheckSink& sink) {
  CheckSummary summary;
  std::stop_source halt;  // the caller's stop, or a failed sink: ends the reader too
  const std::stop_callback forward(stop, [&] { halt.request_stop(); });
  const std::string line_kind = std::string(common::info(options.gnu_digest.algo).tag) + " checksum line";
  std::unordered_set<std::string> listed;  // for report_new only
  CheckCounts file;                        // of the check file being verified
  auto count = [&](std::uint64_t CheckCounts::*field) {
    ++(summary.*field);
    ++(file.*field);
  };
  // Whatever the caller wrote so far goes out before a diagnostic does.
  auto flush = [&] {
    if (sink.flush) sink.flush();
  };

  auto [tx, rx] = conc::bounded<StreamEntry>(kQueuedLines);
  std::jthread reader(
      [&, out = std::move(tx)]() mutable { read_check_files(check_files, options, diag, halt.get_token(), out); });
  summary.stats = detail::hash_stream(
      std::move(rx), engine, halt, progress, sink.flush, [&](StreamEntry& entry, Outcome&& outcome) {
        auto& info = std::any_cast<LineInfo&>(entry.data);
        switch (info.kind) {
          case LineInfo::Kind::kListed: {
            count(&CheckCounts::lines);
            const Job& job = *entry.job;
            if (!options.report_new.empty()) listed.insert(normalize_path(job.path));
            if (!outcome.ok()) {
              if (outcome.missing && options.ignore_missing) return;
              // The reason first, then the verdict: coreutils' order.
              flush();
              diag.error(job.path, outcome.error);
              count(&CheckCounts::unreadable);
              sink.verdict(job.path, Verdict::kUnreadable);
              return;
            }
            count(&CheckCounts::verified);
            const bool match = outcome.hex == info.text;
            if (!match) count(&CheckCounts::mismatched);
            sink.verdict(job.path, match ? Verdict::kOk : Verdict::kFailed);
            return;
          }
          case LineInfo::Kind::kMisformatted:
            count(&CheckCounts::misformatted);
            if (options.warn) {
              flush();
              diag.warning(info.text, std::to_string(info.number) + ": improperly formatted " + line_kind);
            }
            return;
          case LineInfo::Kind::kFileEnd:
            flush();
            // The lines read before a failure were still verified, in order.
            if (!info.error.empty()) diag.relay_error(info.error);
            // As coreutils: a file without a proper line gets only that
            // error; any other its summary, then "no file was verified".
            if (info.number == 0) {
              if (!info.failed) diag.error(info.text, "no properly formatted checksum lines found");
            } else {
              if (sink.file_done) sink.file_done(info.text, file);
              if (options.ignore_missing && file.verified == 0) diag.error(info.text, "no file was verified");
            }
            file = {};
            return;
          case LineInfo::Kind::kTurn: info.turn->reach(); return;
        }
      });
  reader.join();
  if (halt.stop_requested()) return summary;

  if (!options.report_new.empty()) {
    flush();  // the walk reports what it cannot enter
    for (const auto& found : common::walk(options.report_new, options.walk, diag)) {
      if (found.is_stdin || listed.contains(normalize_path(found.path))) continue;
      ++summary.new_files;
      sink.verdict(found.path, Verdict::kNew);
    }
  }
  return summary;
}

}  // namespace conc::hash
