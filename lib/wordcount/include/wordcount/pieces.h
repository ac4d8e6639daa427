// wordcount/pieces.h: inputs cut into pieces that can be counted independently.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "common/diagnostics.h"
#include "common/file_walk.h"
#include "wordcount/tokenizer.h"

namespace conc::wordcount {

/// A run of input bytes cut at a separator, so that no word spans two
/// pieces. `owner` keeps the bytes alive (a mapped file, or a block read from
/// a stream) for as long as the piece exists.
struct Piece {
  std::string_view text;
  std::shared_ptr<const void> owner;
};

/// Produces the pieces of `inputs` in order and hands each to `sink`, which
/// may block (that is how callers bound the pieces in flight). Regular files
/// are memory-mapped and cut near every `chunk_size` bytes; streams (stdin,
/// FIFOs) are read in blocks of about `chunk_size`, the bytes after the last
/// cut carried over to the next block, so memory stays bounded whatever the
/// input size (except for a single word longer than a block, kept whole).
/// Inputs that cannot be read are reported to `diag` and skipped. Stops early
/// when `stop` is requested.
void for_each_piece(const std::vector<common::InputFile>& inputs, std::size_t chunk_size,
                    const Tokenizer& tokenizer, common::Diagnostics& diag, std::stop_token stop,
                    const std::function<void(Piece&&)>& sink);

}  // namespace conc::wordcount
