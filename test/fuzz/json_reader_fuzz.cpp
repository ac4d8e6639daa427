// The JSON reader on arbitrary bytes (conc bench reads reports that another
// binary, --conc, wrote): it parses or throws std::runtime_error, nothing
// else; every string it gives is UTF-8; and whatever the writer makes from
// the input reads back to the input (a string for UTF-8, else the
// {"bytes": base64} form, whose text is ASCII).
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "common/json_reader.h"
#include "common/json_writer.h"
#include "require.h"

namespace {

using conc::common::Json;

void require_utf8(const Json& v, int depth = 0) {
  CONC_FUZZ_REQUIRE(depth <= 256);
  if (v.is_string()) CONC_FUZZ_REQUIRE(conc::common::is_valid_utf8(v.string()));
  if (v.is_array()) {
    for (const auto& e : v.array()) require_utf8(e, depth + 1);
  }
  if (v.is_object()) {
    for (const auto& [key, e] : v.object()) {
      CONC_FUZZ_REQUIRE(conc::common::is_valid_utf8(key));
      require_utf8(e, depth + 1);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  try {
    require_utf8(Json::parse(input));
  } catch (const std::runtime_error&) {
    // refused, as documented
  }
  const Json back = Json::parse(conc::common::JsonWriter().value(input).take());
  if (conc::common::is_valid_utf8(input)) {
    CONC_FUZZ_REQUIRE(back.is_string() && back.string() == input);
  } else {
    CONC_FUZZ_REQUIRE(back.is_object() && back.at("bytes").is_string());
  }
  return 0;
}
