// Stages with state carried from batch to batch, hence serial: number, uniq, head.
#include <charconv>
#include <cstdio>

#include "pipeline/stage.h"
#include "stage_args.h"

namespace conc::pipeline {
namespace {

// Numbers the lines that reach it, as `cat -n` does: "%6d\t".
class NumberStage final : public Stage {
 public:
  using Stage::Stage;
  [[nodiscard]] bool serial() const noexcept override { return true; }
  void process(Batch& b, const StageControl&) override {
    b.data = map_lines(b.data, [&](std::string_view line, std::string& out) {
      char prefix[32];
      const int n = std::snprintf(prefix, sizeof prefix, "%6llu\t", static_cast<unsigned long long>(++count_));
      out.append(prefix, static_cast<std::size_t>(n));
      out.append(line);
    });
  }

 private:
  std::uint64_t count_ = 0;
};

// Drops a line equal to the one before it (the newline does not count, as in uniq).
class UniqStage final : public Stage {
 public:
  using Stage::Stage;
  [[nodiscard]] bool serial() const noexcept override { return true; }
  void process(Batch& b, const StageControl&) override {
    std::string out;
    out.reserve(b.data.size());
    for_each_line(b.data, [&](std::string_view line, bool newline) {
      if (seen_ && line == previous_) return;
      previous_.assign(line);
      seen_ = true;
      out.append(line);
      if (newline) out.push_back('\n');
    });
    b.data = std::move(out);
  }

 private:
  bool seen_ = false;
  std::string previous_;
};

// Keeps the first N lines, then asks for no more input.
class HeadStage final : public Stage {
 public:
  HeadStage(std::string text, std::uint64_t n) : Stage(std::move(text)), left_(n) {}
  [[nodiscard]] bool serial() const noexcept override { return true; }
  void process(Batch& b, const StageControl& control) override {
    std::size_t keep = 0;
    for (; left_ > 0 && keep < b.data.size(); --left_) {
      const auto nl = b.data.find('\n', keep);
      keep = nl == std::string::npos ? b.data.size() : nl + 1;
    }
    b.data.resize(keep);
    if (left_ == 0 && control.stop_input) control.stop_input();
  }

 private:
  std::uint64_t left_;
};

}  // namespace

namespace detail {

std::unique_ptr<Stage> make_number(const std::string& text, const std::vector<std::string>&) {
  return std::make_unique<NumberStage>(text);
}

std::unique_ptr<Stage> make_uniq(const std::string& text, const std::vector<std::string>&) {
  return std::make_unique<UniqStage>(text);
}

std::unique_ptr<Stage> make_head(const std::string& text, const std::vector<std::string>& words) {
  std::uint64_t n = 0;
  const auto& arg = words[1];
  const auto [p, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), n);
  if (ec != std::errc() || p != arg.data() + arg.size())
    throw StageError("head: expected a line count, got '" + arg + "'");
  return std::make_unique<HeadStage>(text, n);
}

}  // namespace detail

}  // namespace conc::pipeline
