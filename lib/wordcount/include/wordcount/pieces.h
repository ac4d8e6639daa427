// wordcount/pieces.h: inputs cut into pieces that can be counted independently.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "common/diagnostics.h"
#include "common/file_walk.h"
#include "wordcount/tokenizer.h"
#include "wordcount/word_table.h"

namespace conc::wordcount {

/// A run of input bytes cut at a separator, so that no word spans two
/// pieces. `owner` keeps the bytes alive (a block read from the input) for as
/// long as the piece exists. The bytes are the piece's own: a counter may
/// rewrite them (fold their case) in place. They are followed by
/// kWordPadding readable bytes, so key_of_padded() may take its words.
struct Piece {
  std::span<char> bytes;
  std::shared_ptr<const void> owner;

  [[nodiscard]] std::string_view text() const noexcept { return {bytes.data(), bytes.size()}; }
};

/// Produces the pieces of `inputs` in order and hands each to `sink`, which
/// may block (that is how callers bound the pieces in flight). Every input,
/// file or stream, is read in blocks of about `chunk_size` bytes, each cut at
/// its last separator and the rest carried into the next block, so memory
/// stays bounded by the pieces in flight whatever the input size (except for
/// a single word longer than a block, which is kept whole). Reading copies
/// from the page cache at several GB/s; memory-mapping instead would make the
/// whole file count in the process's resident size.
/// Inputs that cannot be read are reported to `diag` and skipped. Stops early
/// when `stop` is requested.
void for_each_piece(const std::vector<common::InputFile>& inputs, std::size_t chunk_size,
                    const Tokenizer& tokenizer, common::Diagnostics& diag, std::stop_token stop,
                    const std::function<void(Piece&&)>& sink);

}  // namespace conc::wordcount
