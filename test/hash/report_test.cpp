// conc hash's output formats and check summary, as the CLI prints them.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>

#include "hash/report.h"
#include "temp_dir.h"

using conc::common::Algo;
using conc::hash::Format;
using conc::hash::LineStyle;
using conc::hash::ResultWriter;
using conc::test::slurp;
using conc::test::TempDir;

namespace {

const std::string kAbc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

std::string render(Format format, LineStyle style, int files) {
  TempDir dir;
  const std::string path = (dir.path / "out").string();
  {
    conc::common::Output out(path);
    ResultWriter w(out, format, style, Algo::kSha256, false);
    for (int i = 0; i < files; ++i) w.add(i == 0 ? "a b" : "c\"d", kAbc, 3);
    w.finish();
    out.commit();
  }
  return slurp(path);
}

}  // namespace

TEST_CASE("ResultWriter: text lines, json array, jsonl objects") {
  CHECK(render(Format::kText, LineStyle::kGnu, 2) == kAbc + "  a b\n" + kAbc + "  c\"d\n");
  CHECK(render(Format::kText, LineStyle::kTag, 1) == "SHA256 (a b) = " + kAbc + "\n");
  const std::string a = R"({"path":"a b","algo":"sha256","digest":")" + kAbc + R"(","size":3})";
  const std::string c = R"({"path":"c\"d","algo":"sha256","digest":")" + kAbc + R"(","size":3})";
  CHECK(render(Format::kJson, LineStyle::kGnu, 2) == "[\n  " + a + ",\n  " + c + "\n]\n");
  CHECK(render(Format::kJson, LineStyle::kGnu, 0) == "[]\n");
  CHECK(render(Format::kJsonl, LineStyle::kGnu, 2) == a + "\n" + c + "\n");
  CHECK(render(Format::kJsonl, LineStyle::kGnu, 0).empty());
}

TEST_CASE("check_warnings: coreutils' summary lines, singular and plural, in its order") {
  conc::hash::CheckSummary s;
  CHECK(conc::hash::check_warnings(s).empty());
  s.misformatted = 1;
  s.unreadable = 2;
  s.mismatched = 1;
  s.new_files = 3;
  CHECK(conc::hash::check_warnings(s) == std::vector<std::string>{
                                             "WARNING: 1 line is improperly formatted",
                                             "WARNING: 2 listed files could not be read",
                                             "WARNING: 1 computed checksum did NOT match",
                                             "WARNING: 3 files are not listed in the checksum files",
                                         });
  s = {};
  s.misformatted = 2;
  s.unreadable = 1;
  s.mismatched = 3;
  s.new_files = 1;
  CHECK(conc::hash::check_warnings(s) == std::vector<std::string>{
                                             "WARNING: 2 lines are improperly formatted",
                                             "WARNING: 1 listed file could not be read",
                                             "WARNING: 3 computed checksums did NOT match",
                                             "WARNING: 1 file is not listed in the checksum files",
                                         });
}
