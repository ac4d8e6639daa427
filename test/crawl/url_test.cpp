#include "crawl/url.h"

#include <catch2/catch.hpp>
#include <optional>
#include <string>

using conc::crawl::classify;
using conc::crawl::host_of;
using conc::crawl::normalize;
using conc::crawl::origin_of;
using conc::crawl::path_and_query_of;
using conc::crawl::resolve;
using conc::crawl::ResolvedUrl;
using conc::crawl::UrlKind;

namespace {

struct Case {
  const char* reference;
  std::optional<ResolvedUrl> expected;
};

ResolvedUrl r(const char* url, const char* fragment = "") { return ResolvedUrl{url, fragment}; }

constexpr const char* kRfcBase = "http://a/b/c/d;p?q";

}  // namespace

// RFC 3986 §5.4.1, with the result in conc's normal form: the fragment
// apart, an empty path as "/".
TEST_CASE("resolve: RFC 3986 normal examples") {
  const Case cases[] = {
      {"g:h", std::nullopt},  // resolves to g:h, not http(s): nothing to fetch
      {"g", r("http://a/b/c/g")},
      {"./g", r("http://a/b/c/g")},
      {"g/", r("http://a/b/c/g/")},
      {"/g", r("http://a/g")},
      {"//g", r("http://g/")},
      {"?y", r("http://a/b/c/d;p?y")},
      {"g?y", r("http://a/b/c/g?y")},
      {"#s", r("http://a/b/c/d;p?q", "s")},
      {"g#s", r("http://a/b/c/g", "s")},
      {"g?y#s", r("http://a/b/c/g?y", "s")},
      {";x", r("http://a/b/c/;x")},
      {"g;x", r("http://a/b/c/g;x")},
      {"g;x?y#s", r("http://a/b/c/g;x?y", "s")},
      {"", r("http://a/b/c/d;p?q")},
      {".", r("http://a/b/c/")},
      {"./", r("http://a/b/c/")},
      {"..", r("http://a/b/")},
      {"../", r("http://a/b/")},
      {"../g", r("http://a/b/g")},
      {"../..", r("http://a/")},
      {"../../", r("http://a/")},
      {"../../g", r("http://a/g")},
  };
  for (const Case& c : cases) {
    INFO("reference: " << c.reference);
    CHECK(resolve(kRfcBase, c.reference) == c.expected);
  }
}

// RFC 3986 §5.4.2.
TEST_CASE("resolve: RFC 3986 abnormal examples") {
  const Case cases[] = {
      {"../../../g", r("http://a/g")},
      {"../../../../g", r("http://a/g")},
      {"/./g", r("http://a/g")},
      {"/../g", r("http://a/g")},
      {"g.", r("http://a/b/c/g.")},
      {".g", r("http://a/b/c/.g")},
      {"g..", r("http://a/b/c/g..")},
      {"..g", r("http://a/b/c/..g")},
      {"./../g", r("http://a/b/g")},
      {"./g/.", r("http://a/b/c/g/")},
      {"g/./h", r("http://a/b/c/g/h")},
      {"g/../h", r("http://a/b/c/h")},
      {"g;x=1/./y", r("http://a/b/c/g;x=1/y")},
      {"g;x=1/../y", r("http://a/b/c/y")},
      {"g?y/./x", r("http://a/b/c/g?y/./x")},
      {"g?y/../x", r("http://a/b/c/g?y/../x")},
      {"g#s/./x", r("http://a/b/c/g", "s/./x")},
      {"g#s/../x", r("http://a/b/c/g", "s/../x")},
      // The strict reading (RFC 3986 §5.4.2) makes "http:g" the URL "http:g",
      // which has no host: not fetchable. libcurl refuses it too.
      {"http:g", std::nullopt},
  };
  for (const Case& c : cases) {
    INFO("reference: " << c.reference);
    CHECK(resolve(kRfcBase, c.reference) == c.expected);
  }
}

