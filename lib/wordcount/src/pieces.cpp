#include "wordcount/pieces.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>


namespace conc::wordcount {
namespace {

// Reads a stream in blocks; each block ends at a cut, the rest is carried
// into the next block.
void cut_stream(int fd, const std::string& name, std::size_t chunk_size, const Tokenizer& tokenizer,
                common::Diagnostics& diag, std::stop_token stop, const std::function<void(Piece&&)>& sink) {
  std::string block;
  bool eof = false;
  while (!eof && !stop.stop_requested()) {
    std::size_t have = block.size();
    block.resize(have + chunk_size);
    while (have < block.size()) {
      // Wait for data in slices so that Ctrl-C ends the run even while the
      // writer of a pipe stays silent (the signal may land on another thread).
      pollfd pfd{fd, POLLIN, 0};
      if (::poll(&pfd, 1, 100) <= 0) {  // timeout, or EINTR (the signal itself)
        if (stop.stop_requested()) return;
        continue;
      }
      const ssize_t n = ::read(fd, block.data() + have, block.size() - have);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) diag.error(name, common::errno_reason(errno));
      if (n <= 0) {
        eof = true;
        break;
      }
      have += static_cast<std::size_t>(n);
    }
    block.resize(have);
    std::string carry;
    if (!eof) {
      const std::size_t cut = tokenizer.last_cut(block);
      if (cut == std::string_view::npos) continue;  // one word so far: read on
      carry.assign(block, cut, std::string::npos);
      block.resize(cut);
    }
    if (!block.empty()) {
      auto owned = std::make_shared<const std::string>(std::move(block));
      const std::string_view view(*owned);
      sink(Piece{view, std::move(owned)});
    }
    block = std::move(carry);
  }
}

}  // namespace

void for_each_piece(const std::vector<common::InputFile>& inputs, std::size_t chunk_size,
                    const Tokenizer& tokenizer, common::Diagnostics& diag, std::stop_token stop,
                    const std::function<void(Piece&&)>& sink) {
  if (chunk_size == 0) chunk_size = 1;
  for (const auto& in : inputs) {
    if (stop.stop_requested()) return;
    if (in.is_stdin) {
      cut_stream(STDIN_FILENO, "-", chunk_size, tokenizer, diag, stop, sink);
      continue;
    }
    const int fd = ::open(in.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      diag.error(in.path, common::errno_reason(errno));
      continue;
    }
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    cut_stream(fd, in.path, chunk_size, tokenizer, diag, stop, sink);
    ::close(fd);
  }
}

}  // namespace conc::wordcount
