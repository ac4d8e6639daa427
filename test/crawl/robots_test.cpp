#include "crawl/robots.h"

#include <catch2/catch.hpp>
#include <string>

using conc::crawl::kMaxCrawlDelay;
using conc::crawl::kMaxRobotsBytes;
using conc::crawl::parse_robots;
using conc::crawl::RobotsRule;
using conc::crawl::RobotsTxt;

namespace {

bool allowed(std::string_view robots, std::string_view agent, std::string_view path) {
  return parse_robots(robots, agent).allowed(path);
}

// RFC 9309 §5.1's example file.
constexpr std::string_view kRfcExample =
    "User-Agent: *\n"
    "Disallow: *.gif$\n"
    "Disallow: /example/\n"
    "Allow: /publications/\n"
    "\n"
    "User-Agent: foobot\n"
    "Disallow:/\n"
    "Allow:/example/page.html\n"
    "Allow:/example/allowed.gif\n"
    "\n"
    "User-Agent: barbot\n"
    "User-Agent: bazbot\n"
    "Disallow: /example/page.html\n"
    "\n"
    "User-Agent: quxbot\n"
    "\n"
    "EOF\n";

}  // namespace

TEST_CASE("robots: RFC 9309 example groups") {
  // foobot: its own group.
  CHECK(allowed(kRfcExample, "foobot", "/example/page.html"));
  CHECK(allowed(kRfcExample, "foobot", "/example/allowed.gif"));
  CHECK_FALSE(allowed(kRfcExample, "foobot", "/example/other.html"));
  CHECK_FALSE(allowed(kRfcExample, "FooBot", "/"));
  // barbot and bazbot share a group.
  for (const char* bot : {"barbot", "bazbot", "BazBot/2.1"}) {
    INFO(bot);
    CHECK_FALSE(allowed(kRfcExample, bot, "/example/page.html"));
    CHECK(allowed(kRfcExample, bot, "/example/other.html"));
    CHECK(allowed(kRfcExample, bot, "/x.gif"));
  }
  // quxbot's group is empty: everything allowed, the * group does not apply.
  CHECK(allowed(kRfcExample, "quxbot", "/example/x"));
  CHECK(allowed(kRfcExample, "quxbot", "/a.gif"));
  // Anyone else: the * group.
  CHECK_FALSE(allowed(kRfcExample, "conc-crawl", "/a/b.gif"));
  CHECK(allowed(kRfcExample, "conc-crawl", "/a/b.gif?x"));
  CHECK_FALSE(allowed(kRfcExample, "conc-crawl", "/example/x"));
  CHECK(allowed(kRfcExample, "conc-crawl", "/publications/x"));
  CHECK(allowed(kRfcExample, "conc-crawl", "/other"));
}

TEST_CASE("robots: our token, then *, then nothing") {
  constexpr std::string_view text = "User-agent: *\nDisallow: /star/\n\nUser-agent: conc-crawl\nDisallow: /ours/\n";
  CHECK_FALSE(allowed(text, "conc-crawl", "/ours/x"));
  CHECK(allowed(text, "conc-crawl", "/star/x"));  // our group replaces *, it does not add to it
  CHECK_FALSE(allowed(text, "CONC-Crawl/0.1", "/ours/x"));
  CHECK_FALSE(allowed(text, "other", "/star/x"));
  CHECK(allowed(text, "other", "/ours/x"));
  // No group for us and no *: all allowed.
  CHECK(allowed("User-agent: googlebot\nDisallow: /\n", "conc-crawl", "/x"));
  CHECK(allowed("", "conc-crawl", "/x"));
  // A User-agent value counts up to the first character outside [A-Za-z_-].
  CHECK_FALSE(allowed("User-agent: conc-crawl/1.0 (+https://x)\nDisallow: /\n", "conc-crawl", "/x"));
  CHECK_FALSE(allowed("User-agent: Conc-Crawl Bot\nDisallow: /\n", "conc-crawl", "/x"));
  CHECK(allowed("User-agent: conc-crawler\nDisallow: /\n", "conc-crawl", "/x"));
  CHECK(allowed("User-agent: conc\nDisallow: /\n", "conc-crawl", "/x"));
}

