// conc hash -c against the real sha256sum -c on the same check file: the
// same verdicts, the same warnings (blank lines ignored, whitespace-only and
// bad lines improperly formatted), the same exit codes, with and without
// --strict and --warn.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "process.h"
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
