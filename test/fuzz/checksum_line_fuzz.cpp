// parse_checksum_line on arbitrary lines (check files come from anywhere),
// for every algorithm: what it accepts has the shape its header promises and
// reads back the same after format_line, in both styles.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/digest.h"
#include "hash/checksum_line.h"
#include "require.h"

namespace {

using conc::common::Algo;
using conc::hash::ChecksumLine;
using conc::hash::LineStyle;

bool is_lower_hex(std::string_view s) { return s.find_first_not_of("0123456789abcdef") == std::string_view::npos; }

bool same(const ChecksumLine& a, const ChecksumLine& b) {
  return a.algo == b.algo && a.hex == b.hex && a.name == b.name;
}

// Writing a parsed line and reading it back must give the same line.
void check_round_trip(const ChecksumLine& parsed, LineStyle style) {
  const auto line = conc::hash::format_line(style, parsed.algo, parsed.hex, parsed.name, false);
  const auto again = conc::hash::parse_checksum_line(line, parsed.algo);
  CONC_FUZZ_REQUIRE(again.has_value());
  CONC_FUZZ_REQUIRE(same(*again, parsed));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto algos = conc::common::all_algos();
  const Algo gnu_algo = algos[data[0] % algos.size()].algo;
  const std::string_view line(reinterpret_cast<const char*>(data + 1), size - 1);

  const auto parsed = conc::hash::parse_checksum_line(line, gnu_algo);
  if (!parsed) return 0;
  CONC_FUZZ_REQUIRE(parsed->hex.size() == 2 * conc::common::info(parsed->algo).digest_bytes);
  CONC_FUZZ_REQUIRE(is_lower_hex(parsed->hex));
  CONC_FUZZ_REQUIRE(!parsed->name.empty());
  // The line read is all there was: its name cannot be longer than the line.
  CONC_FUZZ_REQUIRE(parsed->name.size() < line.size());
  check_round_trip(*parsed, LineStyle::kGnu);
  check_round_trip(*parsed, LineStyle::kTag);
  // A CRLF check file reads as its LF twin.
  if (line.back() != '\n' && line.back() != '\r') {
    const auto crlf = conc::hash::parse_checksum_line(std::string(line) + "\r\n", gnu_algo);
    CONC_FUZZ_REQUIRE(crlf.has_value() && same(*crlf, *parsed));
  }
  return 0;
}