TEST_CASE("robots: groups merge and end at a User-agent after rules, rules outside groups are ignored") {
  constexpr std::string_view text =
      "allow: /foo/bar/\n"
      "\n"
      "user-agent: FooBot\n"
      "disallow: /\n"
      "allow: /x/\n"
      "user-agent: BarBot\n"
      "disallow: /\n"
      "allow: /y/\n"
      "\n"
      "\n"
      "allow: /w/\n"
      "user-agent: BazBot\n"
      "\n"
      "user-agent: FooBot\n"
      "allow: /z/\n"
      "disallow: /\n";
  CHECK(allowed(text, "FooBot", "/x/b"));
  CHECK(allowed(text, "FooBot", "/z/d"));
  CHECK_FALSE(allowed(text, "FooBot", "/y/c"));
  CHECK(allowed(text, "BarBot", "/y/c"));
  CHECK(allowed(text, "BarBot", "/w/a"));
  CHECK_FALSE(allowed(text, "BarBot", "/z/d"));
  CHECK(allowed(text, "BazBot", "/z/d"));
  CHECK_FALSE(allowed(text, "FooBot", "/foo/bar/"));
  CHECK_FALSE(allowed(text, "BazBot", "/foo/bar/"));
}

TEST_CASE("robots: longest match wins, Allow wins a tie") {
  CHECK_FALSE(allowed("user-agent: a\ndisallow: /x/page.html\nallow: /x/\n", "a", "/x/page.html"));
  CHECK(allowed("user-agent: a\nallow: /x/page.html\ndisallow: /x/\n", "a", "/x/page.html"));
  CHECK_FALSE(allowed("user-agent: a\nallow: /x/page.html\ndisallow: /x/\n", "a", "/x/"));
  CHECK(allowed("user-agent: a\ndisallow: /\nallow: /\n", "a", "/x"));
  CHECK(allowed("user-agent: a\ndisallow: /x/page.html\nallow: /x/page.html\n", "a", "/x/page.html"));
  CHECK_FALSE(allowed("user-agent: a\ndisallow: /x\nallow: /x/\n", "a", "/x"));
  CHECK(allowed("user-agent: a\ndisallow: /x\nallow: /x/\n", "a", "/x/"));
  CHECK(allowed("user-agent: a\nallow: /x/page.\ndisallow: /*.html\n", "a", "/x/page.html"));
  CHECK_FALSE(allowed("user-agent: a\nallow: /x/page.\ndisallow: /*.html\n", "a", "/x/y.html"));
}

TEST_CASE("robots: Google's documented precedence examples") {
  CHECK(allowed("user-agent: a\nallow: /p\ndisallow: /\n", "a", "/page"));
  CHECK(allowed("user-agent: a\nallow: /folder\ndisallow: /folder\n", "a", "/folder/page"));
  CHECK_FALSE(allowed("user-agent: a\nallow: /page\ndisallow: /*.htm\n", "a", "/page.htm"));
  CHECK(allowed("user-agent: a\nallow: /page\ndisallow: /*.ph\n", "a", "/page"));
  CHECK(allowed("user-agent: a\nallow: /$\ndisallow: /\n", "a", "/"));
  CHECK_FALSE(allowed("user-agent: a\nallow: /$\ndisallow: /\n", "a", "/page.html"));
  // /page against /*.php$: the longer pattern only counts when it matches.
  CHECK(allowed("user-agent: a\nallow: /page\ndisallow: /*.php$\n", "a", "/page"));
  CHECK(allowed("user-agent: a\nallow: /page\ndisallow: /*.php$\n", "a", "/page.php?x"));
  CHECK_FALSE(allowed("user-agent: a\nallow: /page\ndisallow: /*.php$\n", "a", "/page.php"));
}

