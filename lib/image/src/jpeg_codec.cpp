// jpeg_codec.cpp: JPEG through libjpeg-turbo's scanline API, decoded and
// encoded a few rows at a time.
//
// libjpeg reports errors through a callback that must not return, so every
// member that calls into libjpeg sets a jump point first and reports failure
// by returning false; the C++ caller then throws. Between a setjmp and a
// possible longjmp no object with a destructor is alive, and a C++
// exception never unwinds through libjpeg's C frames: the sink's exception
// is caught in the callback, kept, and rethrown once libjpeg is left.
#include <cstdio>  // before jpeglib.h, which needs FILE and size_t

#include <jerror.h>
#include <jpeglib.h>

#include <algorithm>
#include <csetjmp>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>

#include "format_codecs.h"
#include "image/image_error.h"

namespace conc::image {
namespace {

constexpr int kExifMarker = JPEG_APP0 + 1;
constexpr int kIccMarker = JPEG_APP0 + 2;
constexpr unsigned char kExifPrefix[6] = {'E', 'x', 'i', 'f', 0, 0};
// A marker segment holds at most 65533 bytes after its length field.
constexpr std::size_t kMaxMarkerData = 65533;
constexpr std::size_t kOutputBuffer = 64 * 1024;
// Rows handed to libjpeg per call: enough for its largest output group.
constexpr std::uint32_t kRowBatch = 16;

// libjpeg hands callbacks a pointer to `mgr`; as the first member of a
// standard-layout struct it converts back to the whole.
struct ErrorState {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
  bool truncated;
  char message[JMSG_LENGTH_MAX];
  char first_warning[JMSG_LENGTH_MAX];  // the first damage tolerated, for the user to hear of
};

ErrorState& state_of(j_common_ptr cinfo) noexcept { return *reinterpret_cast<ErrorState*>(cinfo->err); }

[[noreturn]] void on_error(j_common_ptr cinfo) {
  ErrorState& s = state_of(cinfo);
  (*cinfo->err->format_message)(cinfo, s.message);
  std::longjmp(s.jump, 1);
}

void on_message(j_common_ptr cinfo, int level) {
  if (level >= 0) return;  // trace output
  // libjpeg pads a truncated file with grey and calls that a warning; we
  // refuse to pass half an image off as whole. Other warnings (extraneous
  // bytes, a bogus ICC chunk) are tolerated, as every viewer does.
  if (cinfo->err->msg_code == JWRN_JPEG_EOF) {
    state_of(cinfo).truncated = true;
    on_error(cinfo);
  }
  ErrorState& s = state_of(cinfo);
  if (cinfo->err->num_warnings == 0) (*cinfo->err->format_message)(cinfo, s.first_warning);
  ++cinfo->err->num_warnings;
}

void no_output(j_common_ptr) {}

// libjpeg's progress hook, called as it consumes input: the scan limit.
void on_progress(j_common_ptr cinfo) {
  if (cinfo->is_decompressor == 0) return;
  if (reinterpret_cast<j_decompress_ptr>(cinfo)->input_scan_number > kMaxJpegScans) {
    ErrorState& s = state_of(cinfo);
    std::snprintf(s.message, sizeof s.message, "more than %d progressive scans", kMaxJpegScans);
    std::longjmp(s.jump, 1);
  }
}

void install(ErrorState& s, jpeg_error_mgr*& err) {
  err = jpeg_std_error(&s.mgr);
  s.mgr.error_exit = on_error;
  s.mgr.emit_message = on_message;
  s.mgr.output_message = no_output;
  s.truncated = false;
  s.message[0] = '\0';
  s.first_warning[0] = '\0';
}

[[noreturn]] void throw_read_error(const ErrorState& s) {
  if (s.truncated) throw ImageError("truncated JPEG data");
  throw ImageError(std::string("corrupt JPEG: ") + s.message);
}

std::uint8_t mul255(unsigned a, unsigned b) noexcept { return static_cast<std::uint8_t>((a * b + 127) / 255); }

class JpegReader final : public ImageReader {
 public:
  explicit JpegReader(FilePtr file) : file_(std::move(file)) {
    install(err_, cinfo_.err);
    progress_.progress_monitor = on_progress;
  }
  ~JpegReader() override {
    if (icc_ != nullptr) std::free(icc_);
    jpeg_destroy_decompress(&cinfo_);
  }
  JpegReader(const JpegReader&) = delete;
  JpegReader& operator=(const JpegReader&) = delete;

