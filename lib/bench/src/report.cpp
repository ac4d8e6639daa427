#include "bench/report.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "common/csv.h"
#include "common/decimal.h"
#include "common/diagnostics.h"
#include "common/json_writer.h"
#include "common/progress.h"

namespace conc::bench {
namespace {

using common::fixed;

// `word` as a shell reads it back: bare when it holds nothing special,
// else in single quotes, or bash's $'...' with \xHH escapes when it holds
// control characters or bytes that are not UTF-8 (which no terminal shows).
std::string shell_word(const std::string& word) {
  const bool odd = !common::is_valid_utf8(word) || std::any_of(word.begin(), word.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7F;
  });
  if (odd) {
    std::string q = "$'";
    for (const char c : word) {
      const auto u = static_cast<unsigned char>(c);
      if (c == '\'' || c == '\\') {
        q += '\\';
        q += c;
      } else if (u < 0x20 || u >= 0x7F) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\x%02x", u);
        q += buf;
      } else {
        q += c;
      }
    }
    return q + "'";
  }
  const bool plain = !word.empty() && word.find_first_of(" \t\n'\"\\$`*?[]{}()<>|&;#~!") == std::string::npos;
  if (plain) return word;
  std::string q = "'";
  for (const char c : word) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

template <class T>
std::string comma_list(const std::vector<T>& items) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += ",";
    if constexpr (std::is_same_v<T, std::string>) {
      out += i;
    } else {
      out += std::to_string(i);
    }
  }
  return out;
}

// The bench's command line, every option spelled out, so that pasting it
// (in a PR, say) runs the same bench again.
std::string command_line(const Options& o) {
  std::string out = "conc bench " + o.subcommand + " --strategies " + comma_list(o.strategies) + " --threads " +
                    comma_list(o.threads) + " --warmup " + std::to_string(o.warmup) + " --repeat " +
                    std::to_string(o.repeat);
  if (!o.prepare.empty()) out += " --prepare " + shell_word(o.prepare);
  if (!o.input.empty()) out += " --input " + shell_word(o.input);
  if (o.program_given) out += " --conc " + shell_word(o.program);
  out += " --";
  for (const auto& a : o.args.args) out += " " + shell_word(a);
  return out;
}

// The row of what the subcommand runs when given neither -s nor -j.
bool is_default(const Options& o, const ConfigResult& c) {
  return c.config.strategy == o.default_strategy && c.config.threads == o.default_threads;
}

// One table row as cells, the same for text and markdown.
std::vector<std::string> cells(const Options& o, const Result& r, const ConfigResult& c) {
  std::vector<std::string> row;
  row.push_back(c.config.strategy + (is_default(o, c) ? " *" : ""));
  row.push_back(std::to_string(c.config.threads));
  if (!c.failure.empty() || c.runs.empty()) {
    row.push_back(c.failure.empty() ? "no timed run" : "FAILED");
    return row;
  }
  row.push_back(format_seconds(c.wall.median));
  row.push_back(format_seconds(c.wall.mean) + " ± " + format_seconds(c.wall.stddev));
  row.push_back(format_seconds(c.wall.min) + " … " + format_seconds(c.wall.max));
  row.push_back(c.speedup ? fixed(*c.speedup, 2) + "x" : "-");
  row.push_back(c.efficiency ? fixed(100 * *c.efficiency, 0) + "%" : "-");
  row.push_back(format_seconds(c.cpu));
  row.push_back(common::human_bytes(static_cast<double>(c.max_rss)));
  row.push_back(r.work_unit.empty() ? "-" : format_throughput(c.throughput, r.work_unit));
  row.push_back(c.has_workers ? fixed(c.steals, 0) : "-");
  row.push_back(c.has_workers ? fixed(100 * c.idle_share, 0) + "%" : "-");
  row.push_back(c.has_channels ? format_seconds(c.blocked) : "-");
  return row;
}

const std::vector<std::string>& headers() {
  static const std::vector<std::string> h = {"strategy", "threads",    "median", "mean ± sd", "min … max",
                                             "speed-up", "efficiency", "cpu",    "peak RSS",  "throughput",
                                             "steals",   "idle",       "blocked"};
  return h;
}

// Display width: every multi-byte UTF-8 sequence here (±, …) is one column.
std::size_t width(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char ch) { return (ch & 0xC0) != 0x80; }));
}

std::string summary_line(const Options& o, const Result& r) {
  std::string out = std::to_string(o.repeat) + " timed run" + (o.repeat == 1 ? "" : "s") +
                    " per configuration, interleaved, after " + std::to_string(o.warmup) + " warm-up" +
                    (o.warmup == 1 ? "" : "s");
  if (!r.baseline.empty()) out += "; speed-up over " + r.baseline;
  const auto failed = static_cast<std::size_t>(
      std::count_if(r.configs.begin(), r.configs.end(), [](const auto& c) { return !c.failure.empty(); }));
  out += "; " + r.compared + " compared: ";
  if (r.disagreements.empty()) {
    out += failed == 0 ? "every run agrees" : "every completed run agrees";
  } else {
    out += std::to_string(r.disagreements.size()) + " disagreement" + (r.disagreements.size() == 1 ? "" : "s");
  }
  if (failed > 0) out += "; " + std::to_string(failed) + " configuration" + (failed == 1 ? "" : "s") + " failed";
  return out;
}

