// image/codec.h: reading and writing image files, a band of rows at a time.
//
// JPEG (libjpeg-turbo) and PNG (libpng) decode and encode row by row, so a
// streaming run never holds the whole image. WebP (libwebp) and the stb
// formats decode the whole image on the first read: their readers say so
// through `streams()`, and the engine then processes that image whole.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "image/geometry.h"

namespace conc::image {

/// A file format conc recognises (by content, never by name).
enum class ImageType : std::uint8_t { kJpeg, kPng, kWebp, kBmp, kTga, kGif, kPsd, kPnm, kHdr };

/// "jpg", "png", "webp", "bmp", "tga", "gif", "psd", "pnm", "hdr".
std::string_view type_name(ImageType t) noexcept;
/// Whether conc can write the type (JPEG, PNG, WebP, BMP, TGA).
bool is_writable(ImageType t) noexcept;
/// The type of a `--type` value (jpg and jpeg, png, webp, bmp, tga), or nothing.
std::optional<ImageType> writable_type_by_name(std::string_view name) noexcept;
/// The file name extension conc writes for a type, with the dot (".jpg").
std::string_view extension(ImageType t) noexcept;
/// Whether a file name's extension (case-insensitive) claims an image type
/// (.jpg .jpeg .jpe .png .webp .bmp .tga .gif .psd .pnm .pbm .pgm .ppm .hdr):
/// a file so named that is no image is an error even inside a walk.
bool name_claims_image(std::string_view path) noexcept;
/// The type a file name's extension claims (case-insensitive), or nothing.
std::optional<ImageType> type_claimed_by_name(std::string_view path) noexcept;
/// The extension (without the dot, as written) when it names an image
/// format conc neither reads nor writes (.tif .tiff .avif .heic .heif .jxl
/// .jp2 .ico .svg, case-insensitive), else empty: writing another format
/// under such a name would mislead whatever opens the file.
std::string_view foreign_image_extension(std::string_view path) noexcept;

/// The type whose signature `head` (the file's first bytes, at least 32
/// when the file has them) starts with, or nothing. TGA has no signature:
/// it is recognised by a plausible header only when `name_says_tga` (its
/// name ends in .tga), as every tool does.
std::optional<ImageType> sniff(std::span<const std::byte> head, bool name_says_tga) noexcept;

/// The type of the image file `path`, from its first bytes. Throws
/// NotAnImage (empty, or unknown content), ImageError (not a regular file,
/// an unsupported variant) or std::system_error (cannot open or read), as
/// open_reader would; never waits on a FIFO.
ImageType identify(const std::string& path);

/// What travels with the pixels.
struct Metadata {
  std::vector<std::byte> icc;   ///< the ICC profile, or empty
  std::vector<std::byte> exif;  ///< the EXIF block (TIFF header onwards, no "Exif\0\0"), or empty
  /// EXIF orientation 1-8 (1: as stored); 1 when there is no tag.
  int orientation = 1;
};

/// What a reader learns from the header, before any pixel is decoded.
struct ImageInfo {
  ImageType type = ImageType::kPng;
  /// The size and format the reader delivers (after shrink-on-load, after
  /// palette and low-bit grey expansion; 16-bit where the file has it,
  /// also through stb; HDR tone-mapped to 8 bit).
  Geometry geometry;
  /// The size the header declares (before shrink-on-load).
  std::uint32_t stored_width = 0;
  std::uint32_t stored_height = 0;
  bool lossless = false;  ///< a lossless WebP (written back lossless)
  Metadata metadata;
};

enum class Decoder : std::uint8_t {
  kNative,  ///< libjpeg-turbo for JPEG, libpng for PNG (default)
  kStb,     ///< stb_image for JPEG and PNG too: the reference decoder
};

struct ReadOptions {
  Decoder decoder = Decoder::kNative;
  /// The pixel guard: a header declaring more pixels than this is an
  /// ImageError before any pixel buffer is allocated.
  std::uint64_t max_pixels = 268'435'456;
  /// JPEG shrink-on-load through libjpeg's DCT scaling: 1, 2, 4 or 8. Other
  /// readers ignore it (their info().geometry is then the stored size).
  int shrink = 1;
};

/// Decodes one image file. Not thread-safe: one reader per file, used by one
/// thread at a time (it may move between threads between calls).
class ImageReader {
 public:
  virtual ~ImageReader() = default;
  [[nodiscard]] const ImageInfo& info() const noexcept { return info_; }
  /// True when rows are decoded as they are read (JPEG and non-interlaced
  /// PNG through the native decoders); false when the first read decodes
  /// the whole image.
  [[nodiscard]] virtual bool streams() const noexcept = 0;
  /// Decodes the next `rows` rows into `dst` (info().geometry.row_bytes()
  /// each, contiguous). Throws ImageError on corrupt or truncated data;
  /// reading past the last row is a logic error.
  virtual void read_rows(std::byte* dst, std::uint32_t rows) = 0;
  /// The first damage the decoder tolerated while reading ("Corrupt JPEG
  /// data: premature end of data segment", as every viewer tolerates it),
  /// or "": the engine reports it as a warning once the image is done.
  [[nodiscard]] virtual std::string warning() const { return {}; }

 protected:
  ImageInfo info_;
};

/// Opens `path`, sniffs its type and reads its header (and the metadata
/// before the pixels). Throws ImageError when the file is no image conc
/// reads, is corrupt, or declares more than `options.max_pixels` pixels;
/// std::system_error when it cannot be opened or read.
std::unique_ptr<ImageReader> open_reader(const std::string& path, const ReadOptions& options);

/// Where an encoder's bytes go (the engine's atomic output file).
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  /// Throws on a write error (disk full); the encoder lets it propagate.
  virtual void write(std::span<const std::byte> bytes) = 0;
};

struct WriteOptions {
  ImageType type = ImageType::kPng;
  int quality = 90;       ///< JPEG and WebP, 1-100
  bool lossless = false;  ///< WebP: lossless (quality is then the effort)
  /// Carried into JPEG and PNG outputs (`--strip` empties it). The EXIF
  /// block's orientation tag is written as 1 (the pixels are already
  /// upright) unless `keep_orientation`.
  Metadata metadata;
  /// Write the EXIF block as it came (--no-auto-orient: the pixels are as
  /// stored, so viewers must still turn them).
  bool keep_orientation = false;
};

/// Encodes one image. Formats that cannot hold the image's pixel format
/// convert on the way: JPEG and WebP and the stb writers take 8-bit samples
/// (16-bit rounds to 8), JPEG has no alpha (colour over black, as vips
/// flattens), grey+alpha to WebP becomes RGBA.
class ImageWriter {
 public:
  virtual ~ImageWriter() = default;
  /// True when rows are encoded as they come (JPEG, PNG); false when they
  /// are gathered and encoded by `finish()`.
  [[nodiscard]] virtual bool streams() const noexcept = 0;
  /// The next `rows` rows, `geometry.row_bytes()` each, contiguous.
  virtual void write_rows(const std::byte* src, std::uint32_t rows) = 0;
  /// After the last row: completes the file.
  virtual void finish() = 0;
};

/// Whether the writer of `t` encodes rows as they come (JPEG, PNG), so a
/// streamed run never holds the whole image; the others gather it first.
bool writer_streams(ImageType t) noexcept;

std::unique_ptr<ImageWriter> make_writer(const Geometry& geometry, const WriteOptions& options, ByteSink& sink);

}  // namespace conc::image