  void open(const ReadOptions& options) {
    if (!read_header()) throw_read_error(err_);
    check_pixel_guard(cinfo_.image_width, cinfo_.image_height, options.max_pixels);
    const int shrink = options.shrink;
    if (!prepare(shrink == 2 || shrink == 4 || shrink == 8 ? shrink : 1)) throw_read_error(err_);

    info_.type = ImageType::kJpeg;
    info_.stored_width = cinfo_.image_width;
    info_.stored_height = cinfo_.image_height;
    info_.geometry = {
        cinfo_.output_width, cinfo_.output_height, {cinfo_.out_color_space == JCS_GRAYSCALE ? 1 : 3, Depth::k8}};
    if (cmyk_) cmyk_row_.resize(std::size_t{cinfo_.output_width} * 4);
    read_metadata();
  }

  [[nodiscard]] std::string warning() const override { return err_.first_warning; }

  [[nodiscard]] bool streams() const noexcept override { return true; }

  void read_rows(std::byte* dst, std::uint32_t rows) override {
    // libjpeg's state after a longjmp is not fit to go on from.
    if (failed_) throw_read_error(err_);
    if (rows > info_.geometry.height - cinfo_.output_scanline) throw std::logic_error("JPEG: read past the last row");
    if (!decode(reinterpret_cast<JSAMPLE*>(dst), rows)) {
      failed_ = true;
      throw_read_error(err_);
    }
  }

 private:
  bool read_header() {
    if (setjmp(err_.jump) != 0) return false;
    jpeg_create_decompress(&cinfo_);
    cinfo_.progress = &progress_;  // after create, which clears the struct
    jpeg_stdio_src(&cinfo_, file_.get());
    jpeg_save_markers(&cinfo_, kExifMarker, 0xffff);
    jpeg_save_markers(&cinfo_, kIccMarker, 0xffff);
    jpeg_read_header(&cinfo_, TRUE);
    return true;
  }

  bool prepare(int shrink) {
    if (setjmp(err_.jump) != 0) return false;
    cinfo_.scale_num = 1;
    cinfo_.scale_denom = static_cast<unsigned>(shrink);
    switch (cinfo_.jpeg_color_space) {
      case JCS_GRAYSCALE: cinfo_.out_color_space = JCS_GRAYSCALE; break;
      case JCS_CMYK:
      case JCS_YCCK:
        cinfo_.out_color_space = JCS_CMYK;
        cmyk_ = true;
        break;
      default: cinfo_.out_color_space = JCS_RGB; break;
    }
    jpeg_calc_output_dimensions(&cinfo_);
    jpeg_read_icc_profile(&cinfo_, &icc_, &icc_length_);
    return true;
  }

  void read_metadata() {
    Metadata& m = info_.metadata;
    if (icc_ != nullptr) {
      const auto* p = reinterpret_cast<const std::byte*>(icc_);
      m.icc.assign(p, p + icc_length_);
    }
    for (jpeg_saved_marker_ptr s = cinfo_.marker_list; s != nullptr; s = s->next) {
      if (s->marker != kExifMarker || s->data_length <= sizeof kExifPrefix) continue;
      if (std::memcmp(s->data, kExifPrefix, sizeof kExifPrefix) != 0) continue;  // XMP shares APP1
      const auto* p = reinterpret_cast<const std::byte*>(s->data);
      m.exif.assign(p + sizeof kExifPrefix, p + s->data_length);
      m.orientation = exif_orientation(m.exif);
      break;
    }
  }

  bool decode(JSAMPLE* dst, std::uint32_t rows) {
    if (setjmp(err_.jump) != 0) return false;
    // Started on the first read, not at open: a progressive file decodes
    // every scan here, and opening a reader should cost only its header.
    if (!started_) {
      started_ = true;
      jpeg_start_decompress(&cinfo_);
    }
    const std::size_t row_bytes = info_.geometry.row_bytes();
    const JDIMENSION end = cinfo_.output_scanline + rows;
    while (cinfo_.output_scanline < end) {
      JSAMPLE* out = dst + std::size_t{rows - (end - cinfo_.output_scanline)} * row_bytes;
      if (cmyk_) {
        JSAMPROW row = cmyk_row_.data();
        jpeg_read_scanlines(&cinfo_, &row, 1);
        cmyk_to_rgb(row, out);
        continue;
      }
      JSAMPROW batch[kRowBatch];
      const JDIMENSION n = std::min<JDIMENSION>(end - cinfo_.output_scanline, kRowBatch);
      for (JDIMENSION i = 0; i < n; ++i) batch[i] = out + i * row_bytes;
      jpeg_read_scanlines(&cinfo_, batch, n);
    }
    return true;
  }

