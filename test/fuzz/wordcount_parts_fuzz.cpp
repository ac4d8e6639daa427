// wordcount's --merge on arbitrary inputs (parts of a --shard job other
// nodes wrote, which a crash, a full disk or a hand edit may have damaged,
// or plain word<TAB>count files): the input is cut at "\n====\n" into up to
// four files, each a memfd. The merge must either refuse with one
// std::runtime_error of one line, or succeed; every diagnostic it prints,
// relayed lines of the parts included, is one printable line of
// wordcount's; and what it counted sums to its word total (which stops at
// 2^64-1).
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "common/diagnostics.h"
#include "common/saturating.h"
#include "memory_files.h"
#include "require.h"
#include "wordcount/wordcount.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const conc_fuzz::MemoryFiles parts(data, size);
  conc::wordcount::Options options;
  options.inputs = parts.paths();
  options.merge = true;
  options.threads = 1;
  std::vector<std::string> lines;
  conc::common::Diagnostics diag("wordcount", [&](std::string_view line) { lines.emplace_back(line); });
  conc::wordcount::Result result;
  try {
    result = conc::wordcount::count_words(options, diag, std::stop_token{}, nullptr);
  } catch (const std::runtime_error& e) {
    CONC_FUZZ_REQUIRE(conc_fuzz::printable_line(e.what()));
    for (const std::string& line : lines) CONC_FUZZ_REQUIRE(conc_fuzz::printable_line(line));
    return 0;
  }
  for (const std::string& line : lines) {
    CONC_FUZZ_REQUIRE(conc_fuzz::printable_line(line));
    // Relayed lines of the parts too: a part may only relay wordcount's own.
    CONC_FUZZ_REQUIRE(line.starts_with("conc wordcount: "));
  }
  std::uint64_t sum = 0;
  for (const auto& wc : result.sorted) {
    CONC_FUZZ_REQUIRE(!wc.word.empty() && wc.count > 0);
    sum = conc::common::saturating_add(sum, wc.count);
  }
  CONC_FUZZ_REQUIRE(sum == result.totals.words);
  CONC_FUZZ_REQUIRE(result.sorted.size() == result.totals.distinct);
  return 0;
}