std::string default_line(const Options& o, const Result& r) {
  const bool shown = std::any_of(r.configs.begin(), r.configs.end(), [&](const auto& c) { return is_default(o, c); });
  const std::string what = "conc " + o.subcommand + " without -s or -j runs " + o.default_strategy + " at " +
                           std::to_string(o.default_threads) + " thread" + (o.default_threads == 1 ? "" : "s");
  return shown ? "* the default: " + what : what + " (not among these)";
}

// Failures, disagreements and statistical warnings, one line each.
std::vector<std::string> notes(const Result& r) {
  std::vector<std::string> out;
  out.reserve(r.disagreements.size() + r.configs.size() + 1);
  for (const auto& d : r.disagreements) {
    out.push_back("DISAGREE: " + d.other + " and " + d.reference + ": " + d.what);
  }
  bool all_exit1 = !r.configs.empty();
  for (const auto& c : r.configs) {
    if (!c.failure.empty()) out.push_back("FAILED: " + c.config.label() + ": " + c.failure);
    for (const auto& w : c.warnings) out.push_back("warning: " + c.config.label() + ": " + w);
    all_exit1 = all_exit1 && c.failure.empty() && c.exit_code == 1;
  }
  if (all_exit1) out.push_back("note: every run exited 1 (some inputs failed): " + r.exit1_stderr);
  return out;
}

std::string render_text(const Options& o, const Result& r) {
  std::vector<std::vector<std::string>> rows = {headers()};
  for (const auto& c : r.configs) rows.push_back(cells(o, r, c));
  std::vector<std::size_t> widths(headers().size(), 0);
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], width(row[i]));
  }
  std::string out = command_line(o) + "\n" + summary_line(o, r) + "\n\n";
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - width(row[i]) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  out += default_line(o, r) + "\n";
  for (const auto& n : notes(r)) out += n + "\n";
  return out;
}

std::string render_markdown(const Options& o, const Result& r) {
  auto escape = [](const std::string& s) {
    std::string e;
    for (const char ch : s) e += ch == '|' ? std::string("\\|") : std::string(1, ch);
    return e;
  };
  const std::vector<std::string>& head = headers();
  std::string out = "```sh\n" + command_line(o) + "\n```\n\n" + summary_line(o, r) + "\n\n|";
  for (const auto& h : head) out += " " + h + " |";
  out += "\n|";
  for (std::size_t i = 0; i < head.size(); ++i) out += i < 2 ? " --- |" : " ---: |";
  out += "\n";
  for (const auto& c : r.configs) {
    auto row = cells(o, r, c);
    row.resize(head.size());
    out += "|";
    for (const auto& cell : row) out += " " + escape(cell) + " |";
    out += "\n";
  }
  const std::string footnote = default_line(o, r);
  out +=
      std::string("\n") + (footnote.starts_with("* ") ? "\\" : "") + escape(footnote) + "\n";  // "\*": not a list item
  const auto lines = notes(r);
  for (const auto& n : lines) out += "\n- " + escape(n);
  if (!lines.empty()) out += "\n";
  return out;
}

std::string render_csv(const Options& o, const Result& r) {
  std::string out =
      "strategy,threads,default,runs,median_s,mean_s,stddev_s,min_s,max_s,outliers,speedup,efficiency,cpu_s,"
      "max_rss_bytes,throughput,throughput_unit,steals,idle_share,blocked_s,exit_code,failure\n";
  auto number = [](double v) { return fixed(v, 6); };
  for (const auto& c : r.configs) {
    std::vector<std::string> f = {c.config.strategy, std::to_string(c.config.threads), is_default(o, c) ? "yes" : "no",
                                  std::to_string(c.runs.size())};
    const bool figures = c.failure.empty() && !c.runs.empty();
    for (const double v : {c.wall.median, c.wall.mean, c.wall.stddev, c.wall.min, c.wall.max}) {
      f.push_back(figures ? number(v) : "");
    }
    f.push_back(figures ? std::to_string(c.wall.outliers) : "");
    f.push_back(c.speedup ? number(*c.speedup) : "");
    f.push_back(c.efficiency ? number(*c.efficiency) : "");
    f.push_back(figures ? number(c.cpu) : "");
    f.push_back(figures ? std::to_string(c.max_rss) : "");
    f.push_back(figures && !r.work_unit.empty() ? number(c.throughput) : "");
    f.push_back(r.work_unit.empty() ? "" : r.work_unit + "/s");
    f.push_back(figures && c.has_workers ? number(c.steals) : "");
    f.push_back(figures && c.has_workers ? number(c.idle_share) : "");
    f.push_back(figures && c.has_channels ? number(c.blocked) : "");
    f.push_back(c.failure.empty() ? std::to_string(c.exit_code) : "");
    f.push_back(c.failure);
    for (std::size_t i = 0; i < f.size(); ++i) {
      if (i > 0) out += ',';
      common::append_csv_field(out, f[i]);
    }
    out += '\n';
  }
  return out;
}