TEST_CASE("robots: Google's documented path matching examples") {
  const auto only = [](std::string_view pattern) {
    return "user-agent: a\ndisallow: /\nallow: " + std::string(pattern) + "\n";
  };
  {
    const std::string fish = only("/fish");
    for (const char* yes : {"/fish", "/fish.html", "/fish/salmon.html", "/fishheads", "/fishheads/yummy.html",
                            "/fish.html?id=anything"}) {
      CHECK(allowed(fish, "a", yes));
      CHECK(allowed(only("/fish*"), "a", yes));
    }
    for (const char* no : {"/Fish.asp", "/catfish", "/?id=fish", "/desert/fish", "/bar"}) {
      CHECK_FALSE(allowed(fish, "a", no));
      CHECK_FALSE(allowed(only("/fish*"), "a", no));
    }
  }
  for (const char* yes : {"/fish/", "/fish/salmon", "/fish/?salmon", "/fish/salmon.html", "/fish/?id=anything"}) {
    CHECK(allowed(only("/fish/"), "a", yes));
  }
  for (const char* no : {"/fish", "/fish.html", "/Fish/Salmon.html", "/animals/fish/"}) {
    CHECK_FALSE(allowed(only("/fish/"), "a", no));
  }
  for (const char* yes : {"/filename.php", "/folder/filename.php", "/folder/filename.php?parameters",
                          "//folder/any.php.file.html", "/filename.php/", "/index?f=filename.php/"}) {
    CHECK(allowed(only("/*.php"), "a", yes));
  }
  for (const char* no : {"/bar", "/php/", "/index?php", "/windows.PHP"}) CHECK_FALSE(allowed(only("/*.php"), "a", no));
  for (const char* yes : {"/filename.php", "/folder/filename.php"}) CHECK(allowed(only("/*.php$"), "a", yes));
  for (const char* no : {"/bar", "/filename.php?parameters", "/filename.php/", "/filename.php5", "/php/",
                         "/filename?php", "/aaaphpaaa", "//windows.PHP"}) {
    CHECK_FALSE(allowed(only("/*.php$"), "a", no));
  }
  for (const char* yes : {"/fish.php", "/fishheads/catfish.php?parameters"})
    CHECK(allowed(only("/fish*.php"), "a", yes));
  for (const char* no : {"/bar", "/Fish.PHP"}) CHECK_FALSE(allowed(only("/fish*.php"), "a", no));
}

TEST_CASE("robots: wildcards") {
  const auto rule = [](std::string_view pattern, std::string_view path) {
    return !allowed("user-agent: *\ndisallow: " + std::string(pattern) + "\n", "x", path);
  };
  CHECK(rule("/a*b*c", "/a-b-c"));
  CHECK(rule("/a*b*c", "/abc"));
  CHECK(rule("/a*b*c", "/abbbcx"));
  CHECK_FALSE(rule("/a*b*c", "/acb"));
  CHECK(rule("/a*b*c$", "/abcxc"));  // the last piece may sit anywhere after the rest
  CHECK_FALSE(rule("/a*b*c$", "/abcx"));
  CHECK_FALSE(rule("/ab*b$", "/ab"));  // pieces may not overlap
  CHECK(rule("/ab*b$", "/abb"));
  CHECK(rule("*", "/anything"));
  CHECK(rule("*$", "/anything"));
  CHECK(rule("/x**y", "/xy"));
  CHECK(rule("/x$", "/x"));
  CHECK_FALSE(rule("/x$", "/x/"));
  CHECK(rule("/a$b", "/a$b"));  // '$' inside a pattern is literal
  CHECK(rule("/foo/*/qux", "/foo/bar/qux"));
}

