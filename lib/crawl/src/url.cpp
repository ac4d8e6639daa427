#include "crawl/url.h"

#include <curl/curl.h>
#include <idn2.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <unordered_map>

#include "ascii.h"
#include "common/json_writer.h"
#include "crawl/percent_encoding.h"

namespace conc::crawl {
namespace {

using detail::is_alpha;
using detail::is_digit;

struct UrlDeleter {
  void operator()(CURLU* u) const noexcept { curl_url_cleanup(u); }
};
using UrlHandle = std::unique_ptr<CURLU, UrlDeleter>;

struct CurlFree {
  void operator()(char* p) const noexcept { curl_free(p); }
};

std::optional<std::string> get_part(CURLU* u, CURLUPart part, unsigned flags = 0) {
  char* raw = nullptr;
  if (curl_url_get(u, part, &raw, flags) != CURLUE_OK) return std::nullopt;
  const std::unique_ptr<char, CurlFree> owned(raw);
  return std::string(raw != nullptr ? raw : "");
}

bool is_c0_or_space(char c) noexcept { return static_cast<unsigned char>(c) <= 0x20; }

// What browsers do to a URL string before parsing it (WHATWG URL): trim
// leading and trailing C0 controls and spaces, drop every tab and newline
// (so `java\nscript:` is javascript:), read `\` as `/` before the query
// (http and https are "special" schemes), and keep one `#`. Then the
// percent-encoding is normalised, so curl only ever sees printable ASCII:
// spaces reach it as %20 (curl 7.88 would turn a space of a relative
// reference's query into `+`), UTF-8 as escapes (curl decodes those back
// in a host name, where IDN needs them raw).
std::string prepare(std::string_view in) {
  while (!in.empty() && is_c0_or_space(in.front())) in.remove_prefix(1);
  while (!in.empty() && is_c0_or_space(in.back())) in.remove_suffix(1);
  std::string cleaned;
  cleaned.reserve(in.size());
  bool before_query = true;
  bool in_fragment = false;
  for (char c : in) {
    if (c == '\t' || c == '\n' || c == '\r') continue;
    if (c == '\\' && before_query) c = '/';
    if (c == '?') before_query = false;
    if (c == '#') {
      if (in_fragment) {
        cleaned += "%23";
        continue;
      }
      in_fragment = true;
      before_query = false;
    }
    cleaned += c;
  }
  return normalize_percent_encoding(cleaned);
}

// The scheme of a prepared reference (RFC 3986: ALPHA *( ALPHA / DIGIT /
// "+" / "-" / "." ) before the first ':'), or empty for a relative one.
std::string_view scheme_of(std::string_view ref) {
  if (ref.empty() || !is_alpha(ref[0])) return {};
  for (std::size_t i = 1; i < ref.size(); ++i) {
    const char c = ref[i];
    if (c == ':') return ref.substr(0, i);
    if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') return {};
  }
  return {};
}

bool is_http(std::string_view scheme) { return scheme == "http" || scheme == "https"; }

// A host name conc fetches: letters, digits, '-', '.', '_', '~' and UTF-8
// (an IDN name), or an IPv6 literal, which curl has checked. libcurl 7.88
// decodes escapes in a host and lets through what DNS has no use for
// (`%`, `!`, invalid UTF-8), and writes them back inconsistently (`b%25c`
// is host `b%c` but URL `b%25c`): such hosts are malformed here.
bool is_valid_host(const std::string& host) {
  if (host.front() == '[') return host.back() == ']';
  for (const char c : host) {
    if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '.' && c != '_' && c != '~' &&
        static_cast<unsigned char>(c) < 0x80) {
      return false;
    }
  }
  return common::is_valid_utf8(host);
}

// An IDN host's ASCII form (UTS #46 mapping, then punycode: `Bücher.de`
// is `xn--bcher-kva.de`), or nothing if it is no valid IDN. libidn2 reads
// UTF-8 whatever the process locale; libcurl 7.88's own conversion follows
// the locale (curl issue #10984) and fails in the C locale CI runs in.
std::optional<std::string> idn_to_ascii(const std::string& host) {
  char* ascii = nullptr;
  if (idn2_lookup_u8(reinterpret_cast<const std::uint8_t*>(host.c_str()), reinterpret_cast<std::uint8_t**>(&ascii),
                     IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL) != IDN2_OK) {
    return std::nullopt;
  }
  std::string out(ascii);
  idn2_free(ascii);
  return out;
}

std::optional<std::string> lower_host(CURLU* u) {
  auto host = get_part(u, CURLUPART_HOST);
  if (!host || host->empty() || !is_valid_host(*host)) return std::nullopt;
  if (!detail::is_ascii(*host)) {
    // Checked again: UTS #46 maps full-width forms to ASCII, `x％y` to
    // `x%y` and `x｜y` to `x|y`, which no host may hold.
    host = idn_to_ascii(*host);
    if (!host || host->empty() || !is_valid_host(*host) || !detail::is_ascii(*host)) {
      return std::nullopt;
    }
  }
  for (char& c : *host) c = detail::to_lower(c);
  return host;
}

// An absolute http(s) URL with a valid host, parsed; null if it is not one.
UrlHandle parse_absolute(const std::string& prepared) {
  UrlHandle u(curl_url());
  if (!u || curl_url_set(u.get(), CURLUPART_URL, prepared.c_str(), 0) != CURLUE_OK) return nullptr;
  const auto scheme = get_part(u.get(), CURLUPART_SCHEME);  // curl gives it lower-case
  if (!scheme || !is_http(*scheme) || !lower_host(u.get())) return nullptr;
  return u;
}

// Puts a parsed http(s) URL into normal form (see url.h) and splits off
// its fragment. Case and default port are left to this step because
// libcurl 7.88 keeps the host's case and the port as written.
std::optional<ResolvedUrl> finish(CURLU* u) {
  const auto scheme = get_part(u, CURLUPART_SCHEME);
  if (!scheme || !is_http(*scheme)) return std::nullopt;
  const auto written = get_part(u, CURLUPART_HOST);
  const auto host = lower_host(u);
  if (!host || curl_url_set(u, CURLUPART_HOST, host->c_str(), 0) != CURLUE_OK) return std::nullopt;
  if (written && !detail::is_ascii(*written)) {
    // An IDN's ASCII form may spell an IPv4 address (`₀` maps to `0`, which
    // is 0.0.0.0), and libcurl puts those in normal form only when it parses
    // a whole URL: parsed again, or normalize() would not be idempotent.
    const auto whole = get_part(u, CURLUPART_URL);
    if (!whole || curl_url_set(u, CURLUPART_URL, whole->c_str(), 0) != CURLUE_OK) return std::nullopt;
  }
  if (const auto user = get_part(u, CURLUPART_USER); user && user->empty()) {
    const auto password = get_part(u, CURLUPART_PASSWORD);
    if (!password || password->empty()) {
      curl_url_set(u, CURLUPART_USER, nullptr, 0);
      curl_url_set(u, CURLUPART_PASSWORD, nullptr, 0);
    }
  }
  ResolvedUrl out;
  if (auto fragment = get_part(u, CURLUPART_FRAGMENT)) {
    out.fragment = std::move(*fragment);
    curl_url_set(u, CURLUPART_FRAGMENT, nullptr, 0);
  }
  if (const auto query = get_part(u, CURLUPART_QUERY); query && query->empty()) {
    curl_url_set(u, CURLUPART_QUERY, nullptr, 0);
  }
  auto url = get_part(u, CURLUPART_URL, CURLU_NO_DEFAULT_PORT);
  if (!url) return std::nullopt;
  out.url = std::move(*url);
  return out;
}

// host_of's answer for a parsed URL.
std::string host_and_port(CURLU* u) {
  auto host = lower_host(u);
  if (!host) return {};
  if (const auto port = get_part(u, CURLUPART_PORT, CURLU_NO_DEFAULT_PORT)) {
    *host += ':';
    *host += *port;
  }
  return std::move(*host);
}

// A path segment repeated more than `limit` times in a row or in all.
bool too_many_repeats(std::string_view url, std::size_t limit) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return false;
  const std::size_t path = url.find('/', scheme + 3);
  if (path == std::string_view::npos) return false;
  std::string_view rest = url.substr(path + 1, url.find_first_of("?#", path) - path - 1);
  // No segment can repeat past the limit in fewer segments than that: most
  // links end here, without a map (this runs for each of millions of links).
  if (static_cast<std::size_t>(std::count(rest.begin(), rest.end(), '/')) + 1 <= limit) return false;
  std::unordered_map<std::string_view, std::size_t> counts;
  while (!rest.empty()) {
    const std::size_t slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    if (!segment.empty() && ++counts[segment] > limit) return true;
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return false;
}

// Any http URL does to tell whether a relative reference resolves at all.
constexpr std::string_view kProbeBase = "http://example.invalid/";

}  // namespace

