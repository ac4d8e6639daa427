// hash/update_guarded.h: hashing mapped bytes that may vanish under the mapping.
#pragma once

#include <cstddef>

#include "common/digest.h"

namespace conc::hash {

/// `digest.update(data, size)` for bytes of a common::MappedInput, catching
/// the SIGBUS raised when the file was truncated under the mapping. Throws
/// common::InputError("file shrank while being read") in that case; the
/// digest is then unusable. Safe to call from many threads at once.
void update_guarded(common::Digest& digest, const char* data, std::size_t size);

}  // namespace conc::hash
