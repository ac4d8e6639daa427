// The BLAKE3 tree, split across workers. BLAKE3's C library (Debian's
// librust-blake3-dev sources) gives the building blocks, declared in its
// blake3_impl.h (common/blake3_kernels.h): blake3_hash_many (many
// same-length inputs at once, one per SIMD lane) for chunks and parent
// nodes, blake3_compress_in_place for a short chunk's blocks and single
// parents, blake3_compress_xof for the root's output. This file only
// arranges them into the paper's tree.
#include "hash/blake3_tree.h"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "common/blake3_kernels.h"
#include "conc/task_group.h"
#include "hash/update_guarded.h"
#include "strategies.h"

namespace conc::hash {
namespace {

constexpr std::size_t kChunk = BLAKE3_CHUNK_LEN;
constexpr std::size_t kBlock = BLAKE3_BLOCK_LEN;
constexpr std::size_t kCvBytes = BLAKE3_OUT_LEN;
static_assert(kChunk == kBlake3ChunkBytes);

using Cv = std::array<std::uint8_t, kCvBytes>;  // a chaining value, as bytes (as blake3_hash_many writes them)

// Thrown by a subtree once the digest is abandoned (stop, or another
// subtree failed): unwinds the whole recursion; the entry point sorts out why.
struct Abandoned {};

// Reads `len` bytes at `offset` of a file that had `size` bytes when opened.
void read_range(const common::Input& file, std::uint8_t* into, std::size_t len, std::uint64_t offset,
                std::uint64_t size) {
  const std::size_t got = file.read_at({reinterpret_cast<char*>(into), len}, offset);
  if (got == len) return;
  // Subtrees are read in any order, so what this one found says little of
  // the file's size now: ask.
  struct stat now {};
  const std::string now_text = ::fstat(file.fd(), &now) == 0 ? ", now " + std::to_string(now.st_size) : std::string();
  throw common::InputError("file shrank while being read (" + std::to_string(size) + " bytes when opened" + now_text +
                           ")");
}

// What every node of one digest shares.
struct Tree {
  Tree(const common::DigestSpec& spec, const TreeSource& tree_source, std::uint64_t input_size,
       std::size_t subtree_grain, Executor& pool, const std::stop_token& stop_token, common::ProgressBar* bar)
      : source(tree_source), size(input_size), grain(subtree_grain), executor(pool), stop(stop_token), progress(bar) {
    switch (spec.mode) {
      case common::KeyMode::kHash: std::copy(std::begin(IV), std::end(IV), key.begin()); return;
      case common::KeyMode::kKeyed: flags = KEYED_HASH; break;
      case common::KeyMode::kDeriveKey: flags = DERIVE_KEY_MATERIAL; break;
    }
    load_key_words(spec.key.data(), key.data());
  }

  std::array<std::uint32_t, 8> key{};  // IV, or the (context) key as words
  std::uint8_t flags = 0;              // the mode's flag on every compression
  TreeSource source;
  std::uint64_t size;  // of the whole input
  std::size_t grain;
  Executor& executor;
  const std::stop_token& stop;
  common::ProgressBar* progress;
  // Set by the first subtree that fails; the others then stop at their next
  // start. Relaxed throughout: the flag only cuts work short and elects the
  // one writer of `error`, whose read comes after every task is joined (the
  // joins order the write before it).
  std::atomic<bool> failed{false};
  std::exception_ptr error;  // written once, by whoever set `failed`
};

// A subtree task's scratch: its chunks' chaining values, then each level's
// parents (ping-pong), and the input pointers blake3_hash_many takes. One
// per thread: a task never waits while it uses it, so no other task on the
// same thread can be run in between. (The same holds for the bytes a task
// reads: they go to the thread's block buffer, detail::thread_buffer.)
struct Scratch {
  std::vector<std::uint8_t> level, next;
  std::vector<const std::uint8_t*> inputs;