Resolver::Resolver(std::string_view base) : base_(parse_absolute(prepare(base)).release()) {
  // The base's fragment plays no part (RFC 3986 §5.2.2), but libcurl 7.88
  // resolves a relative path against it when the base has no query
  // (`http://a/b/#c/d` and `x` give `http://a/b/#c/x`: found by fuzzing).
  if (base_ != nullptr) curl_url_set(base_, CURLUPART_FRAGMENT, nullptr, 0);
}

Resolver::~Resolver() { curl_url_cleanup(base_); }

UrlKind Resolver::resolve(std::string_view reference, ResolvedUrl& out) const {
  const std::string ref = prepare(reference);
  // A scheme other than http(s) is never fetched. Checked here, not left to
  // curl, which takes a scheme longer than 40 characters for a relative path.
  if (const std::string_view scheme = scheme_of(ref); !scheme.empty() && !is_http(detail::lower_copy(scheme))) {
    return UrlKind::kSkipped;
  }
  if (base_ == nullptr) return UrlKind::kMalformed;
  std::optional<ResolvedUrl> made;
  if (ref.empty() || ref.front() == '#') {
    // The base itself with the reference's fragment. libcurl 7.88 gets these
    // wrong too (it drops the last path segment and the query: curl issue
    // #15836, fixed in 8.12), so they never reach it.
    made = finish(base_);
    if (made && !ref.empty()) made->fragment = ref.substr(1);
  } else {
    const UrlHandle u(curl_url_dup(base_));
    if (!u) throw std::bad_alloc();
    // On failure curl keeps the base in the handle: never read it then.
    if (curl_url_set(u.get(), CURLUPART_URL, ref.c_str(), 0) == CURLUE_OK) made = finish(u.get());
  }
  if (!made) return UrlKind::kMalformed;
  out = std::move(*made);
  return UrlKind::kFetchable;
}