TEST_CASE("robots: percent-encoding compared normalised (RFC 9309 §2.2.2)") {
  const auto rule = [](std::string_view pattern, std::string_view path) {
    return !allowed("user-agent: *\ndisallow: " + std::string(pattern) + "\n", "x", path);
  };
  CHECK(rule("/foo/bar?baz=quz", "/foo/bar?baz=quz"));
  CHECK(rule("/foo/bar/\xE3\x83\x84", "/foo/bar/%E3%83%84"));
  CHECK(rule("/foo/bar/%E3%83%84", "/foo/bar/%e3%83%84"));
  CHECK(rule("/foo/bar/%e3%83%84", "/foo/bar/\xE3\x83\x84"));
  CHECK(rule("/foo/bar/%62%61%7A", "/foo/bar/baz"));
  CHECK(rule("/foo/bar/baz", "/foo/bar/%62%61%7A"));
  // Reserved characters are not decoded: %2F is not a path separator.
  CHECK_FALSE(rule("/a/b", "/a%2Fb"));
  CHECK(rule("/a%2fb", "/a%2Fb"));
  // Paths are case-sensitive.
  CHECK_FALSE(rule("/X/", "/x/y"));
}

TEST_CASE("robots: /robots.txt itself is always allowed") {
  CHECK(allowed("user-agent: *\ndisallow: /\n", "x", "/robots.txt"));
  CHECK_FALSE(allowed("user-agent: *\ndisallow: /\n", "x", "/robots.txt?x"));
}

TEST_CASE("robots: empty values, invalid patterns, comments") {
  CHECK(allowed("user-agent: *\ndisallow:\n", "x", "/x"));
  CHECK(allowed("user-agent: *\ndisallow: \nallow: \n", "x", "/x"));
  CHECK(allowed("user-agent: *\ndisallow: private\n", "x", "/private"));  // not a path: ignored
  CHECK(allowed("user-agent: *\n# disallow: /\ndisallow: /foo/quz#qux\nallow: /\n", "x", "/foo/bar"));
  CHECK_FALSE(allowed("user-agent: *\n# disallow: /\ndisallow: /foo/quz#qux\nallow: /\n", "x", "/foo/quz"));
  CHECK_FALSE(allowed("user-agent: * # everyone\ndisallow: /a # not a\n", "x", "/a"));
}

TEST_CASE("robots: field names any case, missing colon, BOM, CR/LF/CRLF, garbage") {
  CHECK_FALSE(allowed("USER-AGENT: a\nDISALLOW: /x\n", "a", "/x"));
  CHECK_FALSE(allowed("uSeR-aGeNt: a\ndIsAlLoW: /x\n", "a", "/x"));
  CHECK_FALSE(allowed("user-agent a\ndisallow /x\n", "a", "/x"));
  CHECK_FALSE(allowed("\xEF\xBB\xBFuser-agent: a\ndisallow: /x\n", "a", "/x"));
  for (const char* eol : {"\n", "\r\n", "\r"}) {
    const std::string text = std::string("user-agent: a") + eol + "allow: /x/" + eol + eol + "disallow: /" + eol;
    INFO(text);
    CHECK(allowed(text, "a", "/x/y"));
    CHECK_FALSE(allowed(text, "a", "/y"));
  }
  CHECK_FALSE(allowed("user-agent: a\ndisallow: /x", "a", "/x"));  // no final line break
  using namespace std::string_view_literals;
  constexpr std::string_view garbage =
      "<html><body>Not found</body></html>\n"
      "\x00\x01\xFF\xFE: ::: \n"
      "foo: bar\n"
      "user-agent: *\n"
      "lorem ipsum\n"
      "disallow: /secret\n"sv;
  CHECK_FALSE(allowed(garbage, "a", "/secret"));
  CHECK(allowed(garbage, "a", "/public"));
  const std::string binary(4096, '\0');
  CHECK(allowed(binary, "a", "/x"));
}

