// resolve, normalize and classify on arbitrary text: the input is a base URL,
// a newline, then a reference (without a newline, the reference alone
// against a fixed base). What resolve gives is in normal form: normalizing
// it again changes nothing, and the helpers all read it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "crawl/scope.h"
#include "crawl/url.h"
#include "require.h"

namespace {

using conc::crawl::classify;
using conc::crawl::host_of;
using conc::crawl::normalize;
using conc::crawl::origin_of;
using conc::crawl::path_and_query_of;
using conc::crawl::resolve;
using conc::crawl::UrlKind;

void check_normal(const std::string& url) {
  CONC_FUZZ_REQUIRE(url.starts_with("http://") || url.starts_with("https://"));
  CONC_FUZZ_REQUIRE(url.find('#') == std::string::npos);
  for (const char c : url) {
    // Bytes never allowed in a URI are encoded (an IDN host is in its ASCII form).
    const auto b = static_cast<unsigned char>(c);
    CONC_FUZZ_REQUIRE(b > 0x20 && b < 0x7F && c != '"' && c != '<' && c != '>' && c != '\\' && c != '`' && c != '{' &&
                      c != '}' && c != '|' && c != '^');
  }
  CONC_FUZZ_REQUIRE(normalize(url) == url);
  const std::string host = host_of(url);
  CONC_FUZZ_REQUIRE(!host.empty());
  CONC_FUZZ_REQUIRE(url.find(host) != std::string::npos);
  const std::string origin = origin_of(url);
  CONC_FUZZ_REQUIRE(origin.ends_with("://" + host));
  const std::string path = path_and_query_of(url);
  CONC_FUZZ_REQUIRE(path.starts_with("/"));
  CONC_FUZZ_REQUIRE(url.ends_with(path));
  // A reference to the page itself gives it back.
  const auto self = resolve(url, "");
  CONC_FUZZ_REQUIRE(self && self->url == url && self->fragment.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  const std::string_view base =
      newline == std::string_view::npos ? "http://example.org/a/b?q" : input.substr(0, newline);
  const std::string_view reference = newline == std::string_view::npos ? input : input.substr(newline + 1);

  const UrlKind kind = classify(reference);
  const auto resolved = resolve(base, reference);
  if (kind == UrlKind::kSkipped) CONC_FUZZ_REQUIRE(!resolved);
  if (resolved) {
    CONC_FUZZ_REQUIRE(normalize(base).has_value());
    check_normal(resolved->url);
    CONC_FUZZ_REQUIRE(resolved->fragment.find('#') == std::string::npos);
    const std::string with_fragment = resolved->url + "#" + resolved->fragment;
    const auto again = resolve(base, with_fragment);
    CONC_FUZZ_REQUIRE(again && again->url == resolved->url && again->fragment == resolved->fragment);
  }
  if (const auto normal = normalize(reference)) check_normal(*normal);
  return 0;
}
