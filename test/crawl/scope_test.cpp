#include "crawl/scope.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using conc::crawl::registrable_domain;
using conc::crawl::Scope;
using conc::crawl::ScopeKind;

namespace {
using V = std::vector<std::string>;
}

TEST_CASE("scope host: host and port of each start URL") {
  const V starts{"http://127.0.0.1:8080/", "https://docs.example.org/guide/"};
  const Scope s(ScopeKind::kHost, starts);
  CHECK(s.keys() == V{"127.0.0.1:8080", "docs.example.org"});
  CHECK(s.contains("http://127.0.0.1:8080/any/page"));
  CHECK_FALSE(s.contains("http://127.0.0.1:9090/"));  // another port is another server
  CHECK_FALSE(s.contains("http://127.0.0.1/"));
  CHECK(s.contains("https://docs.example.org/other"));
  CHECK(s.contains("http://docs.example.org/"));  // the scheme is not compared
  CHECK_FALSE(s.contains("https://example.org/"));
  CHECK_FALSE(s.contains("https://www.docs.example.org/"));
  CHECK_FALSE(s.contains("mailto:x@docs.example.org"));
  CHECK_FALSE(s.contains("not a url"));
  // Default ports are no ports.
  const V https{"https://a.example/"};
  CHECK(Scope(ScopeKind::kHost, https).contains("https://a.example:443/x"));
  CHECK_FALSE(Scope(ScopeKind::kHost, https).contains("https://a.example:8443/x"));
}

TEST_CASE("scope domain: registrable domains from the Public Suffix List") {
  const V starts{"http://a.example.co.uk/"};
  const Scope s(ScopeKind::kDomain, starts);
  CHECK(s.keys() == V{"example.co.uk"});
  CHECK(s.contains("http://b.example.co.uk/x"));
  CHECK(s.contains("https://example.co.uk:8443/"));  // ports and schemes do not matter
  CHECK(s.contains("http://deep.sub.example.co.uk/"));
  CHECK_FALSE(s.contains("http://other.co.uk/"));
  CHECK_FALSE(s.contains("http://co.uk/"));
  CHECK_FALSE(s.contains("http://example.com/"));
  // Private suffixes count: two github.io sites are two domains.
  const V gh{"https://alice.github.io/"};
  CHECK_FALSE(Scope(ScopeKind::kDomain, gh).contains("https://bob.github.io/"));
  CHECK(Scope(ScopeKind::kDomain, gh).contains("https://www.alice.github.io/"));
}

TEST_CASE("scope domain: hosts without a registrable domain are their own") {
  const V local{"http://127.0.0.1:8080/"};
  const Scope ip(ScopeKind::kDomain, local);
  CHECK(ip.keys() == V{"127.0.0.1"});
  CHECK(ip.contains("http://127.0.0.1:9090/"));  // the domain of an address ignores ports
  CHECK_FALSE(ip.contains("http://127.0.0.2:8080/"));
  CHECK_FALSE(ip.contains("http://0.1/"));  // libpsl alone would call 127.0.0.1's domain "0.1"
  const V lh{"http://localhost:8080/"};
  CHECK(Scope(ScopeKind::kDomain, lh).contains("http://localhost:1234/"));
  CHECK_FALSE(Scope(ScopeKind::kDomain, lh).contains("http://other.localhost/"));
  const V v6{"http://[::1]:8080/"};
  CHECK(Scope(ScopeKind::kDomain, v6).contains("http://[::1]/"));
  CHECK_FALSE(Scope(ScopeKind::kDomain, v6).contains("http://[::2]/"));
  // A start URL on a public suffix covers that host only, never the suffix's other sites.
  const V suffix{"https://co.uk/"};
  CHECK(Scope(ScopeKind::kDomain, suffix).contains("https://co.uk/x"));
  CHECK_FALSE(Scope(ScopeKind::kDomain, suffix).contains("https://example.co.uk/"));
}

TEST_CASE("registrable_domain") {
  CHECK(registrable_domain("a.example.co.uk") == "example.co.uk");
  CHECK(registrable_domain("example.com") == "example.com");
  CHECK(registrable_domain("www.example.com.") == "example.com");
  CHECK(registrable_domain("co.uk") == "co.uk");
  CHECK(registrable_domain("com") == "com");
  CHECK(registrable_domain("localhost") == "localhost");
  CHECK(registrable_domain("intranet") == "intranet");
  CHECK(registrable_domain("10.1.2.3") == "10.1.2.3");
  CHECK(registrable_domain("[fe80::1]") == "[fe80::1]");
  CHECK(registrable_domain("a.b.c.kawasaki.jp") == "b.c.kawasaki.jp");      // *.kawasaki.jp
  CHECK(registrable_domain("www.city.kawasaki.jp") == "city.kawasaki.jp");  // !city.kawasaki.jp
  CHECK(registrable_domain("shop.b\xC3\xBC"
                           "cher.de") ==
        "b\xC3\xBC"
        "cher.de");
  CHECK(registrable_domain("") == "");
}

TEST_CASE("scope prefix: the start URLs, byte for byte") {
  const V starts{"http://h/docs/", "http://h/api/v2/"};
  const Scope s(ScopeKind::kPrefix, starts);
  CHECK(s.contains("http://h/docs/"));
  CHECK(s.contains("http://h/docs/a/b?c"));
  CHECK(s.contains("http://h/api/v2/x"));
  CHECK_FALSE(s.contains("http://h/docs"));
  CHECK_FALSE(s.contains("http://h/api/v1/x"));
  CHECK_FALSE(s.contains("http://other/docs/"));
  CHECK_FALSE(s.contains("https://h/docs/"));
  const V bad{"mailto:x@y", "relative/"};
  CHECK(Scope(ScopeKind::kPrefix, bad).keys().empty());
  CHECK_FALSE(Scope(ScopeKind::kPrefix, bad).contains("relative/x"));
}

TEST_CASE("scope any: everything") {
  const V starts{"http://h/"};
  const Scope s(ScopeKind::kAny, starts);
  CHECK(s.contains("http://elsewhere.example/"));
  CHECK(s.contains("https://127.0.0.1:1/"));
  CHECK(s.keys().empty());
}
