// crawl/url.h: resolving and normalising the URLs a crawl meets, with
// libcurl's URL API (curl_url) doing the parsing.
#pragma once

#include <optional>
#include <string>
#include <string_view>

struct Curl_URL;  // libcurl's CURLU

namespace conc::crawl {

/// What the crawler does with a link, judged from its text alone.
enum class UrlKind {
  kFetchable,  ///< http(s), absolute or relative: resolve it and fetch it
  kSkipped,    ///< another scheme (mailto:, javascript:, data:, tel:, ftp:, ...): count it, never fetch it
  kMalformed,  ///< http(s) or relative, but no URL can be made of it (`http://`, a bad port, a bad host)
};

/// A link resolved against its page: the URL to fetch and, apart, the
/// fragment it points into (fetches never carry one; fragment checks need it).
struct ResolvedUrl {
  std::string url;       ///< absolute, normalised (see resolve), without fragment
  std::string fragment;  ///< without the '#', percent-encoding normalised; empty if none
  friend bool operator==(const ResolvedUrl&, const ResolvedUrl&) = default;
};

/// Resolves `reference` (relative or absolute, e.g. an href) against `base`
/// (an absolute http(s) URL) as RFC 3986 §5 says, then normalises:
///  - scheme and host lower-cased; an IDN host in its ASCII form
///    (`http://Bücher.de/` is `http://xn--bcher-kva.de/`, as browsers send
///    it), by libidn2 (libcurl 7.88's own conversion depends on the process
///    locale, curl issue #10984);
///  - the default port dropped (80 for http, 443 for https), `:080` read as 80;
///  - dot segments removed; an empty path becomes `/`;
///  - the fragment split off into ResolvedUrl::fragment;
///  - percent-encoding normalised (normalize_percent_encoding): unreserved
///    characters decoded, other escapes upper-cased, reserved ones kept
///    (`%2F` stays), bytes never allowed in a URI (space, non-ASCII, ...)
///    encoded;
///  - an empty query (`?`) and empty userinfo (`@`) dropped.
/// Before parsing, the reference is cleaned as browsers do (WHATWG URL):
/// leading and trailing spaces and controls trimmed, tabs and newlines
/// removed, `\` read as `/` before the query.
/// Returns nothing when either is malformed, or the result is not http(s)
/// with a host name made of letters, digits, `-`, `.`, `_`, `~` and valid
/// UTF-8 that is a valid IDN (or an IPv6 literal). Never throws on bad input; linear in the input's length
/// (libcurl refuses inputs over 8 MB). Thread-safe.
std::optional<ResolvedUrl> resolve(std::string_view base, std::string_view reference);

/// The crawler-trap guards a link or a sitemap URL must pass before it is
/// kept: its length, and no path segment repeated more than the limit in a
/// row or in all (/a/a/a/a, /x/b/x/c/x/d/x, the query aside).
struct TrapLimits {
  std::size_t max_url_length = 2048;
  std::size_t max_segment_repeats = 3;
};
enum class TrapCut { kNone, kTooLong, kRepeats };
[[nodiscard]] TrapCut trap_cut(std::string_view url, const TrapLimits& limits);

/// resolve() and classify() at once for the many links of one page: the
/// base is parsed once, and each reference once. One per thread.
class Resolver {
 public:
  /// `base`: an absolute http(s) URL; if it is none, every reference that
  /// is not kSkipped comes out kMalformed.
  explicit Resolver(std::string_view base);
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  /// classify(reference), except that kFetchable means resolve(base,
  /// reference) made `out` (and kMalformed that it could not).
  UrlKind resolve(std::string_view reference, ResolvedUrl& out) const;

 private:
  ::Curl_URL* base_;  ///< parsed, fragment removed; null if malformed
};

/// The normalised form of an absolute http(s) URL (as resolve), without its
/// fragment; nothing if it is not one.
std::optional<std::string> normalize(std::string_view absolute_url);

/// How to treat `reference`: a scheme other than http or https (RFC 3986
/// syntax, case-insensitive) is kSkipped; otherwise kFetchable when resolve
/// can make a URL of it against an http base, else kMalformed.
UrlKind classify(std::string_view reference);

/// The lower-case host of a URL, with `:port` when the port is not the
/// scheme's default (`127.0.0.1:8080`, `[::1]:8443`, `example.org`): the key
/// of per-host limits. Userinfo is left out. Empty if `url` is not an
/// absolute http(s) URL.
std::string host_of(std::string_view url);

/// `scheme://host[:port]` of a URL (where its robots.txt lives); empty if
/// `url` is not an absolute http(s) URL.
std::string origin_of(std::string_view url);

/// The path and query of a URL (`/a/b?x=1`; `/` at least), what robots.txt
/// rules match against; empty if `url` is not an absolute http(s) URL.
std::string path_and_query_of(std::string_view url);

}  // namespace conc::crawl
