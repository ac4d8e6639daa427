// Stateless stages that rewrite each line without regular expressions:
// upper, lower, trim, rev, cut, hash.
#include <algorithm>
#include <charconv>

#include "common/digest.h"
#include "common/simd_text.h"
#include "pipeline/stage.h"
#include "stage_args.h"

namespace conc::pipeline {
namespace {

// ASCII letters only, as `tr a-z A-Z`: the whole batch at once (newlines
// are not letters).
class CaseStage final : public Stage {
 public:
  CaseStage(std::string text, bool upper) : Stage(std::move(text)), upper_(upper) {}
  void process(Batch& b, const StageControl&) override {
    if (upper_) {
      common::ascii_upper(b.data);
    } else {
      common::ascii_lower(b.data);
    }
  }

 private:
  bool upper_;
};

// Strips blanks (space and tab) at both ends of each line; a '\r' of CRLF stays.
class TrimStage final : public Stage {
 public:
  using Stage::Stage;
  void process(Batch& b, const StageControl&) override {
    b.data = map_lines(b.data, [](std::string_view line, std::string& out) {
      const auto first = line.find_first_not_of(" \t");
      if (first == std::string_view::npos) return;
      out.append(line.substr(first, line.find_last_not_of(" \t") - first + 1));
    });
  }
};

// Length of the UTF-8 sequence at s[i], 1 for a byte that starts none.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  const std::size_t n = c < 0xC2 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF5 ? 4 : 1;
  if (n == 1 || i + n > s.size()) return 1;
  for (std::size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 1;
  }
  return n;
}

// Reverses the characters of each line (UTF-8 sequences stay whole, as rev
// does in a UTF-8 locale; an invalid byte is a character of its own).
class RevStage final : public Stage {
 public:
  using Stage::Stage;
  void process(Batch& b, const StageControl&) override {
    b.data = map_lines(b.data, [](std::string_view line, std::string& out) {
      const std::size_t base = out.size();
      out.resize(base + line.size());
      std::size_t to = base + line.size();
      for (std::size_t i = 0; i < line.size();) {
        const std::size_t n = utf8_length(line, i);
        to -= n;
        std::copy_n(line.data() + i, n, out.data() + to);
        i += n;
      }
    });
  }
};

// cut -d DELIM -f FIELDS: fields in ascending order, each once, joined by
// DELIM; a line without DELIM is kept whole (as cut does without -s).
class CutStage final : public Stage {
 public:
  CutStage(std::string text, char delim, std::vector<std::pair<std::size_t, std::size_t>> ranges)
      : Stage(std::move(text)), delim_(delim), ranges_(std::move(ranges)) {}
  void process(Batch& b, const StageControl&) override {
    b.data = map_lines(b.data, [&](std::string_view line, std::string& out) {
      if (line.find(delim_) == std::string_view::npos) {
        out.append(line);
        return;
      }
      bool first = true;
      std::size_t field = 1;
      for (std::size_t at = 0; at <= line.size(); ++field) {
        std::size_t end = line.find(delim_, at);
        if (end == std::string_view::npos) end = line.size();
        if (selected(field)) {
          if (!first) out.push_back(delim_);
          out.append(line.substr(at, end - at));
          first = false;
        }
        at = end + 1;
      }
    });
  }

 private:
  [[nodiscard]] bool selected(std::size_t field) const {
    return std::any_of(ranges_.begin(), ranges_.end(),
                       [&](const auto& r) { return field >= r.first && field <= r.second; });
  }
  char delim_;
  std::vector<std::pair<std::size_t, std::size_t>> ranges_;
};

// "1,3-4,6-,-2" -> inclusive ranges (1-based); throws StageError.
std::vector<std::pair<std::size_t, std::size_t>> parse_fields(const std::string& spec) {
  std::vector<std::pair<std::size_t, std::size_t>> ranges;
  auto number = [&](std::string_view s) {
    std::size_t v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v == 0) {
      throw StageError("cut: invalid field list '" + spec + "' (fields are numbered from 1, e.g. 1,3-4,6-)");
    }
    return v;
  };
  std::size_t at = 0;
  while (at <= spec.size()) {
    std::size_t end = spec.find(',', at);
    if (end == std::string::npos) end = spec.size();
    const std::string_view part(spec.data() + at, end - at);
    const auto dash = part.find('-');
    if (dash == std::string_view::npos) {
      const auto v = number(part);
      ranges.emplace_back(v, v);
    } else {
      const std::size_t lo = dash == 0 ? 1 : number(part.substr(0, dash));
      const std::size_t hi = dash + 1 == part.size() ? SIZE_MAX : number(part.substr(dash + 1));
      if (dash == 0 && dash + 1 == part.size()) number("");  // a lone "-"
      if (lo > hi) throw StageError("cut: decreasing range in '" + spec + "'");
      ranges.emplace_back(lo, hi);
    }
    at = end + 1;
  }
  return ranges;
}

// Appends a tab and the line's digest.
class HashStage final : public Stage {
 public:
  HashStage(std::string text, common::Algo algo) : Stage(std::move(text)), algo_(algo) {}
  void process(Batch& b, const StageControl&) override {
    b.data = map_lines(b.data, [&](std::string_view line, std::string& out) {
      out.append(line);
      out.push_back('\t');
      out.append(common::hex_digest(algo_, line));
    });
  }

 private:
  common::Algo algo_;
};

}  // namespace

// Arities are checked by the parser, from the table (stage_table.cpp).
namespace detail {

std::unique_ptr<Stage> make_upper(const std::string& text, const std::vector<std::string>&) {
  return std::make_unique<CaseStage>(text, true);
}

std::unique_ptr<Stage> make_lower(const std::string& text, const std::vector<std::string>&) {
  return std::make_unique<CaseStage>(text, false);
}

std::unique_ptr<Stage> make_trim(const std::string& text, const std::vector<std::string>&) {
  return std::make_unique<TrimStage>(text);
}

std::unique_ptr<Stage> make_rev(const std::string& text, const std::vector<std::string>&) {
  return std::make_unique<RevStage>(text);
}

std::unique_ptr<Stage> make_cut(const std::string& text, const std::vector<std::string>& words) {
  // One byte is itself (a lone `\` too: it has nothing to escape). Two bytes
  // are an escape: `\t` is what people type for a tab (cut -d '\t' in other
  // tools), and so that a backslash can be written as an escape as well,
  // `\\` is one. Nothing else: a newline cannot be inside a line.
  const std::string& word = words[1];
  char delim = 0;
  if (word.size() == 1) {
    delim = word[0];
  } else if (word == "\\t") {
    delim = '\t';
  } else if (word == "\\\\") {
    delim = '\\';
  } else {
    throw StageError("cut: the delimiter must be one byte, \\t (a tab) or \\\\ (a backslash), got '" + word + "'");
  }
  return std::make_unique<CutStage>(text, delim, parse_fields(words[2]));
}

std::unique_ptr<Stage> make_hash(const std::string& text, const std::vector<std::string>& words) {
  const auto algo = common::algo_by_name(words[1]);
  if (!algo) throw StageError("hash: unknown algorithm '" + words[1] + "' (one of " + common::algo_names() + ")");
  return std::make_unique<HashStage>(text, *algo);
}

}  // namespace detail

}  // namespace conc::pipeline
