// crawl/scope.h: which URLs a crawl follows.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace conc::crawl {

/// --scope: what a start URL lets the crawl follow.
enum class ScopeKind {
  kHost,    ///< the start URL's host and port
  kDomain,  ///< the start URL's registrable domain (Public Suffix List)
  kPrefix,  ///< URLs that begin with the start URL
  kAny,     ///< everything
};

/// The union of the scopes of a crawl's start URLs.
///
/// Every URL given (start URLs and those asked about) is expected in
/// normal form (url.h's normalize), so hosts are lower-case and default
/// ports are gone; a URL that is not absolute http(s) is never in scope
/// (except under kAny, which asks nothing of the URL).
///
///  - kHost compares host and port: `http://127.0.0.1:8080/` does not
///    cover `http://127.0.0.1:9090/`, since two ports are two servers (and
///    the crawl tests run several on one address). The scheme is not
///    compared: `http://h/` covers `https://h/`, as sites move to https.
///  - kDomain compares registrable domains from libpsl's built-in Public
///    Suffix List (Debian's libpsl5 compiles one in, so no file is read):
///    `a.example.co.uk` and `b.example.co.uk` share `example.co.uk`. Ports
///    and schemes do not matter. A host that has no registrable domain of its
///    own (an IP address, `localhost`, a bare public suffix such as
///    `github.io`) is its own domain: only that exact host matches, so
///    `co.uk` never becomes a scope. A trailing dot is ignored.
///  - kPrefix: the URL begins with a start URL, byte for byte (so the start
///    URL usually ends with `/`: `http://h/docs/` covers `http://h/docs/a`,
///    not `http://h/docs2`).
/// Thread-safe (const); contains() allocates nothing for kPrefix and kAny.
class Scope {
 public:
  Scope(ScopeKind kind, std::span<const std::string> start_urls);

  [[nodiscard]] bool contains(std::string_view url) const;
  [[nodiscard]] ScopeKind kind() const noexcept { return kind_; }
  /// What contains() compares against, one per distinct start URL scope:
  /// host[:port], registrable domains, or prefixes (empty for kAny).
  [[nodiscard]] const std::vector<std::string>& keys() const noexcept { return keys_; }

 private:
  [[nodiscard]] std::string key_of(std::string_view url) const;

  ScopeKind kind_;
  std::vector<std::string> keys_;  // sorted, unique
};

/// The registrable domain of `host` (lower-case, no port) by the Public
/// Suffix List, or `host` itself when it has none (IP addresses, IPv6
/// literals in brackets, `localhost`, public suffixes, single labels).
std::string registrable_domain(std::string_view host);

}  // namespace conc::crawl
