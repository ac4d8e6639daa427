// wordcount's --merge on arbitrary inputs (parts of a --shard job other
// nodes wrote, which a crash, a full disk or a hand edit may have damaged,
// or plain word<TAB>count files): the input is cut at "\n====\n" into up to
// four files, each a memfd. The merge must either refuse with one
// std::runtime_error of one line, or succeed; every diagnostic it prints,
// relayed lines of the parts included, is one printable line; and what it
// counted sums to its word total (which stops at 2^64-1).
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "common/diagnostics.h"
#include "common/saturating.h"
#include "require.h"
#include "wordcount/wordcount.h"

namespace {

// An input as a file: a memfd, named through /proc.
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

bool printable_line(std::string_view line) {
  for (const char c : line) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  constexpr std::string_view kCut = "\n====\n";
  std::vector<std::unique_ptr<MemoryFile>> files;
  conc::wordcount::Options options;
  options.merge = true;
  options.threads = 1;
  while (files.size() < 4) {
    const std::size_t cut = rest.find(kCut);
    files.push_back(std::make_unique<MemoryFile>(rest.substr(0, cut)));
    options.inputs.push_back(files.back()->path());
    if (cut == std::string_view::npos) break;
    rest.remove_prefix(cut + kCut.size());
  }
  std::vector<std::string> lines;
  conc::common::Diagnostics diag("wordcount", [&](std::string_view line) { lines.emplace_back(line); });
  conc::wordcount::Result result;
  try {
    result = conc::wordcount::count_words(options, diag, std::stop_token{}, nullptr);
  } catch (const std::runtime_error& e) {
    CONC_FUZZ_REQUIRE(std::string_view(e.what()).find('\n') == std::string_view::npos);
    for (const std::string& line : lines) CONC_FUZZ_REQUIRE(printable_line(line));
    return 0;
  }
  for (const std::string& line : lines) CONC_FUZZ_REQUIRE(printable_line(line));
  std::uint64_t sum = 0;
  for (const auto& wc : result.sorted) {
    CONC_FUZZ_REQUIRE(!wc.word.empty() && wc.count > 0);
    sum = conc::common::saturating_add(sum, wc.count);
  }
  CONC_FUZZ_REQUIRE(sum == result.totals.words);
  CONC_FUZZ_REQUIRE(result.sorted.size() == result.totals.distinct);
  return 0;
}
