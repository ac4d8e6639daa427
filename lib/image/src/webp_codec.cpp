// webp_codec.cpp: WebP through libwebp, decoded and encoded whole (libwebp's
// incremental decoder would stream, but a WebP is at most 16383 pixels a
// side and rarely large; the engine processes it whole).
//
// The reader delivers RGB or RGBA 8-bit as the bitstream says, and whether
// it was lossless, so the engine can write it back lossless. Its EXIF (so
// its orientation) and ICC profile come from the container's chunks. Of an
// animation it delivers the first frame, composed on the canvas as
// libwebp's animation decoder draws it (as GIF gets its first frame). The writer
// takes any pixel format: grey widens to RGB, grey+alpha to RGBA, 16-bit
// rounds to 8. Lossless output keeps the colour under fully transparent
// pixels (WebPConfig::exact), so a lossless round trip is byte-exact; the
// quality then sets the compression effort, as in cwebp -lossless -q.
#include <sys/stat.h>
#include <webp/decode.h>
#include <webp/demux.h>
#include <webp/encode.h>
#include <webp/types.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "format_codecs.h"
#include "image/image_error.h"

namespace conc::image {
namespace {

std::string status_text(VP8StatusCode status) {
  switch (status) {
    case VP8_STATUS_OK: return "ok";
    case VP8_STATUS_OUT_OF_MEMORY: return "out of memory";
    case VP8_STATUS_INVALID_PARAM: return "invalid parameter";
    case VP8_STATUS_BITSTREAM_ERROR: return "bitstream error";
    case VP8_STATUS_UNSUPPORTED_FEATURE: return "unsupported feature";
    case VP8_STATUS_SUSPENDED: return "suspended";
    case VP8_STATUS_USER_ABORT: return "aborted";
    case VP8_STATUS_NOT_ENOUGH_DATA: return "truncated";
  }
  return "unknown error";
}

std::string encoder_error_text(WebPEncodingError error) {
  switch (error) {
    case VP8_ENC_ERROR_OUT_OF_MEMORY:
    case VP8_ENC_ERROR_BITSTREAM_OUT_OF_MEMORY: return "out of memory";
    case VP8_ENC_ERROR_BAD_DIMENSION: return "bad dimension";
    case VP8_ENC_ERROR_PARTITION0_OVERFLOW:
    case VP8_ENC_ERROR_PARTITION_OVERFLOW: return "partition overflow (try a lower --quality)";
    case VP8_ENC_ERROR_FILE_TOO_BIG: return "file too big";
    default: return "error " + std::to_string(static_cast<int>(error));
  }
}

/// Appends up to `limit` more bytes of `file` to `data` (all of it when
/// `limit` is 0); false at the end of the file.
bool read_more(std::FILE* file, std::vector<std::uint8_t>& data, std::size_t limit = 0) {
  std::array<std::uint8_t, 65536> chunk{};
  std::size_t total = 0;
  while (limit == 0 || total < limit) {
    const std::size_t want = limit == 0 ? chunk.size() : std::min(chunk.size(), limit - total);
    const std::size_t got = std::fread(chunk.data(), 1, want, file);
    data.insert(data.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(got));
    total += got;
    if (got < want) {
      if (std::ferror(file) != 0) {
        throw std::system_error(errno != 0 ? errno : EIO, std::generic_category(), "cannot read");
      }
      return false;
    }
  }
  return true;
}

struct DemuxerDelete {
  void operator()(WebPDemuxer* d) const noexcept { WebPDemuxDelete(d); }
};
struct AnimDecoderDelete {
  void operator()(WebPAnimDecoder* d) const noexcept { WebPAnimDecoderDelete(d); }
};

/// The payload of the container's first `fourcc` chunk; empty without one.
std::vector<std::byte> chunk(WebPDemuxer* demux, const char* fourcc) {
  WebPChunkIterator it{};
  if (WebPDemuxGetChunk(demux, fourcc, 1, &it) == 0) return {};
  const auto* p = reinterpret_cast<const std::byte*>(it.chunk.bytes);
  std::vector<std::byte> out(p, p + it.chunk.size);
  WebPDemuxReleaseChunkIterator(&it);
  return out;
}

class WebpReader final : public ImageReader {
 public:
  WebpReader(FilePtr file, const ReadOptions& options) {
    // The header first: the pixel guard runs before the rest of a file of
    // up to 4 GiB is read, let alone decoded.
    struct stat st {};
    if (::fstat(::fileno(file.get()), &st) == 0 && static_cast<std::uint64_t>(st.st_size) > 0xFFFFFFFFull + 8) {
      throw ImageError("corrupt WebP: too large");  // a RIFF size field is 32-bit
    }
    bool more = read_more(file.get(), data_, 65536);
    WebPBitstreamFeatures features{};
    VP8StatusCode status = WebPGetFeatures(data_.data(), data_.size(), &features);
    if (status == VP8_STATUS_NOT_ENOUGH_DATA && more) {
      more = read_more(file.get(), data_);
      status = WebPGetFeatures(data_.data(), data_.size(), &features);
    }
    if (status != VP8_STATUS_OK) throw ImageError("corrupt WebP: " + status_text(status));
    check_pixel_guard(static_cast<std::uint64_t>(features.width), static_cast<std::uint64_t>(features.height),
                      options.max_pixels);
    if (more) read_more(file.get(), data_);
    file.reset();
    animated_ = features.has_animation != 0;
    read_metadata();
    info_.type = ImageType::kWebp;
    info_.geometry = {static_cast<std::uint32_t>(features.width), static_cast<std::uint32_t>(features.height),
                      PixelFormat{features.has_alpha != 0 ? 4 : 3, Depth::k8}};
    info_.stored_width = info_.geometry.width;
    info_.stored_height = info_.geometry.height;
    info_.lossless = features.format == 2;
  }

