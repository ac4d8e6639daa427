// hash/update_guarded.h: hashing mapped bytes that may vanish under the mapping.
#pragma once

#include <cstddef>

#include "common/digest.h"

namespace conc::hash {

/// Runs `work(context)`, catching the SIGBUS raised when it touches a page of
/// a common::MappedInput whose file was truncated under the mapping: throws
/// common::InputError("file shrank while being read") in that case. The
/// fault jumps back over `work`'s frames, so `work` must hold nothing with a
/// destructor (nor a lock) while it reads mapped bytes; it may throw. Safe
/// to call from many threads at once.
void run_sigbus_guarded(void (*work)(void*), void* context);

/// `f()` under the SIGBUS guard above, with the same rule for `f`.
template <class F>
void sigbus_guarded(F& f) {
  run_sigbus_guarded([](void* p) { (*static_cast<F*>(p))(); }, &f);
}

/// `digest.update(data, size)` for bytes of a common::MappedInput, under the
/// SIGBUS guard; after a throw the digest is unusable.
void update_guarded(common::Digest& digest, const char* data, std::size_t size);

}  // namespace conc::hash
