// png_codec.cpp: PNG through libpng 1.6, decoded and encoded row by row.
//
// libpng reports errors through a callback that must not return, so every
// member that calls into libpng sets its jump point first and reports
// failure by returning false; the C++ caller then throws. Between a setjmp
// and a possible longjmp no object with a destructor is alive, and a C++
// exception never unwinds through libpng's C frames: the sink's exception
// is caught in the callback, kept, and rethrown once libpng is left.
#include <png.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>
#include <system_error>

#include "format_codecs.h"
#include "image/image_error.h"

namespace conc::image {
namespace {

constexpr bool kLittleEndian = std::endian::native == std::endian::little;
constexpr std::size_t kOutputBuffer = std::size_t{64} * 1024;
constexpr png_uint_32 kPngMaxSide = 0x7fffffff;
constexpr png_alloc_size_t kMaxChunkBytes = png_alloc_size_t{64} << 20;  // one ancillary chunk

// Why libpng gave up, kept until the C++ side throws.
struct Failure {
  char message[256];
  bool truncated;
  bool over_limit;  // a side over png_set_user_limits
  int read_errno;
};

[[noreturn]] void on_error(png_structp png, png_const_charp message) {
  auto* f = static_cast<Failure*>(png_get_error_ptr(png));
  std::snprintf(f->message, sizeof f->message, "%s", message);
  png_longjmp(png, 1);
}

// Warnings (a known-bad sRGB profile, a bad CRC in an ancillary chunk that
// is then dropped) are not the user's problem: every viewer ignores them.
// One matters: IHDR's check warns which limit was hit, then fails with a
// generic "Invalid IHDR data".
void on_warning(png_structp png, png_const_charp message) {
  if (std::strstr(message, "exceeds user limit") != nullptr)
    static_cast<Failure*>(png_get_error_ptr(png))->over_limit = true;
  // A chunk over png_set_chunk_malloc_max is only a "benign" error, a
  // warning on read: libpng would then allocate what the chunk claims.
  if (std::strstr(message, "chunk data is too large") != nullptr) png_error(png, message);
}

class PngReader final : public ImageReader {
 public:
  explicit PngReader(FilePtr file) : file_(std::move(file)) {}
  ~PngReader() override { png_destroy_read_struct(&png_, &info_ptr_, nullptr); }
  PngReader(const PngReader&) = delete;
  PngReader& operator=(const PngReader&) = delete;

  void open(const ReadOptions& options) {
    const auto limit = static_cast<png_uint_32>(std::clamp<std::uint64_t>(options.max_pixels, 1, kPngMaxSide));
    if (!read_header(limit)) {
      // libpng's own per-side limit is only a belt: say what the guard would.
      if (failure_.over_limit)
        throw ImageError("declares a side longer than --max-pixels " + std::to_string(options.max_pixels));
      fail();
    }
    check_pixel_guard(png_get_image_width(png_, info_ptr_), png_get_image_height(png_, info_ptr_), options.max_pixels);
    interlaced_ = png_get_interlace_type(png_, info_ptr_) != PNG_INTERLACE_NONE;
    if (!configure()) fail();

    const int channels = png_get_channels(png_, info_ptr_);
    const int depth = png_get_bit_depth(png_, info_ptr_);
    info_.type = ImageType::kPng;
    info_.stored_width = png_get_image_width(png_, info_ptr_);
    info_.stored_height = png_get_image_height(png_, info_ptr_);
    info_.geometry = {info_.stored_width, info_.stored_height, {channels, depth == 16 ? Depth::k16 : Depth::k8}};
    if (channels < 1 || channels > 4 || (depth != 8 && depth != 16) ||
        png_get_rowbytes(png_, info_ptr_) != info_.geometry.row_bytes())
      throw ImageError("corrupt PNG: unsupported pixel layout");
    read_metadata();
  }

  [[nodiscard]] bool streams() const noexcept override { return !interlaced_; }

  void read_rows(std::byte* dst, std::uint32_t rows) override {
    // libpng's state after a longjmp is not fit to go on from.
    if (failed_) fail();
    if (rows > info_.geometry.height - next_row_) throw std::logic_error("PNG: read past the last row");
    const std::size_t row_bytes = info_.geometry.row_bytes();
    if (interlaced_) {
      // Adam7 spreads every row over seven passes: decode it all at once.
      if (whole_.empty() && info_.geometry.bytes() > 0) decode_whole();
      std::memcpy(dst, whole_.data() + next_row_ * row_bytes, rows * row_bytes);
      next_row_ += rows;
      return;
    }
    if (!decode(reinterpret_cast<png_bytep>(dst), rows)) fail();
  }

