// gumbo_memory.h (internal): the memory of one gumbo parse, an arena.
#pragma once

#include <gumbo.h>

#include <cstddef>

namespace conc::crawl::detail {

/// Every block gumbo allocates for one parse, bumped out of large chunks
/// and all released at once when this object goes. gumbo's own frees do
/// nothing: the chunks are the unit.
///
/// Why an arena:
/// - gumbo_destroy_output frees the tree by recursion, one call per level:
///   a page of 200,000 nested tables (`<table><tr><td>` repeated, 3 MB)
///   overflows an 8 MB stack there. Releasing chunks needs no stack,
///   whatever the tree's depth; never call gumbo_destroy_output on a parse
///   that used it.
/// - A page's tree is thousands of small blocks: malloc and free for each
///   were a fifth of a crawl's CPU. Each thread keeps its first chunk for
///   its next parse, so a crawl parsing page after page allocates nothing.
///
/// What gumbo frees inside a parse (a grown buffer's old copy) stays until
/// the end: at most about twice what the tree holds, and pages are capped by
/// ExtractLimits::max_bytes. One object per parse, on one thread.
class GumboMemory {
 public:
  GumboMemory() = default;
  GumboMemory(const GumboMemory&) = delete;
  GumboMemory& operator=(const GumboMemory&) = delete;
  ~GumboMemory();

  /// Points `options` at this object's allocator; it must outlive the parse
  /// and every use of its output.
  void install(GumboOptions& options) noexcept;

 private:
  struct Chunk {
    Chunk* next;
    std::size_t size;  ///< bytes after the header
  };
  // The header keeps the blocks after it aligned as malloc's.
  static_assert(sizeof(Chunk) % alignof(std::max_align_t) == 0);
  static constexpr std::size_t kChunkBytes = std::size_t{64} << 10;

  static void* allocate(void* self, std::size_t size) noexcept;
  static void deallocate(void* self, void* ptr) noexcept;
  void* bump(std::size_t size) noexcept;

  Chunk* chunks_ = nullptr;  ///< the one in use first
  char* at_ = nullptr;       ///< the next free byte of chunks_
  char* end_ = nullptr;
};

}  // namespace conc::crawl::detail