  // Photoshop stores CMYK inverted (0 is full ink) and marks such files
  // with an Adobe segment; without it, take the values as plain CMYK.
  void cmyk_to_rgb(const JSAMPLE* in, JSAMPLE* out) const noexcept {
    const bool inverted = cinfo_.saw_Adobe_marker != 0;
    for (JDIMENSION x = 0; x < cinfo_.output_width; ++x, in += 4, out += 3) {
      const unsigned k = inverted ? in[3] : 255u - in[3];
      for (int c = 0; c < 3; ++c) out[c] = mul255(inverted ? in[c] : 255u - in[c], k);
    }
  }

  FilePtr file_;
  jpeg_decompress_struct cinfo_{};
  ErrorState err_{};
  jpeg_progress_mgr progress_{};
  bool cmyk_ = false;
  bool started_ = false;
  bool failed_ = false;
  std::vector<JSAMPLE> cmyk_row_;
  JOCTET* icc_ = nullptr;  // malloc'd by libjpeg
  unsigned icc_length_ = 0;
};

class JpegWriter final : public ImageWriter {
 public:
  JpegWriter(const Geometry& g, const WriteOptions& options, ByteSink& sink)
      : geometry_(g), sink_(sink), buffer_(kOutputBuffer) {
    install(err_, cinfo_.err);
    cinfo_.client_data = this;
    dest_.init_destination = on_init;
    dest_.empty_output_buffer = on_full;
    dest_.term_destination = on_term;
    const int colours = g.format.colour_channels();
    out_format_ = {colours, Depth::k8};
    if (g.format != out_format_) staging_.resize(std::size_t{g.width} * static_cast<unsigned>(colours) * kRowBatch);
    if (!options.metadata.exif.empty() && options.metadata.exif.size() + sizeof kExifPrefix <= kMaxMarkerData) {
      const auto& exif = options.metadata.exif;
      const std::vector<std::byte> block = options.keep_orientation ? exif : exif_upright(exif);
      exif_.resize(sizeof kExifPrefix + block.size());
      std::memcpy(exif_.data(), kExifPrefix, sizeof kExifPrefix);
      std::memcpy(exif_.data() + sizeof kExifPrefix, block.data(), block.size());
    }
  }
  ~JpegWriter() override { jpeg_destroy_compress(&cinfo_); }
  JpegWriter(const JpegWriter&) = delete;
  JpegWriter& operator=(const JpegWriter&) = delete;

  // Not in the constructor: when it throws, the destructor must still run.
  void open(const WriteOptions& options) {
    const auto& icc = options.metadata.icc;
    if (!start(std::clamp(options.quality, 1, 100), reinterpret_cast<const JOCTET*>(icc.data()),
               static_cast<unsigned>(icc.size())))
      fail();
  }

  [[nodiscard]] bool streams() const noexcept override { return true; }

  void write_rows(const std::byte* src, std::uint32_t rows) override {
    if (failed_) throw std::logic_error("JPEG: write after a failure");
    if (rows > geometry_.height - cinfo_.next_scanline) throw std::logic_error("JPEG: write past the last row");
    const std::size_t in_bytes = geometry_.row_bytes();
    const std::size_t out_bytes = std::size_t{geometry_.width} * static_cast<unsigned>(out_format_.channels);
    for (std::uint32_t done = 0; done < rows;) {
      const std::uint32_t n = std::min(rows - done, kRowBatch);
      JSAMPROW batch[kRowBatch];
      for (std::uint32_t i = 0; i < n; ++i) {
        const std::byte* in = src + std::size_t{done + i} * in_bytes;
        if (staging_.empty()) {
          // libjpeg's row type is not const, but it only reads input rows.
          batch[i] = reinterpret_cast<JSAMPROW>(const_cast<std::byte*>(in));
        } else {
          batch[i] = staging_.data() + i * out_bytes;
          convert_row(in, geometry_.format, reinterpret_cast<std::byte*>(batch[i]), out_format_, geometry_.width);
        }
      }
      if (!encode(batch, n)) fail();
      done += n;
    }
  }

