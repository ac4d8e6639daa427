// Stateless stages built on RE2: grep, replace, replace-first. A pattern
// with no regex syntax (and no -i) takes a literal fast path over the whole
// batch with memmem, as grep does with fixed strings; its results are the
// same as RE2's (leftmost, non-overlapping, never across a newline since a
// literal holds none).
#include <re2/re2.h>
#include <string.h>

#include "pipeline/stage.h"
#include "stage_args.h"

namespace conc::pipeline {
namespace {

bool is_literal(const std::string& pattern) {
  return !pattern.empty() && pattern.find_first_of("\\.+*?()|[]{}^$") == std::string::npos;
}

std::unique_ptr<RE2> compile(const std::string& pattern, bool ignore_case) {
  RE2::Options options;
  options.set_log_errors(false);
  options.set_case_sensitive(!ignore_case);
  auto re = std::make_unique<RE2>(pattern, options);
  if (!re->ok()) throw StageError("invalid regular expression '" + pattern + "': " + re->error());
  return re;
}

// Where the line holding data[at] starts, not before `floor` (a line start).
std::size_t line_start(std::string_view data, std::size_t floor, std::size_t at) {
  const void* nl = ::memrchr(data.data() + floor, '\n', at - floor);
  return nl == nullptr ? floor : static_cast<std::size_t>(static_cast<const char*>(nl) - data.data()) + 1;
}

// Just past the end of the line holding data[at] (its '\n' included).
std::size_t line_end(std::string_view data, std::size_t at) {
  const auto nl = data.find('\n', at);
  return nl == std::string_view::npos ? data.size() : nl + 1;
}

std::size_t find_literal(std::string_view data, std::size_t from, const std::string& literal) {
  const void* hit = ::memmem(data.data() + from, data.size() - from, literal.data(), literal.size());
  return hit == nullptr ? std::string_view::npos
                        : static_cast<std::size_t>(static_cast<const char*>(hit) - data.data());
}

class GrepStage final : public Stage {
 public:
  GrepStage(std::string text, const std::string& pattern, bool invert, bool ignore_case)
      : Stage(std::move(text)), re_(compile(pattern, ignore_case)), invert_(invert) {
    if (!ignore_case && is_literal(pattern)) literal_ = pattern;
  }

  void process(Batch& b, const StageControl&) override {
    std::string out;
    out.reserve(b.data.size());
    const std::string_view data = b.data;
    if (!literal_.empty()) {
      std::size_t pos = 0;
      while (pos < data.size()) {
        const std::size_t hit = find_literal(data, pos, literal_);
        if (hit == std::string_view::npos) {
          if (invert_) out.append(data.substr(pos));
          break;
        }
        const std::size_t start = line_start(data, pos, hit);
        const std::size_t end = line_end(data, hit);
        out.append(invert_ ? data.substr(pos, start - pos) : data.substr(start, end - start));
        pos = end;
      }
    } else {
      for_each_line(data, [&](std::string_view line, bool newline) {
        if (RE2::PartialMatch(line, *re_) == invert_) return;
        out.append(line);
        if (newline) out.push_back('\n');
      });
    }
    b.data = std::move(out);
  }

 private:
  std::unique_ptr<RE2> re_;
  bool invert_;
  std::string literal_;  // set when the fast path applies
};

class ReplaceStage final : public Stage {
 public:
  ReplaceStage(std::string text, const std::string& pattern, std::string replacement, bool all)
      : Stage(std::move(text)), re_(compile(pattern, false)), replacement_(std::move(replacement)), all_(all) {
    std::string error;
    if (!re_->CheckRewriteString(replacement_, &error)) {
      throw StageError("invalid replacement '" + replacement_ + "': " + error);
    }
    if (is_literal(pattern) && replacement_.find('\\') == std::string::npos) literal_ = pattern;
  }

  void process(Batch& b, const StageControl&) override {
    if (!literal_.empty()) {
      b.data = all_ ? replace_all_literal(b.data) : replace_first_literal(b.data);
      return;
    }
    b.data = map_lines(b.data, [&](std::string_view line, std::string& out) {
      std::string s(line);
      if (all_) {
        RE2::GlobalReplace(&s, *re_, replacement_);
      } else {
        RE2::Replace(&s, *re_, replacement_);
      }
      out.append(s);
    });
  }

 private:
  std::string replace_all_literal(std::string_view data) const {
    std::string out;
    out.reserve(data.size() + data.size() / 16);
    std::size_t pos = 0;
    for (std::size_t hit; (hit = find_literal(data, pos, literal_)) != std::string_view::npos;
         pos = hit + literal_.size()) {
      out.append(data.substr(pos, hit - pos)).append(replacement_);
    }
    out.append(data.substr(pos));
    return out;
  }

  std::string replace_first_literal(std::string_view data) const {
    std::string out;
    out.reserve(data.size() + data.size() / 16);
    std::size_t pos = 0;
    for (std::size_t hit; (hit = find_literal(data, pos, literal_)) != std::string_view::npos;) {
      const std::size_t end = line_end(data, hit);
      out.append(data.substr(pos, hit - pos)).append(replacement_);
      out.append(data.substr(hit + literal_.size(), end - hit - literal_.size()));
      pos = end;
    }
    out.append(data.substr(pos));
    return out;
  }

  std::unique_ptr<RE2> re_;
  std::string replacement_;
  bool all_;
  std::string literal_;  // set when the fast path applies
};

}  // namespace

namespace detail {

std::unique_ptr<Stage> make_grep(const std::string& text, const std::vector<std::string>& words) {
  bool invert = false;
  bool ignore_case = false;
  std::size_t i = 1;
  for (; i < words.size() && words[i].size() > 1 && words[i][0] == '-'; ++i) {
    for (std::size_t k = 1; k < words[i].size(); ++k) {
      if (words[i][k] == 'v') {
        invert = true;
      } else if (words[i][k] == 'i') {
        ignore_case = true;
      } else {
        throw StageError("grep: unknown flag '" + words[i] + "' (-v, -i)");
      }
    }
  }
  if (words.size() != i + 1) throw StageError("expected grep [-v] [-i] RE");
  return std::make_unique<GrepStage>(text, words[i], invert, ignore_case);
}

std::unique_ptr<Stage> make_replace(const std::string& text, const std::vector<std::string>& words) {
  return std::make_unique<ReplaceStage>(text, words[1], words[2], true);
}

std::unique_ptr<Stage> make_replace_first(const std::string& text, const std::vector<std::string>& words) {
  return std::make_unique<ReplaceStage>(text, words[1], words[2], false);
}

}  // namespace detail

}  // namespace conc::pipeline
