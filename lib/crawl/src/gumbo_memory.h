// gumbo_memory.h (internal): the memory of one gumbo parse, freed in a loop.
#pragma once

#include <gumbo.h>

#include <cstddef>

namespace conc::crawl::detail {

/// Every block gumbo allocates for one parse, linked in a list, all freed
/// when this object goes.
///
/// gumbo_destroy_output frees the tree by recursion, one call per level: a
/// page of 200,000 nested tables (`<table><tr><td>` repeated, 3 MB)
/// overflows an 8 MB stack there. Freeing the blocks from this list instead
/// needs no stack, whatever the tree's depth; never call
/// gumbo_destroy_output on a parse that used it.
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
  struct Block {
    Block* prev;
    Block* next;
  };
  // The header keeps the caller's block aligned as malloc's.
  static_assert(sizeof(Block) % alignof(std::max_align_t) == 0);

  static void* allocate(void* self, std::size_t size) noexcept;
  static void deallocate(void* self, void* ptr) noexcept;

  Block head_{&head_, &head_};  // a circular list's sentinel
};

}  // namespace conc::crawl::detail