TEST_CASE("resolve: fragment-only and empty references keep the base's path and query") {
  // libcurl 7.88 alone would give http://x.com/a/b/#bar (curl issue #15836).
  CHECK(resolve("https://x.com/a/b/c?x=123", "#bar") == r("https://x.com/a/b/c?x=123", "bar"));
  CHECK(resolve("https://x.com/a/b/c?x=123#old", "") == r("https://x.com/a/b/c?x=123"));
  CHECK(resolve("https://x.com/a/b/c?x=123#old", "#") == r("https://x.com/a/b/c?x=123"));
  CHECK(resolve("https://x.com/a/b/c?x=123#old", "?y") == r("https://x.com/a/b/c?y"));
  // The base's fragment plays no part (libcurl 7.88 alone resolves a path
  // against it when the base has no query: found by fuzzing).
  CHECK(resolve("http://a/b/#c/d", "x") == r("http://a/b/x"));
  CHECK(resolve("http://a/b/#c/d;p", "qn./?../g?y#s") == r("http://a/b/qn./?../g?y", "s"));
  CHECK(resolve("http://a/b/c#f/g", "../z") == r("http://a/z"));
  // The base is normalised too.
  CHECK(resolve("HTTPS://X.com:443/a/./b?#old", "#f%7e") == r("https://x.com/a/b", "f~"));
}

TEST_CASE("normalize: one rule at a time") {
  // scheme and host lower-cased
  CHECK(normalize("HTTP://Example.COM/Path") == "http://example.com/Path");
  // default port dropped, others kept
  CHECK(normalize("http://a:80/x") == "http://a/x");
  CHECK(normalize("https://a:443/x") == "https://a/x");
  CHECK(normalize("http://a:443/x") == "http://a:443/x");
  CHECK(normalize("https://a:80/x") == "https://a:80/x");
  CHECK(normalize("http://a:080/x") == "http://a/x");
  CHECK(normalize("http://a:/x") == "http://a/x");
  // dot segments removed
  CHECK(normalize("http://a/b/./c/../d/.") == "http://a/b/d/");
  CHECK(normalize("http://a/../../x") == "http://a/x");
  // fragment dropped
  CHECK(normalize("http://a/x#frag") == "http://a/x");
  // unreserved escapes decoded, including in the host and before dot-segment removal
  CHECK(normalize("http://a/%7Euser/%41%2d%2E%5f") == "http://a/~user/A-._");
  CHECK(normalize("http://ex%41mple.com/") == "http://example.com/");
  CHECK(normalize("http://a/b/%2e%2E/c") == "http://a/c");
  // other escapes upper-cased, reserved ones never decoded
  CHECK(normalize("http://a/x%2fy%3a%e2%82%ac?q=%2b%26") == "http://a/x%2Fy%3A%E2%82%AC?q=%2B%26");
  CHECK(normalize("http://a/x%2Fy") == "http://a/x%2Fy");
  // a '%' that starts no escape is encoded
  CHECK(normalize("http://a/100%/%zz/%4") == "http://a/100%25/%25zz/%254");
  // empty query dropped, a non-empty one kept as is
  CHECK(normalize("http://a/x?") == "http://a/x");
  CHECK(normalize("http://a/x?#f") == "http://a/x");
  CHECK(normalize("http://a/x?b=2&a=1") == "http://a/x?b=2&a=1");
  // empty path becomes "/"
  CHECK(normalize("http://a") == "http://a/");
  CHECK(normalize("http://a?x=1") == "http://a/?x=1");
  // empty userinfo dropped, other userinfo kept
  CHECK(normalize("http://@a/") == "http://a/");
  CHECK(normalize("http://u:p@A/") == "http://u:p@a/");
  // idempotent
  for (const char* url : {"http://a/~user/A%2F%3A?q=%2B", "http://[::1]:8080/x", "https://b%C3%BCcher.de/%C3%A9"}) {
    const auto once = normalize(url);
    REQUIRE(once);
    CHECK(normalize(*once) == once);
  }
}

