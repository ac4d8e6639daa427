// image/pixels.h: rows of pixels in memory, whole images and windows of rows.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <utility>

#include "image/geometry.h"

namespace conc::image {

/// A read-only window of consecutive rows of an image: rows [first,
/// first + count) of an image of geometry `geometry`, `stride` bytes apart.
/// A filter is handed one holding at least the rows its `needs()` asked for.
struct RowWindow {
  Geometry geometry;  ///< of the whole image the rows belong to
  const std::byte* data = nullptr;
  std::size_t stride = 0;
  std::uint32_t first = 0;
  std::uint32_t count = 0;

  /// Row `y` of the image; `y` must lie in the window.
  [[nodiscard]] const std::byte* row(std::uint32_t y) const noexcept {
    assert(y >= first && y < first + count);
    return data + (y - first) * stride;
  }
  template <class T>
  [[nodiscard]] const T* row_as(std::uint32_t y) const noexcept {
    return reinterpret_cast<const T*>(row(y));
  }
  [[nodiscard]] RowRange rows() const noexcept { return {first, first + count}; }
};

/// Pixel memory, not zeroed: every byte is written (by a decoder or a
/// filter) before it is read, and zeroing a 144 MB image costs as much as
/// decoding it. Big buffers are backed by huge pages where the kernel
/// offers them (madvise): a whole 48 MP image otherwise takes 35,000 page
/// faults, which serialise the workers that first touch it.
class PixelBuffer {
 public:
  PixelBuffer() = default;
  explicit PixelBuffer(std::size_t size);
  /// A copy of `size` bytes at `from`.
  PixelBuffer(const std::byte* from, std::size_t size) : PixelBuffer(size) {
    if (size != 0) std::memcpy(data_.get(), from, size);
  }
  PixelBuffer(PixelBuffer&& other) noexcept : data_(std::move(other.data_)), size_(std::exchange(other.size_, 0)) {}
  PixelBuffer& operator=(PixelBuffer&& other) noexcept {
    data_ = std::move(other.data_);
    size_ = std::exchange(other.size_, 0);
    return *this;
  }

  [[nodiscard]] std::byte* data() noexcept { return data_.get(); }
  [[nodiscard]] const std::byte* data() const noexcept { return data_.get(); }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

 private:
  struct Free {
    void operator()(std::byte* p) const noexcept;
  };
  std::unique_ptr<std::byte[], Free> data_;
  std::size_t size_ = 0;
};

/// A whole decoded image, rows contiguous. Storage is allocated only once
/// the geometry has passed the pixel guard (codec.h).
class Image {
 public:
  Image() = default;
  explicit Image(const Geometry& g) : geometry_(g), data_(g.bytes()) {}

  [[nodiscard]] const Geometry& geometry() const noexcept { return geometry_; }
  [[nodiscard]] std::byte* row(std::uint32_t y) noexcept { return data_.data() + y * geometry_.row_bytes(); }
  [[nodiscard]] const std::byte* row(std::uint32_t y) const noexcept {
    return data_.data() + y * geometry_.row_bytes();
  }
  [[nodiscard]] std::byte* data() noexcept { return data_.data(); }
  [[nodiscard]] const std::byte* data() const noexcept { return data_.data(); }
  [[nodiscard]] std::size_t size_bytes() const noexcept { return data_.size(); }
  /// The whole image as a window.
  [[nodiscard]] RowWindow window() const noexcept {
    return {geometry_, data_.data(), geometry_.row_bytes(), 0, geometry_.height};
  }

 private:
  Geometry geometry_;
  PixelBuffer data_;
};

}  // namespace conc::image