  void finish() override {
    if (failed_) throw std::logic_error("JPEG: finish after a failure");
    if (cinfo_.next_scanline != geometry_.height) throw std::logic_error("JPEG: finish before the last row");
    if (!complete()) fail();
  }

 private:
  bool start(int quality, const JOCTET* icc, unsigned icc_length) {
    if (setjmp(err_.jump) != 0) return false;
    jpeg_create_compress(&cinfo_);
    cinfo_.dest = &dest_;
    cinfo_.image_width = geometry_.width;
    cinfo_.image_height = geometry_.height;
    cinfo_.input_components = out_format_.channels;
    cinfo_.in_color_space = out_format_.channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo_);
    // Speed over a few percent of size, as vips does: no Huffman
    // optimisation pass; 4:2:0 chroma is the default.
    cinfo_.optimize_coding = FALSE;
    jpeg_set_quality(&cinfo_, quality, TRUE);
    jpeg_start_compress(&cinfo_, TRUE);
    if (!exif_.empty()) jpeg_write_marker(&cinfo_, kExifMarker, exif_.data(), static_cast<unsigned>(exif_.size()));
    if (icc_length > 0) jpeg_write_icc_profile(&cinfo_, icc, icc_length);
    return true;
  }

  bool encode(JSAMPROW* rows, std::uint32_t n) {
    if (setjmp(err_.jump) != 0) return false;
    for (std::uint32_t i = 0; i < n;) i += jpeg_write_scanlines(&cinfo_, rows + i, n - i);
    return true;
  }

  bool complete() {
    if (setjmp(err_.jump) != 0) return false;
    jpeg_finish_compress(&cinfo_);
    return true;
  }

  [[noreturn]] void fail() {
    failed_ = true;
    if (sink_error_) std::rethrow_exception(sink_error_);
    throw ImageError(std::string("JPEG encoder: ") + err_.message);
  }

  static JpegWriter& self(j_compress_ptr cinfo) noexcept { return *static_cast<JpegWriter*>(cinfo->client_data); }

  static void on_init(j_compress_ptr cinfo) {
    JpegWriter& w = self(cinfo);
    w.dest_.next_output_byte = w.buffer_.data();
    w.dest_.free_in_buffer = w.buffer_.size();
  }

  static void deliver(j_compress_ptr cinfo, std::size_t bytes) {
    JpegWriter& w = self(cinfo);
    try {
      w.sink_.write({reinterpret_cast<const std::byte*>(w.buffer_.data()), bytes});
    } catch (...) {
      w.sink_error_ = std::current_exception();
    }
    // Out of the catch block before leaving by longjmp.
    if (w.sink_error_) std::longjmp(w.err_.jump, 1);
    on_init(cinfo);
  }

  static boolean on_full(j_compress_ptr cinfo) {
    deliver(cinfo, self(cinfo).buffer_.size());
    return TRUE;
  }

  static void on_term(j_compress_ptr cinfo) {
    JpegWriter& w = self(cinfo);
    deliver(cinfo, w.buffer_.size() - w.dest_.free_in_buffer);
  }

  Geometry geometry_;
  PixelFormat out_format_;
  ByteSink& sink_;
  jpeg_compress_struct cinfo_{};
  ErrorState err_{};
  jpeg_destination_mgr dest_{};
  std::vector<JOCTET> buffer_;
  std::vector<JSAMPLE> staging_;
  std::vector<JOCTET> exif_;  // APP1 payload, prefix included
  std::exception_ptr sink_error_;
  bool failed_ = false;
};

}  // namespace

std::unique_ptr<ImageReader> open_jpeg_reader(FilePtr file, const ReadOptions& options) {
  auto reader = std::make_unique<JpegReader>(std::move(file));
  reader->open(options);
  return reader;
}

std::unique_ptr<ImageWriter> make_jpeg_writer(const Geometry& g, const WriteOptions& o, ByteSink& sink) {
  auto writer = std::make_unique<JpegWriter>(g, o, sink);
  writer->open(o);
  return writer;
}

}  // namespace conc::image