 private:
  bool read_header(png_uint_32 limit) {
    png_ = png_create_read_struct(PNG_LIBPNG_VER_STRING, &failure_, on_error, on_warning);
    if (png_ == nullptr) return out_of_memory();
    if (setjmp(png_jmpbuf(png_)) != 0) return false;
    info_ptr_ = png_create_info_struct(png_);
    if (info_ptr_ == nullptr) png_error(png_, "out of memory");
    png_set_read_fn(png_, this, on_read);
    png_set_user_limits(png_, limit, limit);
    // A chunk's length is the file's word: without a cap libpng allocates
    // what a damaged text chunk claims (1.6 GB, found by the fuzz target).
    // ICC profiles and EXIF blocks are far smaller. Over it, on_warning
    // makes the image corrupt.
    png_set_chunk_malloc_max(png_, kMaxChunkBytes);
    png_read_info(png_, info_ptr_);
    return true;
  }

  bool configure() {
    if (setjmp(png_jmpbuf(png_)) != 0) return false;
    png_set_expand(png_);  // palette to RGB(A), low-bit grey to 8, tRNS to alpha
    if (kLittleEndian && png_get_bit_depth(png_, info_ptr_) == 16) png_set_swap(png_);
    if (interlaced_) png_set_interlace_handling(png_);
    png_read_update_info(png_, info_ptr_);
    return true;
  }

  bool decode(png_bytep dst, std::uint32_t rows) {
    if (setjmp(png_jmpbuf(png_)) != 0) return false;
    const std::size_t row_bytes = info_.geometry.row_bytes();
    for (std::uint32_t i = 0; i < rows; ++i, ++next_row_) png_read_row(png_, dst + i * row_bytes, nullptr);
    return true;
  }

  void decode_whole() {
    whole_.resize(info_.geometry.bytes());
    std::vector<png_bytep> pointers(info_.geometry.height);
    for (std::uint32_t y = 0; y < info_.geometry.height; ++y)
      pointers[y] = whole_.data() + y * info_.geometry.row_bytes();
    if (!decode_image(pointers.data())) fail();
  }

  bool decode_image(png_bytepp rows) {
    if (setjmp(png_jmpbuf(png_)) != 0) return false;
    png_read_image(png_, rows);
    return true;
  }

  void read_metadata() {
    Metadata& m = info_.metadata;
    png_charp name = nullptr;
    int compression = 0;
    png_bytep profile = nullptr;
    png_uint_32 length = 0;
    if (png_get_iCCP(png_, info_ptr_, &name, &compression, &profile, &length) != 0 && profile != nullptr) {
      const auto* p = reinterpret_cast<const std::byte*>(profile);
      m.icc.assign(p, p + length);
    }
    png_bytep exif = nullptr;
    png_uint_32 exif_length = 0;
    if (png_get_eXIf_1(png_, info_ptr_, &exif_length, &exif) != 0 && exif != nullptr) {
      const auto* p = reinterpret_cast<const std::byte*>(exif);
      m.exif.assign(p, p + exif_length);
      m.orientation = exif_orientation(m.exif);
    }
  }

  bool out_of_memory() noexcept {
    std::snprintf(failure_.message, sizeof failure_.message, "out of memory");
    return false;
  }

  [[noreturn]] void fail() {
    failed_ = true;
    if (failure_.read_errno != 0) throw std::system_error(failure_.read_errno, std::generic_category(), "read");
    if (failure_.truncated) throw ImageError("truncated PNG data");
    throw ImageError(std::string("corrupt PNG: ") + failure_.message);
  }

  static void on_read(png_structp png, png_bytep data, size_t length) {
    auto* r = static_cast<PngReader*>(png_get_io_ptr(png));
    if (std::fread(data, 1, length, r->file_.get()) == length) return;
    if (std::ferror(r->file_.get()) != 0) {
      r->failure_.read_errno = errno != 0 ? errno : EIO;
    } else {
      r->failure_.truncated = true;
    }
    png_error(png, "unexpected end of file");
  }

  FilePtr file_;
  png_structp png_ = nullptr;
  png_infop info_ptr_ = nullptr;
  Failure failure_{};
  bool interlaced_ = false;
  bool failed_ = false;
  std::uint32_t next_row_ = 0;
  std::vector<png_byte> whole_;  // interlaced images only
};

class PngWriter final : public ImageWriter {
 public:
  PngWriter(const Geometry& g, ByteSink& sink) : geometry_(g), sink_(sink), buffer_(kOutputBuffer) {}
  ~PngWriter() override { png_destroy_write_struct(&png_, &info_ptr_); }
  PngWriter(const PngWriter&) = delete;
  PngWriter& operator=(const PngWriter&) = delete;

  // Not in the constructor: when it throws, the destructor must still run.
  void open(const WriteOptions& options) {
    const auto& exif = options.metadata.exif;
    if (!exif.empty()) exif_ = options.keep_orientation ? exif : exif_upright(exif);
    if (!start(options.metadata.icc)) fail();
  }

  [[nodiscard]] bool streams() const noexcept override { return true; }

