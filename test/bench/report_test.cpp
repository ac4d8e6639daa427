// bench/report.h and bench/plot.h: the table in every format, and the charts.
#include "bench/report.h"

#include <catch2/catch.hpp>

#include "bench/plot.h"
#include "common/json_reader.h"

using namespace conc::bench;

namespace {

Options options() {
  Options o;
  o.subcommand = "wordcount";
  o.strategies = {"seq", "steal"};
  o.default_strategy = "steal";
  o.threads = {1, 2};
  o.default_threads = 2;
  o.args.args = {"--top", "3", "my file.txt"};
  o.repeat = 3;
  o.warmup = 1;
  return o;
}

ConfigResult config(const std::string& strategy, std::size_t threads, std::vector<double> walls, bool workers) {
  ConfigResult c;
  c.config = {strategy, threads};
  for (const double w : walls) {
    RunSample s;
    s.wall = w;
    s.cpu = w * static_cast<double>(threads);
    s.max_rss = 10'000'000;
    c.runs.push_back(s);
  }
  c.wall = summarize(walls);
  c.cpu = median(walls) * static_cast<double>(threads);
  c.max_rss = 10'000'000;
  c.throughput = 2e6 / c.wall.median;
  c.has_workers = workers;
  c.steals = workers ? 12 : 0;
  c.idle_share = workers ? 0.25 : 0;
  return c;
}

Result result() {
  Result r;
  r.baseline = "seq -j 1";
  r.work_unit = "word";
  r.compared = "stdout";
  r.configs = {config("seq", 1, {2.0, 2.0, 2.0}, false), config("steal", 1, {2.2, 2.2, 2.2}, true),
               config("steal", 2, {1.0, 1.1, 0.9}, true)};
  for (auto& c : r.configs) {
    c.speedup = 2.0 / c.wall.median;
    c.efficiency = *c.speedup / static_cast<double>(c.config.threads);
  }
  return r;
}

}  // namespace

TEST_CASE("the text table has a row per configuration, the default marked, units on every figure") {
  const std::string t = render_report(options(), result(), Format::kText);
  CHECK(t ==
        "conc bench wordcount --strategies seq,steal --threads 1,2 --warmup 1 --repeat 3 -- --top 3 'my file.txt'\n"
        "3 timed runs per configuration, interleaved, after 1 warm-up; speed-up over seq -j 1; stdout compared: "
        "every run agrees\n"
        "\n"
        "strategy  threads  median   mean ± sd           min … max           speed-up  efficiency  cpu      peak RSS  "
        "throughput        steals  idle  blocked\n"
        "seq       1        2.000 s  2.000 s ± 0.0 ms    2.000 s … 2.000 s   1.00x     100%        2.000 s  9.5 MiB   "
        "1.00 M words/s    -       -     -\n"
        "steal     1        2.200 s  2.200 s ± 0.0 ms    2.200 s … 2.200 s   0.91x     91%         2.200 s  9.5 MiB   "
        "909.09 k words/s  12      25%   -\n"
        "steal *   2        1.000 s  1.000 s ± 100.0 ms  900.0 ms … 1.100 s  2.00x     100%        2.000 s  9.5 MiB   "
        "2.00 M words/s    12      25%   -\n"
        "* the default: conc wordcount without -s or -j runs steal at 2 threads\n");
}

TEST_CASE("a default configuration that was not timed is said so") {
  Options o = options();
  o.default_threads = 4;
  const std::string t = render_report(o, result(), Format::kText);
  CHECK(t.find(" *") == std::string::npos);
  CHECK(t.find("\nconc wordcount without -s or -j runs steal at 4 threads (not among these)\n") != std::string::npos);
}

TEST_CASE("the command line in the report names every option, quoted for a shell") {
  Options o = options();
  o.prepare = "sync; echo 3 > /proc/sys/vm/drop_caches";
  o.input = "in put.txt";
  o.program = "/opt/conc";
  o.program_given = true;
  o.args.args.push_back(std::string("tab\there\xff'", 10));
  const std::string t = render_report(o, result(), Format::kText);
  CHECK(t.find(" $'tab\\x09here\\xff\\''\n") != std::string::npos);  // bash reads it back byte for byte
  CHECK(t.rfind("conc bench wordcount --strategies seq,steal --threads 1,2 --warmup 1 --repeat 3 --prepare 'sync; echo "
                "3 > /proc/sys/vm/drop_caches' --input 'in put.txt' --conc /opt/conc -- --top 3 'my file.txt' ",
                0) == 0);
}

