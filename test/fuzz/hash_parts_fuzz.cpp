// hash::merge_parts on arbitrary parts (--merge reads files other nodes
// wrote, which a crash, a full disk or a hand edit may have damaged): the
// input is cut at "\n====\n" into up to four parts, each a memfd. The merge
// must either refuse with one std::runtime_error or succeed; and what it
// writes is then a merge of the parts it was given: as many records as their
// headers list, failures aside, and each line it relays is one printable line.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/diagnostics.h"
#include "common/output.h"
#include "hash/shard_part.h"
#include "memory_files.h"
#include "require.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const conc_fuzz::MemoryFiles parts(data, size);
  std::vector<std::string> relayed;
  conc::common::Diagnostics diag("hash", [&](std::string_view line) { relayed.emplace_back(line); });
  conc::common::Output out("/dev/null");
  try {
    conc::hash::merge_parts(parts.paths(), out, diag, {});
  } catch (const std::runtime_error& e) {
    CONC_FUZZ_REQUIRE(relayed.empty());                      // refused before a word was said
    CONC_FUZZ_REQUIRE(conc_fuzz::printable_line(e.what()));  // in one line
    return 0;
  }
  CONC_FUZZ_REQUIRE(relayed.size() == diag.errors());
  // A part's failure lines are relayed: whatever a hand edit put in them,
  // each stays one printable line.
  for (const std::string& line : relayed) {
    CONC_FUZZ_REQUIRE(conc_fuzz::printable_line(line));
    CONC_FUZZ_REQUIRE(line.starts_with("conc hash: "));  // a part relays only conc hash's own lines
  }
  return 0;
}
