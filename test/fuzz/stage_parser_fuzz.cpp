// parse_stage on arbitrary `-e` texts: a text it cannot understand must be a
// StageError (a usage error), nothing else. A stage it builds then runs over
// one batch, so what the parser made of its arguments (field lists, regexes,
// rewrite strings) is used too. The input is the stage text, a NUL (which no
// command-line argument can hold), then the batch's bytes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "pipeline/stage.h"
#include "require.h"

namespace {

using namespace conc::pipeline;

// How a stage may change the number of lines of a batch.
enum class LineRule { kSame, kNoMore, kAny };

LineRule line_rule(std::string_view name) {
  if (name == "grep" || name == "uniq" || name == "head") return LineRule::kNoMore;
  // A replacement may hold a newline (quoted in the text).
  if (name == "replace" || name == "replace-first") return LineRule::kAny;
  return LineRule::kSame;
}

std::string_view stage_name(const std::string& text) {
  const auto start = text.find_first_not_of(" \t");
  const auto end = text.find_first_of(" \t", start);
  return std::string_view(text).substr(start, end == std::string::npos ? std::string::npos : end - start);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(bytes), size);
  const auto nul = input.find('\0');
  const std::string text(input.substr(0, nul));
  const std::string_view data = nul == std::string_view::npos ? std::string_view() : input.substr(nul + 1);

  std::unique_ptr<Stage> stage;
  try {
    stage = parse_stage(text);
  } catch (const StageError& e) {
    CONC_FUZZ_REQUIRE(e.what()[0] != '\0');  // the user is told why
    return 0;
  }
  CONC_FUZZ_REQUIRE(stage != nullptr);
  CONC_FUZZ_REQUIRE(stage->text() == text);
  const std::string_view name = stage_name(text);
  const StageInfo* info = find_stage(name);
  CONC_FUZZ_REQUIRE(info != nullptr);
  CONC_FUZZ_REQUIRE(stage->serial() == info->serial);
  // exec would run the fuzzer's text as a shell command.
  if (name == "exec") return 0;

  Batch batch;
  batch.data = data;
  batch.lines = static_cast<std::uint64_t>(std::count(data.begin(), data.end(), '\n'));
  StageControl control;
  control.stop_input = [] {};
  stage->process(batch, control);
  const auto lines_out = static_cast<std::uint64_t>(std::count(batch.data.begin(), batch.data.end(), '\n'));
  switch (line_rule(name)) {
    case LineRule::kSame: CONC_FUZZ_REQUIRE(lines_out == batch.lines); break;
    case LineRule::kNoMore: CONC_FUZZ_REQUIRE(lines_out <= batch.lines); break;
    case LineRule::kAny: break;
  }
  return 0;
}