TEST_CASE("disagreements, failures and warnings close the text report") {
  Result r = result();
  r.disagreements.push_back({"seq -j 1", "steal -j 2", "stdout differs at byte 7"});
  r.configs[1].failure = "a timed run killed by SIGSEGV: (nothing on stderr)";
  r.configs[1].runs.clear();
  r.configs[2].warnings = {"runs vary by 12% of their mean"};
  const std::string t = render_report(options(), r, Format::kText);
  CHECK(t.find("stdout compared: 1 disagreement; 1 configuration failed\n") != std::string::npos);
  CHECK(t.find("\nsteal     1        FAILED\n") != std::string::npos);
  CHECK(t.find("\nDISAGREE: steal -j 2 and seq -j 1: stdout differs at byte 7\n"
               "FAILED: steal -j 1: a timed run killed by SIGSEGV: (nothing on stderr)\n"
               "warning: steal -j 2: runs vary by 12% of their mean\n") != std::string::npos);
}

TEST_CASE("csv has one header and a row per configuration") {
  const std::string c = render_report(options(), result(), Format::kCsv);
  CHECK(c.rfind("strategy,threads,default,runs,median_s,", 0) == 0);
  CHECK(std::count(c.begin(), c.end(), '\n') == 4);
  CHECK(c.find("\nsteal,2,yes,3,1.000000,1.000000,0.100000,0.900000,1.100000,0,2.000000,1.000000,2.000000,10000000,"
               "2000000.000000,word/s,12.000000,0.250000,,0,\n") != std::string::npos);
}

TEST_CASE("markdown is a pipe table with the command in code") {
  const std::string m = render_report(options(), result(), Format::kMarkdown);
  CHECK(m.rfind("```sh\nconc bench wordcount --strategies seq,steal --threads 1,2 --warmup 1 --repeat 3 -- --top 3 'my "
                "file.txt'\n```\n\n",
                0) == 0);
  CHECK(m.find("| strategy | threads | median |") != std::string::npos);
  CHECK(m.find("| --- | --- | ---: |") != std::string::npos);
  CHECK(m.find("| steal * | 2 | 1.000 s |") != std::string::npos);
  CHECK(m.find("\n\\* the default: conc wordcount without -s or -j runs steal at 2 threads\n") != std::string::npos);
}

TEST_CASE("json holds every figure and every run") {
  const auto doc = conc::common::Json::parse(render_report(options(), result(), Format::kJson));
  CHECK(doc.at("subcommand").string() == "wordcount");
  CHECK(doc.at("args").size() == 3);
  CHECK(doc.at("baseline").string() == "seq -j 1");
  CHECK(doc.at("agree").boolean());
  const auto& configs = doc.at("configurations").array();
  REQUIRE(configs.size() == 3);
  CHECK(configs[2].at("default").boolean());
  CHECK_FALSE(configs[1].at("default").boolean());
  CHECK(configs[2].at("wall_seconds").at("median").number() == Approx(1.0));
  CHECK(configs[2].at("runs").size() == 3);
  CHECK(configs[0].at("steals").is_null());  // seq has no workers to steal
  CHECK(configs[2].at("steals").number() == 12);
  CHECK(configs[2].at("speedup").number() == Approx(2.0));
}

TEST_CASE("the speed-up chart has one series per strategy, an ideal line and a legend") {
  const std::string svg = plot_speedup(options(), result());
  CHECK(svg.find("<title>seq</title>") != std::string::npos);
  CHECK(svg.find("<title>steal</title>") != std::string::npos);
  CHECK(svg.find("<g class=\"ideal\">") != std::string::npos);
  CHECK(svg.find(">steal (default)</text>") != std::string::npos);
  CHECK(svg.find(">threads (-j, log scale)</text>") != std::string::npos);
  CHECK(svg.find(">speed-up over seq -j 1</text>") != std::string::npos);
  std::size_t series = 0;
  for (auto at = svg.find("class=\"series\""); at != std::string::npos; at = svg.find("class=\"series\"", at + 1))
    ++series;
  CHECK(series == 2);
}

TEST_CASE("the time chart has a bar per configuration with figures") {
  Result r = result();
  r.configs[1].failure = "exited 3";
  const std::string svg = plot_time(options(), r);
  CHECK(svg.find("<title>seq -j 1: median 2.000 s</title>") != std::string::npos);
  CHECK(svg.find("<title>steal -j 2: median 1.000 s</title>") != std::string::npos);
  CHECK(svg.find("steal -j 1:") == std::string::npos);  // failed: no bar
}
