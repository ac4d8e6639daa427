// srcset_urls on arbitrary attribute values: each URL it gives is a
// non-empty piece of the value, in order, without whitespace, without the
// commas that separate candidates at either end.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "crawl/srcset.h"
#include "require.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view value(reinterpret_cast<const char*>(data), size);
  const std::vector<std::string_view> urls = conc::crawl::srcset_urls(value);
  const char* previous_end = value.data();
  for (const std::string_view url : urls) {
    CONC_FUZZ_REQUIRE(!url.empty());
    CONC_FUZZ_REQUIRE(url.data() >= previous_end && url.data() + url.size() <= value.data() + value.size());
    previous_end = url.data() + url.size();
    CONC_FUZZ_REQUIRE(url.front() != ',' && url.back() != ',');
    for (const char c : url) CONC_FUZZ_REQUIRE(c != ' ' && c != '\t' && c != '\n' && c != '\f' && c != '\r');
  }
  // A value of URLs alone, one per candidate, gives them back.
  if (!urls.empty()) {
    std::string joined;
    for (const std::string_view url : urls) joined.append(url).append(" 1x, ");
    const std::vector<std::string_view> again = conc::crawl::srcset_urls(joined);
    CONC_FUZZ_REQUIRE(again.size() == urls.size());
    for (std::size_t i = 0; i < urls.size(); ++i) CONC_FUZZ_REQUIRE(again[i] == urls[i]);
  }
  return 0;
}
