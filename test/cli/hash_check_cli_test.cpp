// conc hash -c against the real sha256sum -c on the same check file: the
// same verdicts, the same warnings (blank lines ignored, whitespace-only and
// bad lines improperly formatted), the same exit codes, with and without
// --strict and --warn; the same order of verdicts, warnings and per-file
// summaries with stdout and stderr merged.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "process.h"
#include "strategy_names.h"
#include "temp_dir.h"

using conc::test::run_process;
using conc::test::TempDir;

namespace {

const std::string kConc = CONC_BINARY;

// sha256sum's stderr in conc's words.
std::string as_conc(std::string err) {
  const std::string from = "sha256sum: ";
  for (std::size_t at = 0; (at = err.find(from, at)) != std::string::npos;) {
    err.replace(at, from.size(), "conc hash: ");
    at += from.size();
  }
  return err;
}

}  // namespace

TEST_CASE("hash -c: blank lines, comments and bad lines are counted as sha256sum -c counts them") {
  TempDir dir;
  (void)dir.write("a.txt", "abc");
  const std::string sum = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  a.txt\n";
  const std::string kinds[] = {
      sum + "\n# comment\nbad line\n   \n\n" + sum + "zzz\n\r\n",  // blank, CR-only, whitespace-only, bad
      sum + "\n\n",                                                // only blank lines besides the good one
      "\n\n",                                                      // nothing but blank lines
  };
  for (const auto& text : kinds) {
    const auto sums = dir.write("SUMS", text);
    for (const std::vector<std::string>& flags :
         {std::vector<std::string>{}, {"--strict"}, {"-w"}, {"--strict", "-w"}}) {
      CAPTURE(text, flags);
      std::vector<std::string> real = {"sha256sum", "-c"};  // by PATH: it names itself as invoked
      std::vector<std::string> ours = {kConc, "hash", "-c"};
      real.insert(real.end(), flags.begin(), flags.end());
      ours.insert(ours.end(), flags.begin(), flags.end());
      real.push_back("SUMS");
      ours.push_back("SUMS");
      // Relative names, so the messages match word for word: run in the directory.
      std::vector<std::string> real_sh = {"/bin/sh", "-c", "cd '" + dir.path.string() + "' && exec \"$@\"", "sh"};
      std::vector<std::string> ours_sh = real_sh;
      real_sh.insert(real_sh.end(), real.begin(), real.end());
      ours_sh.insert(ours_sh.end(), ours.begin(), ours.end());
      const auto r = run_process(real_sh);
      const auto c = run_process(ours_sh);
      CHECK(c.exit_code == r.exit_code);
      CHECK(c.out == r.out);
      CHECK(c.err == as_conc(r.err));
    }
  }
}

TEST_CASE(
    "hash -c: verdicts, warnings and summaries interleave as sha256sum -c prints them, stdout and stderr merged") {
  TempDir dir;
  (void)dir.write("a.txt", "abc");
  (void)dir.write("b.txt", "beta");
  const std::string a = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  a.txt\n";
  const std::string zeros(64, '0');
  // Good, bad, mismatched and missing lines mixed, with a comment, a blank
  // and a CRLF line; a check file with no checksum line; a mostly good one.
  (void)dir.write("SUMS", a + "bad line\n# comment\n" + zeros + "  b.txt\n\nzzz\n" + zeros + "  gone\n" +
                              a.substr(0, a.size() - 1) + "\r\n");
  (void)dir.write("EMPTYISH", "# nothing\n\n");
  (void)dir.write("S2", a + zeros + "  gone\n");
  for (const std::string files : {"SUMS", "SUMS nope SUMS", "SUMS EMPTYISH S2", "S2 SUMS"}) {
    for (const std::string flags :
         {"", "-w", "--strict", "-w --strict", "--quiet", "--status", "--ignore-missing -w"}) {
      // Run in the directory, so both name the files alike; 2>&1: one stream.
      const std::string cd = "cd '" + dir.path.string() + "' && ";
      const auto real = run_process({"/bin/sh", "-c", cd + "sha256sum -c " + flags + " " + files + " 2>&1"});
      for (const std::string& strategy : conc::test::hash_strategies()) {
        CAPTURE(files, flags, strategy);
        const auto ours =
            run_process({"/bin/sh", "-c",
                         cd + "'" + kConc + "' hash -s " + strategy + " -j 3 -c " + flags + " " + files + " 2>&1"});
        CHECK(ours.exit_code == real.exit_code);
        CHECK(ours.out == as_conc(real.out));
      }
    }
  }
}