  void reserve(std::size_t chunks) {
    if (inputs.size() >= chunks) return;
    level.resize(chunks * kCvBytes);
    next.resize(chunks * kCvBytes);
    inputs.resize(chunks);
  }
};

Scratch& thread_scratch() {
  thread_local Scratch scratch;
  return scratch;
}

// The chaining value of a chunk of 1 to 1023 bytes (the input's last), one
// block at a time; a full chunk goes through blake3_hash_many instead.
void short_chunk_cv(const Tree& t, const std::uint8_t* data, std::size_t len, std::uint64_t counter,
                    std::uint8_t* out) {
  std::uint32_t cv[8];
  std::memcpy(cv, t.key.data(), sizeof cv);
  const std::size_t blocks = (len + kBlock - 1) / kBlock;
  for (std::size_t b = 0; b < blocks; ++b) {
    std::uint8_t block[kBlock] = {};  // the last block is zero-padded
    const std::size_t n = std::min(kBlock, len - b * kBlock);
    std::memcpy(block, data + b * kBlock, n);
    const auto flags =
        static_cast<std::uint8_t>(t.flags | (b == 0 ? CHUNK_START : 0) | (b + 1 == blocks ? CHUNK_END : 0));
    blake3_compress_in_place(cv, block, static_cast<std::uint8_t>(n), counter, flags);
  }
  store_cv_words(out, cv);
}

// The chaining value of a subtree of `len` bytes (never the root) whose
// first chunk is number `counter`. Its chunks are hashed across SIMD lanes,
// then its parents a level at a time, pairing neighbours from the left; an
// odd last node moves up a level as it is. That is the same left-balanced
// tree as the paper's recursive split. Holds nothing with a destructor (it
// may run under the SIGBUS guard); `s` is reserved for its chunks.
void subtree_cv(const Tree& t, const std::uint8_t* data, std::size_t len, std::uint64_t counter, Scratch& s,
                std::uint8_t* out) {
  const std::size_t full = len / kChunk;
  for (std::size_t i = 0; i < full; ++i) s.inputs[i] = data + i * kChunk;
  std::uint8_t* level = s.level.data();
  std::uint8_t* next = s.next.data();
  blake3_hash_many(s.inputs.data(), full, kChunk / kBlock, t.key.data(), counter, true, t.flags, CHUNK_START, CHUNK_END,
                   level);
  std::size_t count = full;
  if (len % kChunk != 0)
    short_chunk_cv(t, data + full * kChunk, len % kChunk, counter + full, level + kCvBytes * count++);
  while (count > 1) {
    const std::size_t pairs = count / 2;
    for (std::size_t i = 0; i < pairs; ++i) s.inputs[i] = level + 2 * kCvBytes * i;
    blake3_hash_many(s.inputs.data(), pairs, 1, t.key.data(), 0, false, static_cast<std::uint8_t>(t.flags | PARENT), 0,
                     0, next);
    if (count % 2 != 0) std::memcpy(next + kCvBytes * pairs, level + 2 * kCvBytes * pairs, kCvBytes);
    count = pairs + count % 2;
    std::swap(level, next);
  }
  std::memcpy(out, level, kCvBytes);
}

// One task's subtree: `len` bytes (1 to grain) at `offset`, read and hashed here.
Cv leaf(Tree& t, std::uint64_t offset, std::size_t len) {
  if (t.stop.stop_requested() || t.failed.load(std::memory_order_relaxed)) throw Abandoned{};  // relaxed: see Tree
  Cv cv{};
  try {
    Scratch& s = thread_scratch();
    s.reserve((len + kChunk - 1) / kChunk);
    const std::uint64_t counter = offset / kChunk;
    if (t.source.mapped != nullptr) {
      const auto* data = reinterpret_cast<const std::uint8_t*>(t.source.mapped + offset);
      auto hash = [&] { subtree_cv(t, data, len, counter, s, cv.data()); };
      sigbus_guarded(hash);
    } else {
      auto* bytes = reinterpret_cast<std::uint8_t*>(detail::thread_buffer(t.grain).data());
      read_range(*t.source.file, bytes, len, offset, t.size);
      subtree_cv(t, bytes, len, counter, s, cv.data());
    }
  } catch (...) {
    if (!t.failed.exchange(true, std::memory_order_relaxed)) t.error = std::current_exception();  // see Tree
    throw Abandoned{};
  }
  if (t.progress != nullptr) t.progress->add(0, len);
  return cv;
}

// The paper's split: the left subtree's length, for a node of more than one chunk.
std::uint64_t left_length(std::uint64_t len) { return std::bit_floor((len - 1) / kChunk) * kChunk; }

Cv node(Tree& t, std::uint64_t offset, std::uint64_t len);

// A node's 64-byte block, its children's chaining values: the left child
// forked as a task (a thief takes it), the right one hashed on this thread.
std::array<std::uint8_t, kBlock> parent_block(Tree& t, std::uint64_t offset, std::uint64_t len) {
  const std::uint64_t left = left_length(len);
  std::array<std::uint8_t, kBlock> block{};
  Cv left_cv{};
  {
    TaskGroup group(t.executor);
    group.run([&] { left_cv = node(t, offset, left); });
    const Cv right_cv = node(t, offset + left, len - left);  // on a throw, the group's destructor waits for the left
    group.wait();
    std::memcpy(block.data() + kCvBytes, right_cv.data(), kCvBytes);
  }
  std::memcpy(block.data(), left_cv.data(), kCvBytes);
  return block;
}

Cv node(Tree& t, std::uint64_t offset, std::uint64_t len) {
  if (len <= t.grain) return leaf(t, offset, static_cast<std::size_t>(len));
  const auto block = parent_block(t, offset, len);
  std::uint32_t cv[8];
  std::memcpy(cv, t.key.data(), sizeof cv);
  blake3_compress_in_place(cv, block.data(), kBlock, 0, static_cast<std::uint8_t>(t.flags | PARENT));
  Cv out{};
  store_cv_words(out.data(), cv);
  return out;
}

// An input that is one task: hashed by the library's own hasher, on this thread.
std::string whole_hex(const common::DigestSpec& spec, const TreeSource& source, std::size_t size) {
  common::Digest digest(spec);
  if (source.mapped != nullptr) {
    update_guarded(digest, source.mapped, size);
  } else {
    std::vector<std::uint8_t> bytes(size);
    read_range(*source.file, bytes.data(), size, 0, size);
    digest.update(bytes.data(), size);
  }
  return digest.hex();
}

}  // namespace

std::optional<std::string> blake3_tree_hex(const common::DigestSpec& spec, const TreeSource& source, std::uint64_t size,
                                           std::size_t grain, Executor& executor, const std::stop_token& stop,
                                           common::ProgressBar* progress) {
  grain = std::max(grain, kChunk);
  common::blake3_detect_cpu_once();
  if (stop.stop_requested()) return std::nullopt;
  if (size <= grain) {
    std::string hex = whole_hex(spec, source, static_cast<std::size_t>(size));
    if (progress != nullptr) progress->add(0, size);
    return hex;
  }
  Tree t(spec, source, size, grain, executor, stop, progress);

  std::array<std::uint8_t, kBlock> root{};
  try {
    root = parent_block(t, 0, size);
  } catch (const Abandoned&) {
    if (t.error) std::rethrow_exception(t.error);
    return std::nullopt;  // stopped
  }
  // The root's output, as long as asked: one compression per 64 bytes, the
  // block counter counting them.
  std::vector<std::uint8_t> out(spec.output_bytes());
  const auto flags = static_cast<std::uint8_t>(t.flags | PARENT | ROOT);
  for (std::size_t at = 0, i = 0; at < out.size(); at += kBlock, ++i) {
    std::uint8_t block[kBlock];
    blake3_compress_xof(t.key.data(), root.data(), kBlock, i, flags, block);
    std::memcpy(out.data() + at, block, std::min(kBlock, out.size() - at));
  }
  return common::lower_hex(out);
}

}  // namespace conc::hash