TEST_CASE("robots: Crawl-delay") {
  CHECK(parse_robots("user-agent: *\ncrawl-delay: 2\n", "a").crawl_delay == 2.0);
  CHECK(parse_robots("user-agent: *\ncrawl-delay: 0.5\n", "a").crawl_delay == 0.5);
  CHECK(parse_robots("user-agent: *\ncrawl-delay: 10s\n", "a").crawl_delay == 10.0);
  CHECK(parse_robots("user-agent: *\ncrawl-delay: 0\n", "a").crawl_delay == 0.0);
  CHECK(parse_robots("user-agent: *\ncrawl-delay: 86400\n", "a").crawl_delay == kMaxCrawlDelay);
  CHECK(parse_robots("user-agent: *\ncrawl-delay: 1e999\n", "a").crawl_delay == kMaxCrawlDelay);
  CHECK(parse_robots("user-agent: *\ncrawl-delay: inf\n", "a").crawl_delay == kMaxCrawlDelay);
  for (const char* bad : {"-1", "nan", "NaN", "-inf", "soon", "", "-1e999"}) {
    INFO(bad);
    CHECK_FALSE(parse_robots("user-agent: *\ncrawl-delay: " + std::string(bad) + "\n", "a").crawl_delay);
  }
  // Only the group that applies; the largest of merged groups.
  CHECK_FALSE(parse_robots("user-agent: b\ncrawl-delay: 5\n", "a").crawl_delay);
  CHECK(parse_robots("user-agent: a\ncrawl-delay: 1\nuser-agent: *\ncrawl-delay: 9\n", "a").crawl_delay == 1.0);
  CHECK(parse_robots("user-agent: a\ncrawl-delay: 1\n\nuser-agent: a\ncrawl-delay: 3\n", "a").crawl_delay == 3.0);
  // A Crawl-delay ends the run of User-agent lines: b gets its own group.
  const RobotsTxt b = parse_robots("user-agent: a\ncrawl-delay: 4\nuser-agent: b\ndisallow: /\n", "b");
  CHECK_FALSE(b.crawl_delay);
  CHECK_FALSE(b.allowed("/x"));
  CHECK(parse_robots("user-agent: a\ncrawl-delay: 4\nuser-agent: b\ndisallow: /\n", "a").allowed("/x"));
}

TEST_CASE("robots: Sitemap lines from anywhere") {
  const RobotsTxt r = parse_robots(
      "Sitemap: https://example.org/s1.xml\n"
      "user-agent: other\n"
      "sitemap: https://example.org/s2.xml.gz\n"
      "disallow: /\n"
      "SITEMAP:https://example.org/s1.xml\n"
      "Sitemap:\n",
      "a");
  CHECK(r.sitemaps == std::vector<std::string>{"https://example.org/s1.xml", "https://example.org/s2.xml.gz"});
  CHECK(r.allowed("/x"));
}

TEST_CASE("robots: rules kept in file order, normalised") {
  const RobotsTxt r = parse_robots("user-agent: *\nallow: /a%7e\ndisallow: /b c\n", "x");
  CHECK(r.rules == std::vector<RobotsRule>{{"/a~", true}, {"/b%20c", false}});
}

TEST_CASE("robots: read up to 500 KiB, the cut line dropped") {
  std::string text = "user-agent: *\ndisallow: /early\n";
  while (text.size() < kMaxRobotsBytes - 20) text += "# padding padding padding\n";
  text += "disallow: /straddles-the-limit-and-is-dropped\n";
  text += "disallow: /late\n";
  const RobotsTxt r = parse_robots(text, "x");
  CHECK(r.truncated);
  CHECK_FALSE(r.allowed("/early"));
  CHECK(r.allowed("/straddles-the-limit-and-is-dropped"));
  CHECK(r.allowed("/late"));
  CHECK_FALSE(parse_robots("user-agent: *\ndisallow: /x\n", "x").truncated);
}

TEST_CASE("robots: long patterns and paths stay fast") {
  std::string text = "user-agent: *\n";
  for (int i = 0; i < 1000; ++i) text += "disallow: /" + std::string(200, 'a') + "*" + std::string(200, 'b') + "*c$\n";
  const RobotsTxt r = parse_robots(text, "x");
  const std::string path = "/" + std::string(4000, 'a') + std::string(4000, 'b');
  CHECK(r.allowed(path));  // 1000 rules x 8 KB path: a few million byte compares
}