TEST_CASE("normalize: bytes never allowed in a URI are percent-encoded") {
  CHECK(normalize("http://a/a b/\xC3\xA9?q=a b") == "http://a/a%20b/%C3%A9?q=a%20b");
  CHECK(normalize("http://a/x\"<>`{|}^y") == "http://a/x%22%3C%3E%60%7B%7C%7D%5Ey");
  CHECK(normalize("http://a/x\x7Fy") == "http://a/x%7Fy");
  // A space in a relative reference's query stays %20 (libcurl 7.88 alone
  // would write '+', which servers read as a space only in forms).
  CHECK(resolve("http://a/", "?a b#c d") == r("http://a/?a%20b", "c%20d"));
}

TEST_CASE("resolve: references cleaned as browsers do") {
  // Leading and trailing spaces and controls trimmed; tabs and newlines removed.
  CHECK(resolve("http://a/b/", " \t\n g \r\n") == r("http://a/b/g"));
  CHECK(resolve("http://a/b/", "g\n/h\t") == r("http://a/b/g/h"));
  CHECK(resolve("http://a/b/", "\x01\x1F/x\x1F") == r("http://a/x"));
  // Other controls inside are encoded.
  CHECK(resolve("http://a/b/", "x\x01y") == r("http://a/b/x%01y"));
  // Backslashes are slashes before the query, escaped after it.
  CHECK(resolve("http://a/b/c", "\\x\\y") == r("http://a/x/y"));
  CHECK(resolve("http://a/b/c", "\\\\host\\p") == r("http://host/p"));
  CHECK(resolve("http://a/b/c", "x?a\\b#c\\d") == r("http://a/b/x?a%5Cb", "c%5Cd"));
  // A second '#' belongs to the fragment.
  CHECK(resolve("http://a/", "x#a#b") == r("http://a/x", "a%23b"));
}

TEST_CASE("resolve: protocol-relative and absolute references") {
  CHECK(resolve("https://a/x", "//b/y") == r("https://b/y"));
  CHECK(resolve("https://a/x", "//B:443/y") == r("https://b/y"));
  CHECK(resolve("http://a/x", "//b:8080") == r("http://b:8080/"));
  CHECK(resolve("http://a/x", "HTTPS://Other.Example/p?q#f") == r("https://other.example/p?q", "f"));
  // Extra slashes after the scheme are ignored, as browsers do.
  CHECK(resolve("http://a/x", "///b/c") == r("http://b/c"));
  // Not http(s): nothing to fetch.
  CHECK(resolve("http://a/x", "ftp://b/") == std::nullopt);
  CHECK(resolve("http://a/x", "mailto:me@a") == std::nullopt);
  // A scheme of any length is one (libcurl alone reads one of more than 40
  // characters as a relative path: found by fuzzing).
  const std::string long_scheme = std::string(50, 'x') + ":y";
  CHECK(resolve("http://a/x", long_scheme) == std::nullopt);
  CHECK(classify(long_scheme) == UrlKind::kSkipped);
  CHECK(resolve("ftp://a/x", "y") == std::nullopt);
  CHECK(resolve("not a url", "y") == std::nullopt);
  CHECK(resolve("/relative/base", "y") == std::nullopt);
  // A malformed base gives nothing, even to a reference that replaces its host.
  CHECK(resolve("http://a%FFb/", "//c/") == std::nullopt);
}

