#include "gumbo_memory.h"

#include <cstdlib>

namespace conc::crawl::detail {

GumboMemory::~GumboMemory() {
  Block* b = head_.next;
  while (b != &head_) {
    Block* next = b->next;
    std::free(b);
    b = next;
  }
}

void GumboMemory::install(GumboOptions& options) noexcept {
  options.allocator = &GumboMemory::allocate;
  options.deallocator = &GumboMemory::deallocate;
  options.userdata = this;
}

void* GumboMemory::allocate(void* self, std::size_t size) noexcept {
  // gumbo does not check for NULL (nor does its own default, malloc): an
  // exhausted heap ends the process either way. Pages are capped by
  // ExtractLimits::max_bytes long before that.
  auto* b = static_cast<Block*>(std::malloc(sizeof(Block) + size));
  if (b == nullptr) return nullptr;
  Block& head = static_cast<GumboMemory*>(self)->head_;
  b->prev = &head;
  b->next = head.next;
  head.next->prev = b;
  head.next = b;
  return b + 1;
}

void GumboMemory::deallocate(void* /*self*/, void* ptr) noexcept {
  if (ptr == nullptr) return;
  Block* b = static_cast<Block*>(ptr) - 1;
  b->prev->next = b->next;
  b->next->prev = b->prev;
  std::free(b);
}

}  // namespace conc::crawl::detail
