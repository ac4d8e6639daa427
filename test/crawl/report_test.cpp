#include "crawl/report.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "temp_dir.h"

using conc::crawl::Format;
using conc::crawl::Record;
using conc::crawl::ReportOptions;

namespace {

std::vector<Record> sample() {
  Record ok;
  ok.url = "http://h/";
  ok.final_url = "http://h/";
  ok.status = 200;
  ok.content_type = "text/html";
  ok.bytes = 120;
  ok.time_ms = 7;
  Record gone;
  gone.url = "http://h/gone";
  gone.final_url = "http://h/gone";
  gone.status = 404;
  gone.depth = 1;
  gone.referrer = "http://h/";
  gone.referrers = {{"http://h/", 3}, {"http://h/a,b", 9}};
  gone.content_type = "text/html";
  gone.bytes = 9;
  gone.broken = true;
  gone.retries = 1;
  Record moved;
  moved.url = "http://h/old";
  moved.final_url = "http://h/new";
  moved.status = 0;
  moved.depth = 1;
  moved.referrer = "http://h/";
  moved.redirects = {"http://h/new"};
  moved.error = "timeout";
  moved.broken = true;
  moved.referrers = {{"http://h/", 4}};
  return {ok, gone, moved};
}

std::string render(Format format, bool timings = false, bool verbose = false) {
  conc::test::TempDir dir;
  const std::string path = (dir.path / "out").string();
  {
    conc::common::Output out(path);
    conc::crawl::Summary summary;
    summary.pages = 1;
    summary.urls = 3;
    summary.broken = 2;
    conc::crawl::write_report(out, sample(), summary, ReportOptions{format, timings, verbose});
    out.commit();
  }
  return conc::test::slurp(path);
}

}  // namespace

TEST_CASE("crawl text report: broken links with every referrer, -v adds the rest") {
  CHECK(render(Format::kText) ==
        "404 http://h/gone\n"
        "    from http://h/ line 3\n"
        "    from http://h/a,b line 9\n"
        "--- http://h/old -> http://h/new (timeout)\n"
        "    from http://h/ line 4\n");
  CHECK(render(Format::kText, false, true).substr(0, 16) == "200 http://h/\n40");
}

TEST_CASE("crawl jsonl report: one object per record with the documented keys") {
  CHECK(render(Format::kJsonl) ==
        R"({"url":"http://h/","final_url":"http://h/","status":200,"depth":0,"referrer":null,"referrers":[],)"
        R"("content_type":"text/html","bytes":120,"redirects":[],"error":null})"
        "\n"
        R"({"url":"http://h/gone","final_url":"http://h/gone","status":404,"depth":1,"referrer":"http://h/",)"
        R"("referrers":[{"url":"http://h/","line":3},{"url":"http://h/a,b","line":9}],"content_type":"text/html",)"
        R"("bytes":9,"redirects":[],"error":null})"
        "\n"
        R"({"url":"http://h/old","final_url":"http://h/new","status":0,"depth":1,"referrer":"http://h/",)"
        R"("referrers":[{"url":"http://h/","line":4}],"content_type":null,"bytes":0,"redirects":["http://h/new"],)"
        R"("error":"timeout"})"
        "\n");
  const std::string timed = render(Format::kJsonl, true);
  CHECK(timed.find(R"("error":null,"time_ms":7,"retries":0})") != std::string::npos);
  CHECK(timed.find(R"("error":null,"time_ms":0,"retries":1})") != std::string::npos);
}

TEST_CASE("crawl json report: the records and the summary in one document") {
  const std::string doc = render(Format::kJson);
  CHECK(doc.rfind(R"({"records":[{"url":"http://h/",)", 0) == 0);
  CHECK(doc.find(R"(],"summary":{"pages":1,"urls":3,"links":0,"broken":2,"errors":0,)") != std::string::npos);
  CHECK(doc.substr(doc.size() - 2) == "}\n");
}

TEST_CASE("crawl csv report: a header and RFC 4180 rows") {
  CHECK(render(Format::kCsv) ==
        "url,final_url,status,depth,referrer,content_type,bytes,redirects,error,referrers\n"
        "http://h/,http://h/,200,0,,text/html,120,,,\n"
        "http://h/gone,http://h/gone,404,1,http://h/,text/html,9,,,\"http://h/:3 http://h/a,b:9\"\n"
        "http://h/old,http://h/new,0,1,http://h/,,0,http://h/new,timeout,http://h/:4\n");
}

TEST_CASE("crawl junit report: one testcase per URL, broken ones failed, XML escaped") {
  auto records = sample();
  records[1].url = "http://h/gone?a=1&b=<2>";
  conc::test::TempDir dir;
  const std::string path = (dir.path / "out.xml").string();
  {
    conc::common::Output out(path);
    conc::crawl::write_report(out, records, {}, ReportOptions{Format::kJunit, false, false});
    out.commit();
  }
  CHECK(conc::test::slurp(path) ==
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<testsuites>\n<testsuite name=\"conc crawl\" tests=\"3\" failures=\"2\" errors=\"0\">\n"
        "<testcase classname=\"crawl\" name=\"http://h/\"/>\n"
        "<testcase classname=\"crawl\" name=\"http://h/gone?a=1&amp;b=&lt;2&gt;\"><failure message=\"status 404\">"
        "from http://h/ line 3\nfrom http://h/a,b line 9\n</failure></testcase>\n"
        "<testcase classname=\"crawl\" name=\"http://h/old\"><failure message=\"timeout\">from http://h/ line 4\n"
        "</failure></testcase>\n"
        "</testsuite>\n</testsuites>\n");
}

TEST_CASE("crawl summary line names every count that is not zero") {
  conc::crawl::Summary s;
  s.pages = 10;
  s.urls = 12;
  s.links = 200;
  s.broken = 1;
  s.requests = 14;
  CHECK(conc::crawl::summary_line(s) ==
        "pages 10, urls 12, links 200, broken 1, errors 0, requests 14, cut by guards 0, 0 urls/s");
  s.cut_repeats = 2;
  s.robots_disallowed = 3;
  s.skipped_schemes = 4;
  CHECK(conc::crawl::summary_line(s) ==
        "pages 10, urls 12, links 200, broken 1, errors 0, requests 14, cut by guards 2 (url length 0, repeated "
        "segments 2, max pages 0, depth 0), disallowed by robots.txt 3, other schemes skipped 4, 0 urls/s");
}