TEST_CASE("normalize: hosts of every kind") {
  // IPv6 literals: brackets kept, hex lower-cased, ports as for names.
  CHECK(normalize("http://[::1]:8080/x") == "http://[::1]:8080/x");
  CHECK(normalize("http://[FE80::A]:80/") == "http://[fe80::a]/");
  CHECK(normalize("http://[::1/") == std::nullopt);
  // IPv4 in curl's normal form.
  CHECK(normalize("http://127.0.0.1:8080/") == "http://127.0.0.1:8080/");
  CHECK(normalize("http://0x7f.1/") == "http://127.0.0.1/");
  // IDN hosts in their ASCII form, as browsers send them, whatever the
  // locale: raw UTF-8, escaped UTF-8, upper case, and the ASCII form itself
  // are one URL.
  for (const char* same : {"http://B\xC3\xBC"
                           "cher.DE/",
                           "http://b%C3%BCcher.de/", "http://xn--bcher-kva.de/", "http://XN--BCHER-KVA.de/"}) {
    INFO(same);
    CHECK(normalize(same) == "http://xn--bcher-kva.de/");
  }
  CHECK(resolve("http://xn--bcher-kva.de/a/", "//\xE4\xBE\x8B\xE3\x81\x88.\xE3\x83\x86\xE3\x82\xB9\xE3\x83\x88/x") ==
        ResolvedUrl{"http://xn--r8jz45g.xn--zckzah/x", ""});
  // An IDN that maps to digits is an IPv4 address in one of its spellings
  // (`₀` is `0`): in curl's normal form, as a URL written so would be (fuzzing).
  CHECK(normalize("http:/\xE2\x82\x80") == "http://0.0.0.0/");
  CHECK(normalize("http://\xE2\x82\x81\xE2\x82\x82\xE2\x82\x87.1/") == normalize("http://127.1/"));
  CHECK(host_of("http://B\xC3\xBC"
                "cher.de:8080/") == "xn--bcher-kva.de:8080");
  // UTF-8 that is no valid IDN (a label of symbols IDNA forbids), and
  // full-width forms UTS #46 maps to ASCII no host may hold: `％`, `｜`,
  // `℀` (a/c).
  for (const char* bad : {"http://\xE2\x98\x83\xE2\x98\x83--x.com/", "http://x\xEF\xBC\x85y.com/",
                          "http://x\xEF\xBD\x9Cy.com/", "http://x\xE2\x84\x80y.com/"}) {
    INFO(bad);
    CHECK(normalize(bad) == std::nullopt);
    CHECK(host_of(bad).empty());
  }
  // Hosts that cannot be.
  CHECK(normalize("http://a%20b/") == std::nullopt);
  CHECK(normalize("http://a%00b/") == std::nullopt);
  CHECK(normalize("http://a b/") == std::nullopt);
  CHECK(normalize("http:///") == std::nullopt);
  CHECK(normalize("http://") == std::nullopt);
  CHECK(normalize("http://u:p@/") == std::nullopt);
  // Escapes libcurl decodes into bytes no host name has (found by fuzzing:
  // curl 7.88 takes `b%25c` as host `b%c` but writes the URL back as `b%25c`).
  for (const char* bad : {"http://b%25cher.de/", "http://b%G3x.de/", "http://a%FFb/", "http://a%21b/", "http://a!b/",
                          "http://a%2Bb/", "http://a%C3b/"}) {
    INFO(bad);
    CHECK(normalize(bad) == std::nullopt);
  }
}

TEST_CASE("normalize: what is not an absolute http(s) URL") {
  for (const char* bad : {"", "   ", "/x", "x", "//a/x", "http:", "http:x", "https:", "ftp://a/", "mailto:a@b",
                          "javascript:alert(1)", "http://a:99999/", "http://a:-1/", "http://a:x/", "gopher://a/"}) {
    INFO(bad);
    CHECK(normalize(bad) == std::nullopt);
  }
}

TEST_CASE("normalize: a 1 MB URL, and 1 MB of dot segments") {
  const std::string path(std::size_t{1} << 20, 'x');
  CHECK(normalize("http://a/" + path) == "http://a/" + path);
  std::string dots;
  while (dots.size() < (std::size_t{1} << 20)) dots += "a/../";
  CHECK(normalize("http://a/" + dots + "z") == "http://a/z");
  CHECK(resolve("http://a/b/", std::string(std::size_t{1} << 20, '.') + "/x"));
  CHECK(normalize("http://a/" + std::string(std::size_t{1} << 20, ' ')) == "http://a/");  // trailing spaces trimmed
}

