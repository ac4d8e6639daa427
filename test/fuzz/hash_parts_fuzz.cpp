// hash::merge_parts on arbitrary parts (--merge reads files other nodes
// wrote, which a crash, a full disk or a hand edit may have damaged): the
// input is cut at "\n====\n" into up to four parts, each a memfd. The merge
// must either refuse with one std::runtime_error or succeed; and what it
// writes is then a merge of the parts it was given: as many records as their
// headers list, failures aside, and each line it relays is one printable line.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/diagnostics.h"
#include "common/output.h"
#include "hash/shard_part.h"
#include "require.h"

namespace {

// A part as a file the merge can open twice: a memfd, named through /proc.
class MemoryFile {
 public:
  explicit MemoryFile(std::string_view bytes) : fd_(::memfd_create("part", 0)) {
    CONC_FUZZ_REQUIRE(fd_ >= 0);
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
      CONC_FUZZ_REQUIRE(n > 0);
      done += static_cast<std::size_t>(n);
    }
  }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;
  ~MemoryFile() { ::close(fd_); }
  [[nodiscard]] std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

 private:
  int fd_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  constexpr std::string_view kCut = "\n====\n";
  std::vector<std::unique_ptr<MemoryFile>> files;
  std::vector<std::string> paths;
  while (files.size() < 4) {
    const std::size_t cut = rest.find(kCut);
    files.push_back(std::make_unique<MemoryFile>(rest.substr(0, cut)));
    paths.push_back(files.back()->path());
    if (cut == std::string_view::npos) break;
    rest.remove_prefix(cut + kCut.size());
  }
  std::vector<std::string> relayed;
  conc::common::Diagnostics diag("hash", [&](std::string_view line) { relayed.emplace_back(line); });
  conc::common::Output out("/dev/null");
  try {
    conc::hash::merge_parts(paths, out, diag, {});
  } catch (const std::runtime_error& e) {
    CONC_FUZZ_REQUIRE(relayed.empty());  // refused before a word was said
    CONC_FUZZ_REQUIRE(std::string_view(e.what()).find('\n') == std::string_view::npos);  // one line
    return 0;
  }
  CONC_FUZZ_REQUIRE(relayed.size() == diag.errors());
  // A part's failure lines are relayed: whatever a hand edit put in them,
  // each stays one printable line.
  for (const std::string& line : relayed) {
    for (const char c : line) CONC_FUZZ_REQUIRE(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f);
  }
  return 0;
}