  [[nodiscard]] bool streams() const noexcept override { return false; }

  void read_rows(std::byte* dst, std::uint32_t rows) override {
    const Geometry& g = info_.geometry;
    if (rows > g.height - next_row_) throw std::logic_error("read_rows past the last row");
    if (!decoded_) decode();
    const std::size_t row_bytes = g.row_bytes();
    std::memcpy(dst, pixels_.data() + next_row_ * row_bytes, rows * row_bytes);
    next_row_ += rows;
    if (next_row_ == g.height) pixels_ = {};
  }

 private:
  void decode() {
    const Geometry& g = info_.geometry;
    pixels_.resize(g.bytes());
    const int stride = static_cast<int>(g.row_bytes());
    auto* out = reinterpret_cast<std::uint8_t*>(pixels_.data());
    if (animated_) {
      decode_first_frame(out);
      return;
    }
    const std::uint8_t* ok = g.format.channels == 4
                                 ? WebPDecodeRGBAInto(data_.data(), data_.size(), out, pixels_.size(), stride)
                                 : WebPDecodeRGBInto(data_.data(), data_.size(), out, pixels_.size(), stride);
    data_ = {};
    decoded_ = true;
    if (ok == nullptr) throw ImageError("corrupt WebP: cannot decode");
  }

  void decode_first_frame(std::uint8_t* out) {
    const Geometry& g = info_.geometry;
    WebPAnimDecoderOptions options{};
    if (WebPAnimDecoderOptionsInit(&options) == 0) throw std::runtime_error("libwebp: version mismatch");
    options.color_mode = MODE_RGBA;
    options.use_threads = 0;
    const WebPData webp{data_.data(), data_.size()};
    const std::unique_ptr<WebPAnimDecoder, AnimDecoderDelete> decoder(WebPAnimDecoderNew(&webp, &options));
    WebPAnimInfo anim{};
    std::uint8_t* canvas = nullptr;
    int timestamp = 0;
    // The canvas is the size the header declared (the pixel guard's), or
    // the file is inconsistent.
    if (!decoder || WebPAnimDecoderGetInfo(decoder.get(), &anim) == 0 || anim.canvas_width != g.width ||
        anim.canvas_height != g.height || WebPAnimDecoderGetNext(decoder.get(), &canvas, &timestamp) == 0) {
      throw ImageError("corrupt WebP: cannot decode the first frame of the animation");
    }
    const std::size_t pixels = g.pixels();
    if (g.format.channels == 4) {
      std::memcpy(out, canvas, pixels * 4);
    } else {
      for (std::size_t i = 0; i < pixels; ++i) std::memcpy(out + i * 3, canvas + i * 4, 3);
    }
    data_ = {};
    decoded_ = true;
  }