  void write_rows(const std::byte* src, std::uint32_t rows) override {
    if (failed_) throw std::logic_error("PNG: write after a failure");
    if (rows > geometry_.height - next_row_) throw std::logic_error("PNG: write past the last row");
    if (!encode(src, rows)) fail();
  }

  void finish() override {
    if (failed_) throw std::logic_error("PNG: finish after a failure");
    if (next_row_ != geometry_.height) throw std::logic_error("PNG: finish before the last row");
    if (!complete()) fail();
    failed_ = true;  // no second finish
    sink_.write({buffer_.data(), used_});
    used_ = 0;
  }

 private:
  bool start(const std::vector<std::byte>& icc) {
    png_ = png_create_write_struct(PNG_LIBPNG_VER_STRING, &failure_, on_error, on_warning);
    if (png_ == nullptr) {
      std::snprintf(failure_.message, sizeof failure_.message, "out of memory");
      return false;
    }
    if (setjmp(png_jmpbuf(png_)) != 0) return false;
    info_ptr_ = png_create_info_struct(png_);
    if (info_ptr_ == nullptr) png_error(png_, "out of memory");
    png_set_write_fn(png_, this, on_write, on_flush);
    // An ICC profile libpng finds inconsistent (an RGB profile on a grey
    // image) is then left out with a warning instead of failing the image.
    png_set_benign_errors(png_, 1);
    static constexpr int kColourType[] = {PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                          PNG_COLOR_TYPE_RGB_ALPHA};
    png_set_IHDR(png_, info_ptr_, geometry_.width, geometry_.height, static_cast<int>(geometry_.format.depth),
                 kColourType[geometry_.format.channels - 1], PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(png_, 6);
    if (!icc.empty())
      png_set_iCCP(png_, info_ptr_, "ICC profile", PNG_COMPRESSION_TYPE_BASE,
                   reinterpret_cast<png_const_bytep>(icc.data()), static_cast<png_uint_32>(icc.size()));
    if (!exif_.empty())
      png_set_eXIf_1(png_, info_ptr_, static_cast<png_uint_32>(exif_.size()),
                     reinterpret_cast<png_bytep>(exif_.data()));
    png_write_info(png_, info_ptr_);
    if (kLittleEndian && geometry_.format.depth == Depth::k16) png_set_swap(png_);
    return true;
  }

  bool encode(const std::byte* src, std::uint32_t rows) {
    if (setjmp(png_jmpbuf(png_)) != 0) return false;
    const std::size_t row_bytes = geometry_.row_bytes();
    for (std::uint32_t i = 0; i < rows; ++i, ++next_row_)
      png_write_row(png_, reinterpret_cast<png_const_bytep>(src + i * row_bytes));
    return true;
  }

  bool complete() {
    if (setjmp(png_jmpbuf(png_)) != 0) return false;
    png_write_end(png_, nullptr);
    return true;
  }

  [[noreturn]] void fail() {
    failed_ = true;
    if (sink_error_) std::rethrow_exception(sink_error_);
    throw ImageError(std::string("PNG encoder: ") + failure_.message);
  }

  // libpng writes in pieces of a few bytes (chunk headers, CRCs): gather them.
  static void on_write(png_structp png, png_bytep data, size_t length) {
    auto* w = static_cast<PngWriter*>(png_get_io_ptr(png));
    try {
      if (w->used_ + length > w->buffer_.size()) {
        w->sink_.write({w->buffer_.data(), w->used_});
        w->used_ = 0;
      }
      if (length >= w->buffer_.size()) {
        w->sink_.write({reinterpret_cast<const std::byte*>(data), length});
      } else {
        std::memcpy(w->buffer_.data() + w->used_, data, length);
        w->used_ += length;
      }
    } catch (...) {
      w->sink_error_ = std::current_exception();
    }
    // Out of the catch block before leaving by longjmp.
    if (w->sink_error_) png_error(png, "write failed");
  }

  static void on_flush(png_structp) {}

  Geometry geometry_;
  ByteSink& sink_;
  png_structp png_ = nullptr;
  png_infop info_ptr_ = nullptr;
  Failure failure_{};
  std::vector<std::byte> buffer_;
  std::size_t used_ = 0;
  std::vector<std::byte> exif_;  // a member, so start() owns nothing with a destructor
  std::exception_ptr sink_error_;
  std::uint32_t next_row_ = 0;
  bool failed_ = false;
};

}  // namespace

std::unique_ptr<ImageReader> open_png_reader(FilePtr file, const ReadOptions& options) {
  auto reader = std::make_unique<PngReader>(std::move(file));
  reader->open(options);
  return reader;
}

std::unique_ptr<ImageWriter> make_png_writer(const Geometry& g, const WriteOptions& o, ByteSink& sink) {
  auto writer = std::make_unique<PngWriter>(g, sink);
  writer->open(o);
  return writer;
}

}  // namespace conc::image