TEST_CASE("classify: fetchable, skipped scheme, malformed") {
  for (const char* fetchable :
       {"http://a/", "HTTPS://a/x", "/x", "x", "", "#f", "?q", "//h/x", "./../x", " http://a/ ", "a/b:c", "./1:2"}) {
    INFO(fetchable);
    CHECK(classify(fetchable) == UrlKind::kFetchable);
  }
  for (const char* skipped :
       {"mailto:me@example.org", "MAILTO:x", "javascript:void(0)", " javascript:x", "java\nscript:alert(1)",
        "data:text/html,<p>hi", "data:image/png;base64,AA==", "tel:+1-555", "ftp://a/file", "about:blank",
        "file:///etc/passwd", "sms:1", "c:\\x", "g:h"}) {
    INFO(skipped);
    CHECK(classify(skipped) == UrlKind::kSkipped);
  }
  // "1:2": a first path segment with a colon is not a relative reference
  // (RFC 3986 §4.2; "./1:2" is), and libcurl refuses it.
  for (const char* malformed :
       {"http://", "http:", "https:x", "http://a:99999/", "http://a b/", "//a:x/", "http://[::1/", "http:///", "1:2"}) {
    INFO(malformed);
    CHECK(classify(malformed) == UrlKind::kMalformed);
  }
}

TEST_CASE("host_of, origin_of, path_and_query_of") {
  CHECK(host_of("http://Example.org/x") == "example.org");
  CHECK(host_of("http://example.org:80/x") == "example.org");
  CHECK(host_of("https://example.org:443/") == "example.org");
  CHECK(host_of("http://127.0.0.1:8080/x") == "127.0.0.1:8080");
  CHECK(host_of("https://example.org:80/") == "example.org:80");
  CHECK(host_of("http://[::1]:8443/") == "[::1]:8443");
  CHECK(host_of("http://user:pw@h/") == "h");
  CHECK(host_of("mailto:x@y").empty());
  CHECK(host_of("/relative").empty());

  CHECK(origin_of("https://Example.org:443/a/b?c#d") == "https://example.org");
  CHECK(origin_of("http://127.0.0.1:8080/a") == "http://127.0.0.1:8080");
  CHECK(origin_of("http://u:p@[::1]/a") == "http://[::1]");
  CHECK(origin_of("ftp://a/").empty());

  CHECK(path_and_query_of("http://a") == "/");
  CHECK(path_and_query_of("http://a/b/c?x=1&y#frag") == "/b/c?x=1&y");
  CHECK(path_and_query_of("http://a/b?") == "/b");
  CHECK(path_and_query_of("http://a/%7e%2f") == "/~%2F");
  CHECK(path_and_query_of("nope").empty());
}

TEST_CASE("trap_cut: too long, or a path segment more than the limit in a row or in all") {
  using conc::crawl::trap_cut;
  using conc::crawl::TrapCut;
  const conc::crawl::TrapLimits limits{30, 3};
  CHECK(trap_cut("http://a/a/a/a", limits) == TrapCut::kNone);
  CHECK(trap_cut("http://a/a/a/a/a", limits) == TrapCut::kRepeats);
  CHECK(trap_cut("http://h/x/b/x/c/x/d/x", limits) == TrapCut::kRepeats);
  CHECK(trap_cut("http://h/x/b/x/c/x?x/x/x/x", limits) == TrapCut::kNone);  // the query is no path
  CHECK(trap_cut("http://h//////", {30, 1}) == TrapCut::kNone);             // empty segments are none
  CHECK(trap_cut("http://h", {30, 0}) == TrapCut::kNone);
  CHECK(trap_cut("http://h/" + std::string(21, 'x'), limits) == TrapCut::kNone);  // 30 bytes: the limit itself
  CHECK(trap_cut("http://h/" + std::string(22, 'x'), limits) == TrapCut::kTooLong);
}
