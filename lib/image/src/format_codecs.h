// format_codecs.h: one reader and one writer per file format, behind
// open_reader and make_writer (codec.cpp), which sniff and dispatch.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <vector>

#include "image/codec.h"

namespace conc::image {

struct FileCloser {
  void operator()(std::FILE* f) const noexcept {
    if (f != nullptr) std::fclose(f);
  }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

/// Each scan of a progressive JPEG is a pass over the whole coefficient
/// image, so a small file of thousands of tiny scans costs minutes of CPU.
/// Encoders write about ten; libjpeg-turbo's own tools stop at 500, and so
/// does either decoder here.
inline constexpr int kMaxJpegScans = 500;

// Readers: handed the open file positioned at its start, the sniffed type
// confirmed. Each reads the header, applies the pixel guard
// (check_pixel_guard) before allocating any pixel memory, fills info_, and
// throws ImageError for corrupt data.
std::unique_ptr<ImageReader> open_jpeg_reader(FilePtr file, const ReadOptions& options);  // jpeg_codec.cpp
std::unique_ptr<ImageReader> open_png_reader(FilePtr file, const ReadOptions& options);   // png_codec.cpp
std::unique_ptr<ImageReader> open_webp_reader(FilePtr file, const ReadOptions& options);  // webp_codec.cpp
/// Any type stb_image decodes (JPEG and PNG too, for --decoder stb).
/// stb_image reads no metadata: the reader reports `metadata`.
std::unique_ptr<ImageReader> open_stb_reader(FilePtr file, ImageType type, const ReadOptions& options,
                                             Metadata metadata = {});  // stb_codec.cpp

std::unique_ptr<ImageWriter> make_jpeg_writer(const Geometry& g, const WriteOptions& o,
                                              ByteSink& sink);  // jpeg_codec.cpp
std::unique_ptr<ImageWriter> make_png_writer(const Geometry& g, const WriteOptions& o,
                                             ByteSink& sink);  // png_codec.cpp
std::unique_ptr<ImageWriter> make_webp_writer(const Geometry& g, const WriteOptions& o,
                                              ByteSink& sink);  // webp_codec.cpp
/// BMP and TGA, through stb_image_write.
std::unique_ptr<ImageWriter> make_stb_writer(const Geometry& g, const WriteOptions& o,
                                             ByteSink& sink);  // stb_codec.cpp

/// Throws ImageError "declares WxH pixels, more than --max-pixels N" when
/// width * height > max_pixels, and "declares an empty image (WxH)" for a
/// zero side. Call it with the header's values, before any allocation.
void check_pixel_guard(std::uint64_t width, std::uint64_t height, std::uint64_t max_pixels);  // codec.cpp

/// Converts `width` pixels of one row from `from` to `to`: 16-bit to 8-bit
/// rounds (v * 255 / 65535, to nearest), grey to RGB replicates, a dropped
/// alpha composites the colour over black (c * a / max, rounded), an added
/// alpha is opaque. RGB to grey is not a conversion writers need.
void convert_row(const std::byte* src, PixelFormat from, std::byte* dst, PixelFormat to,
                 std::uint32_t width);  // pixel_convert.cpp

/// The rows a writer that cannot stream gathers for its encoder, converted
/// as they arrive (convert_row) to the format the encoder takes.
class GatheredRows {  // pixel_convert.cpp
 public:
  GatheredRows(const Geometry& in, PixelFormat out);
  /// The next `rows` rows of `in`'s geometry; std::logic_error past the last.
  void add(const std::byte* src, std::uint32_t rows);
  /// std::logic_error unless every row has arrived.
  void require_complete() const;
  [[nodiscard]] const std::byte* data() const noexcept { return pixels_.data(); }
  [[nodiscard]] std::size_t row_bytes() const noexcept { return std::size_t{in_.width} * out_.bytes_per_pixel(); }
  /// Frees the pixels once the encoder is done with them.
  void release() noexcept { pixels_ = {}; }

 private:
  Geometry in_;
  PixelFormat out_;
  std::vector<std::byte> pixels_;
  std::uint32_t next_row_ = 0;
};

// metadata.cpp (libexif):
/// The orientation tag (1-8) of an EXIF block (TIFF header onwards), 1 when
/// absent or unreadable: a damaged EXIF block never fails an image.
int exif_orientation(std::span<const std::byte> exif) noexcept;
/// `exif` with its orientation tag set to 1 (pixels written upright), or
/// unchanged when it has none.
std::vector<std::byte> exif_upright(std::span<const std::byte> exif);

}  // namespace conc::image
