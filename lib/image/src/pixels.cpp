#include "image/pixels.h"

#include <sys/mman.h>

#include <cstdlib>
#include <new>

namespace conc::image {
namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;
/// Below this, a buffer lives among the small pages malloc already has.
constexpr std::size_t kHugeFrom = std::size_t{8} << 20;

}  // namespace

PixelBuffer::PixelBuffer(std::size_t size) : size_(size) {
  if (size == 0) return;
  void* p = nullptr;
  if (size >= kHugeFrom) {
    const std::size_t rounded = (size + kHugePage - 1) / kHugePage * kHugePage;
    p = std::aligned_alloc(kHugePage, rounded);
    if (p != nullptr) (void)::madvise(p, rounded, MADV_HUGEPAGE);  // a hint: without it, small pages
  } else {
    p = std::malloc(size);
  }
  if (p == nullptr) throw std::bad_alloc();
  data_.reset(static_cast<std::byte*>(p));
}

void PixelBuffer::Free::operator()(std::byte* p) const noexcept { std::free(p); }

}  // namespace conc::image
