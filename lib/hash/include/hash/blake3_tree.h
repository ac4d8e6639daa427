// hash/blake3_tree.h: one BLAKE3 digest, its subtrees hashed on every core.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stop_token>
#include <string>

#include "common/digest.h"
#include "common/input.h"
#include "common/progress.h"
#include "conc/executor.h"

namespace conc::hash {

/// Where a tree's bytes come from: a mapping of the whole input, or a sized
/// file read by ranges (pread), each worker reading the subtree it hashes.
struct TreeSource {
  const char* mapped = nullptr;         ///< the input's bytes; null: read ranges of `file`
  const common::Input* file = nullptr;  ///< a sized file, used when `mapped` is null
};

/// BLAKE3's chunk, the tree's leaf: the smallest subtree a task can take.
inline constexpr std::size_t kBlake3ChunkBytes = 1024;

/// The BLAKE3 digest under `spec` (its mode, key and output length) of the
/// first `size` bytes of `source`, in lowercase hex: the same bytes as a
/// common::Digest fed them in one piece, whatever `grain` and the thread
/// count.
///
/// The tree is the BLAKE3 paper's: a node's left subtree takes the largest
/// power-of-two number of 1 KiB chunks that leaves at least one byte to the
/// right, chunk counters count from the input's start, and only the root
/// node is flagged ROOT (its output extended to any length). A subtree of at
/// most `grain` bytes (at least one chunk; smaller values count as one) is
/// one task: it is read (into the thread's block buffer, the one hash_jobs'
/// strategies read blocks into) and hashed on one thread, SIMD lanes across its
/// chunks and then across each level of its parents. A bigger node forks its
/// left subtree as a TaskGroup task on `executor` and descends into the
/// right one itself, so on a WorkStealingPool idle workers steal the oldest,
/// biggest halves. A worker of `executor` may call this from inside a task:
/// while it waits for a half it runs other tasks (which may be another
/// file's, holding this one's descriptor and digest until they are done).
///
/// Mapped bytes are read under the SIGBUS guard. Throws common::InputError
/// when a read fails or the file ends before `size` ("file shrank while
/// being read"); the other subtrees are then abandoned. Returns nullopt once
/// `stop` is requested (checked before each subtree). `progress`, if given,
/// counts each subtree's bytes when it is hashed.
std::optional<std::string> blake3_tree_hex(const common::DigestSpec& spec, const TreeSource& source, std::uint64_t size,
                                           std::size_t grain, Executor& executor, const std::stop_token& stop,
                                           common::ProgressBar* progress);

}  // namespace conc::hash
