// The sha256sum line formats: written byte for byte as coreutils does, read back.
#include <catch2/catch.hpp>
#include <string>

#include "hash/checksum_line.h"

using conc::common::Algo;
using conc::hash::format_line;
using conc::hash::LineStyle;
using conc::hash::parse_checksum_line;

namespace {
const std::string kAbc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
}

TEST_CASE("GNU and tag lines, escaped as coreutils escapes them") {
  CHECK(format_line(LineStyle::kGnu, Algo::kSha256, kAbc, "a b", false) == kAbc + "  a b\n");
  CHECK(format_line(LineStyle::kGnu, Algo::kSha256, kAbc, "-x", false) == kAbc + "  -x\n");
  CHECK(format_line(LineStyle::kGnu, Algo::kSha256, kAbc, "new\nline", false) == "\\" + kAbc + "  new\\nline\n");
  CHECK(format_line(LineStyle::kGnu, Algo::kSha256, kAbc, "back\\slash", false) == "\\" + kAbc + "  back\\\\slash\n");
  CHECK(format_line(LineStyle::kGnu, Algo::kSha256, kAbc, "cr\rx", false) == "\\" + kAbc + "  cr\\rx\n");
  CHECK(format_line(LineStyle::kTag, Algo::kSha256, kAbc, "a", false) == "SHA256 (a) = " + kAbc + "\n");
  CHECK(format_line(LineStyle::kTag, Algo::kSha256, kAbc, "new\nline", false) ==
        "\\SHA256 (new\\nline) = " + kAbc + "\n");
  CHECK(format_line(LineStyle::kTag, Algo::kBlake2b, "00", "f", false) == "BLAKE2b (f) = 00\n");
  // -z: NUL-terminated, nothing escaped
  CHECK(format_line(LineStyle::kGnu, Algo::kSha256, kAbc, "new\nline", true) ==
        kAbc + "  new\nline" + std::string(1, '\0'));
  CHECK(conc::hash::display_name("new\nline") == "\\new\\nline");
  CHECK(conc::hash::display_name("plain") == "plain");
  CHECK(conc::hash::display_name("back\\slash") == "back\\slash");
  CHECK(conc::hash::display_name("cr\rx") == "cr\rx");
  CHECK(conc::hash::display_name("b\\s\nn\rc") == "\\b\\\\s\\nn\\rc");
}

TEST_CASE("what is written is read back, in both styles") {
  for (const std::string name : {"a", "a b", "new\nline", "back\\slash", "cr\rx", "x) = y", " lead"}) {
    for (auto style : {LineStyle::kGnu, LineStyle::kTag}) {
      const auto line = format_line(style, Algo::kSha256, kAbc, name, false);
      const auto parsed = parse_checksum_line(line, Algo::kSha256);
      INFO(line);
      REQUIRE(parsed);
      CHECK(parsed->name == name);
      CHECK(parsed->hex == kAbc);
      CHECK(parsed->algo == Algo::kSha256);
    }
  }
}

TEST_CASE("check lines: CRLF, binary marker, uppercase hex, tags of other algorithms") {
  auto p = parse_checksum_line(kAbc + " *file\r\n", Algo::kSha256);
  REQUIRE(p);
  CHECK(p->name == "file");
  std::string upper = kAbc;
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  p = parse_checksum_line(upper + "  f", Algo::kSha256);
  REQUIRE(p);
  CHECK(p->hex == kAbc);
  p = parse_checksum_line("MD5 (x) = 900150983cd24fb0d6963f7d28e17f72", Algo::kSha256);
  REQUIRE(p);
  CHECK(p->algo == Algo::kMd5);
  p = parse_checksum_line("XXH3 (x) = 78af5f94892f3950", Algo::kSha256);
  REQUIRE(p);
  CHECK(p->algo == Algo::kXxh3);
}

TEST_CASE("improperly formatted lines are refused") {
  const Algo s = Algo::kSha256;
  CHECK_FALSE(parse_checksum_line("", s));
  CHECK_FALSE(parse_checksum_line("garbage line", s));
  CHECK_FALSE(parse_checksum_line(kAbc.substr(1) + "  f", s));                 // short digest
  CHECK_FALSE(parse_checksum_line(kAbc + "0  f", s));                          // long digest
  CHECK_FALSE(parse_checksum_line("g" + kAbc.substr(1) + "  f", s));           // not hex
  CHECK_FALSE(parse_checksum_line(kAbc + "  ", s));                            // no name
  CHECK_FALSE(parse_checksum_line(kAbc + "-f", s));                            // no separator
  CHECK_FALSE(parse_checksum_line("\\" + kAbc + "  bad\\escape", s));          // unknown escape
  CHECK_FALSE(parse_checksum_line("SHA256 (f) = " + kAbc.substr(2), s));       // tag, short digest
  CHECK_FALSE(parse_checksum_line("CRC32 (f) = 00000000", s));                 // unknown tag
  CHECK_FALSE(parse_checksum_line("900150983cd24fb0d6963f7d28e17f72  f", s));  // md5 length for sha256
  CHECK(parse_checksum_line("900150983cd24fb0d6963f7d28e17f72  f", Algo::kMd5));
}
