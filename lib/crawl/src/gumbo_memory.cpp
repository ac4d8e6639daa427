#include "gumbo_memory.h"

#include <algorithm>
#include <cstdlib>

namespace conc::crawl::detail {
namespace {

// The thread's spare chunk: the first chunk of its last parse, kept for
// the next one (most pages fit in one).
thread_local struct SpareChunk {
  void* chunk = nullptr;
  ~SpareChunk() { std::free(chunk); }
} spare;

}  // namespace

GumboMemory::~GumboMemory() {
  Chunk* c = chunks_;
  while (c != nullptr) {
    Chunk* next = c->next;
    if (next == nullptr && c->size == kChunkBytes && spare.chunk == nullptr) {
      spare.chunk = c;  // the first chunk made, of the standard size
    } else {
      std::free(c);
    }
    c = next;
  }
}

void GumboMemory::install(GumboOptions& options) noexcept {
  options.allocator = &GumboMemory::allocate;
  options.deallocator = &GumboMemory::deallocate;
  options.userdata = this;
}

void* GumboMemory::allocate(void* self, std::size_t size) noexcept {
  return static_cast<GumboMemory*>(self)->bump(size);
}

void GumboMemory::deallocate(void* /*self*/, void* /*ptr*/) noexcept {
  // Released with the arena (see the header).
}

void* GumboMemory::bump(std::size_t size) noexcept {
  constexpr std::size_t kAlign = alignof(std::max_align_t);
  size = std::max<std::size_t>((size + kAlign - 1) & ~(kAlign - 1), kAlign);
  if (static_cast<std::size_t>(end_ - at_) < size) {
    const std::size_t bytes = std::max(kChunkBytes, size);
    void* memory = nullptr;
    if (bytes == kChunkBytes && spare.chunk != nullptr) {
      memory = spare.chunk;
      spare.chunk = nullptr;
    } else {
      memory = std::malloc(sizeof(Chunk) + bytes);
    }
    // gumbo does not check for NULL (nor does its own default, malloc): an
    // exhausted heap ends the process either way. Pages are capped by
    // ExtractLimits::max_bytes long before that.
    if (memory == nullptr) return nullptr;
    auto* c = static_cast<Chunk*>(memory);
    c->next = chunks_;
    c->size = bytes;
    chunks_ = c;
    at_ = reinterpret_cast<char*>(c + 1);
    end_ = at_ + bytes;
  }
  void* p = at_;
  at_ += size;
  return p;
}

}  // namespace conc::crawl::detail