std::string render_json(const Options& o, const Result& r) {
  common::JsonWriter w;
  w.begin_object();
  w.key("subcommand").value(o.subcommand);
  w.key("args").begin_array();
  for (const auto& a : o.args.args) w.value(a);
  w.end_array();
  w.key("warmup").value(static_cast<std::uint64_t>(o.warmup));
  w.key("repeat").value(static_cast<std::uint64_t>(o.repeat));
  w.key("default_strategy").value(o.default_strategy);
  w.key("default_threads").value(static_cast<std::uint64_t>(o.default_threads));
  w.key("baseline");
  if (r.baseline.empty())
    w.null();
  else
    w.value(r.baseline);
  w.key("compared").value(r.compared);
  w.key("work_unit").value(r.work_unit);
  w.key("agree").value(r.disagreements.empty());
  w.key("exit1_stderr").value(r.exit1_stderr);
  w.key("disagreements").begin_array();
  for (const auto& d : r.disagreements) {
    w.begin_object().key("reference").value(d.reference).key("other").value(d.other).key("what").value(d.what);
    w.end_object();
  }
  w.end_array();
  w.key("configurations").begin_array();
  for (const auto& c : r.configs) {
    w.begin_object();
    w.key("strategy").value(c.config.strategy);
    w.key("threads").value(static_cast<std::uint64_t>(c.config.threads));
    w.key("default").value(is_default(o, c));
    w.key("exit_code");
    if (c.failure.empty()) {
      w.value(c.exit_code);
    } else {
      w.null();
    }
    w.key("failure");
    if (c.failure.empty())
      w.null();
    else
      w.value(c.failure);
    w.key("wall_seconds").begin_object();
    w.key("median").value(c.wall.median).key("mean").value(c.wall.mean).key("stddev").value(c.wall.stddev);
    w.key("min").value(c.wall.min).key("max").value(c.wall.max);
    w.key("outliers").value(static_cast<std::uint64_t>(c.wall.outliers));
    w.end_object();
    w.key("speedup");
    if (c.speedup)
      w.value(*c.speedup);
    else
      w.null();
    w.key("efficiency");
    if (c.efficiency)
      w.value(*c.efficiency);
    else
      w.null();
    w.key("cpu_seconds").value(c.cpu);
    w.key("max_rss_bytes").value(c.max_rss);
    w.key("throughput_per_second").value(c.throughput);
    w.key("steals");
    if (c.has_workers)
      w.value(c.steals);
    else
      w.null();
    w.key("idle_share");
    if (c.has_workers)
      w.value(c.idle_share);
    else
      w.null();
    w.key("blocked_seconds");
    if (c.has_channels)
      w.value(c.blocked);
    else
      w.null();
    w.key("warnings").begin_array();
    for (const auto& s : c.warnings) w.value(s);
    w.end_array();
    w.key("runs").begin_array();
    for (const auto& s : c.runs) {
      w.begin_object();
      w.key("wall_seconds").value(s.wall).key("cpu_seconds").value(s.cpu).key("max_rss_bytes").value(s.max_rss);
      w.key("work").value(s.work).key("steals").value(s.steals).key("idle_share").value(s.idle_share);
      w.key("blocked_seconds").value(s.blocked);
      w.end_object();
    }
    w.end_array();
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return w.take() + "\n";
}

}  // namespace

Format parse_format(const std::string& name) {
  if (name == "text") return Format::kText;
  if (name == "csv") return Format::kCsv;
  if (name == "json") return Format::kJson;
  if (name == "markdown") return Format::kMarkdown;
  throw std::invalid_argument("unknown format '" + name + "'");
}

std::string format_seconds(double s) { return s < 1 ? fixed(s * 1000, 1) + " ms" : fixed(s, 3) + " s"; }

std::string format_throughput(double v, const std::string& unit) {
  if (unit == "byte") return fixed(v / 1e6, 1) + " MB/s";
  if (unit == "pixel") return fixed(v / 1e6, 1) + " Mpixel/s";
  if (v >= 1e9) return fixed(v / 1e9, 2) + " G " + unit + "s/s";
  if (v >= 1e6) return fixed(v / 1e6, 2) + " M " + unit + "s/s";
  if (v >= 1e3) return fixed(v / 1e3, 2) + " k " + unit + "s/s";
  return fixed(v, 1) + " " + unit + "s/s";
}

std::string render_report(const Options& o, const Result& r, Format f) {
  switch (f) {
    case Format::kText: return render_text(o, r);
    case Format::kCsv: return render_csv(o, r);
    case Format::kJson: return render_json(o, r);
    case Format::kMarkdown: return render_markdown(o, r);
  }
  return {};
}

}  // namespace conc::bench