  void read_metadata() {
    const WebPData webp{data_.data(), data_.size()};
    const std::unique_ptr<WebPDemuxer, DemuxerDelete> demux(WebPDemux(&webp));
    if (!demux) return;  // the decoder will say what is wrong with the file
    const std::uint32_t flags = WebPDemuxGetI(demux.get(), WEBP_FF_FORMAT_FLAGS);
    Metadata& m = info_.metadata;
    if ((flags & ICCP_FLAG) != 0) m.icc = chunk(demux.get(), "ICCP");
    if ((flags & EXIF_FLAG) != 0) {
      m.exif = chunk(demux.get(), "EXIF");
      // Some writers put JPEG's APP1 prefix in front of the TIFF header.
      static constexpr char kPrefix[] = {'E', 'x', 'i', 'f', 0, 0};
      if (m.exif.size() >= sizeof kPrefix && std::memcmp(m.exif.data(), kPrefix, sizeof kPrefix) == 0) {
        m.exif.erase(m.exif.begin(), m.exif.begin() + sizeof kPrefix);
      }
      m.orientation = exif_orientation(m.exif);
    }
  }

  std::vector<std::uint8_t> data_;
  std::vector<std::byte> pixels_;
  bool animated_ = false;
  bool decoded_ = false;
  std::uint32_t next_row_ = 0;
};

struct PictureFree {
  void operator()(WebPPicture* p) const noexcept { WebPPictureFree(p); }
};

class WebpWriter final : public ImageWriter {
 public:
  WebpWriter(const Geometry& g, const WriteOptions& o, ByteSink& sink)
      : geometry_(g),
        quality_(o.quality),
        lossless_(o.lossless),
        sink_(sink),
        out_format_{g.format.has_alpha() ? 4 : 3, Depth::k8} {
    if (g.width == 0 || g.height == 0) throw ImageError("cannot write an empty image");
    if (g.width > WEBP_MAX_DIMENSION || g.height > WEBP_MAX_DIMENSION) {
      throw ImageError("too large for WebP (at most " + std::to_string(WEBP_MAX_DIMENSION) +
                       " pixels a side): " + std::to_string(g.width) + "x" + std::to_string(g.height));
    }
    rows_.emplace(g, out_format_);  // allocated once the size has passed the checks
  }

  [[nodiscard]] bool streams() const noexcept override { return false; }

  void write_rows(const std::byte* src, std::uint32_t rows) override { rows_->add(src, rows); }

  void finish() override {
    rows_->require_complete();
    WebPConfig config;
    if (WebPConfigInit(&config) == 0) throw std::runtime_error("libwebp: version mismatch");
    config.quality = static_cast<float>(quality_);
    if (lossless_) {
      config.lossless = 1;
      config.exact = 1;
    }
    WebPPicture picture;
    if (WebPPictureInit(&picture) == 0) throw std::runtime_error("libwebp: version mismatch");
    const std::unique_ptr<WebPPicture, PictureFree> picture_owner(&picture);
    picture.width = static_cast<int>(geometry_.width);
    picture.height = static_cast<int>(geometry_.height);
    picture.use_argb = config.lossless;
    const auto* rgb = reinterpret_cast<const std::uint8_t*>(rows_->data());
    const int stride = static_cast<int>(rows_->row_bytes());
    const int imported = out_format_.channels == 4 ? WebPPictureImportRGBA(&picture, rgb, stride)
                                                   : WebPPictureImportRGB(&picture, rgb, stride);
    if (imported == 0) throw ImageError("WebP encoder failed: out of memory");
    rows_->release();

    WebPMemoryWriter memory;
    WebPMemoryWriterInit(&memory);
    const auto clear = [](WebPMemoryWriter* m) { WebPMemoryWriterClear(m); };
    const std::unique_ptr<WebPMemoryWriter, decltype(clear)> memory_owner(&memory, clear);
    picture.writer = WebPMemoryWrite;
    picture.custom_ptr = &memory;
    if (WebPEncode(&config, &picture) == 0) {
      throw ImageError("WebP encoder failed: " + encoder_error_text(picture.error_code));
    }
    sink_.write({reinterpret_cast<const std::byte*>(memory.mem), memory.size});
  }

 private:
  Geometry geometry_;
  int quality_;
  bool lossless_;
  ByteSink& sink_;
  PixelFormat out_format_;
  std::optional<GatheredRows> rows_;
};

}  // namespace

std::unique_ptr<ImageReader> open_webp_reader(FilePtr file, const ReadOptions& options) {
  return std::make_unique<WebpReader>(std::move(file), options);
}

std::unique_ptr<ImageWriter> make_webp_writer(const Geometry& g, const WriteOptions& o, ByteSink& sink) {
  return std::make_unique<WebpWriter>(g, o, sink);
}

}  // namespace conc::image