std::optional<ResolvedUrl> resolve(std::string_view base, std::string_view reference) {
  ResolvedUrl out;
  if (Resolver(base).resolve(reference, out) != UrlKind::kFetchable) return std::nullopt;
  return out;
}

TrapCut trap_cut(std::string_view url, const TrapLimits& limits) {
  if (url.size() > limits.max_url_length) return TrapCut::kTooLong;
  if (too_many_repeats(url, limits.max_segment_repeats)) return TrapCut::kRepeats;
  return TrapCut::kNone;
}

std::optional<std::string> normalize(std::string_view absolute_url) {
  UrlHandle u = parse_absolute(prepare(absolute_url));
  if (!u) return std::nullopt;
  auto out = finish(u.get());
  if (!out) return std::nullopt;
  return std::move(out->url);
}

UrlKind classify(std::string_view reference) {
  const std::string ref = prepare(reference);
  const std::string_view scheme = scheme_of(ref);
  if (!scheme.empty() && !is_http(detail::lower_copy(scheme))) return UrlKind::kSkipped;
  return resolve(kProbeBase, ref) ? UrlKind::kFetchable : UrlKind::kMalformed;
}

std::string host_of(std::string_view url) {
  const UrlHandle u = parse_absolute(prepare(url));
  return u ? host_and_port(u.get()) : std::string();
}

std::string origin_of(std::string_view url) {
  const UrlHandle u = parse_absolute(prepare(url));
  if (!u) return {};
  const std::string host = host_and_port(u.get());
  if (host.empty()) return {};
  // Appended, not `a + "://" + b`: GCC 12 warns wrongly on that (-Wrestrict, GCC bug 105329).
  std::string origin = get_part(u.get(), CURLUPART_SCHEME).value_or("");
  origin.append("://").append(host);
  return origin;
}

std::string path_and_query_of(std::string_view url) {
  const UrlHandle u = parse_absolute(prepare(url));
  if (!u) return {};
  // curl gives "/" at least for http(s).
  std::string out = get_part(u.get(), CURLUPART_PATH).value_or("");
  const std::string query = get_part(u.get(), CURLUPART_QUERY).value_or("");
  if (!query.empty()) out.append(1, '?').append(query);
  return out;
}

}  // namespace conc::crawl
