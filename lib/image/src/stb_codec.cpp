// stb_codec.cpp: the formats stb_image decodes (BMP, TGA, GIF's first frame,
// PSD's composite, binary PNM, HDR; JPEG and PNG too under --decoder stb)
// and the two stb_image_write encodes (BMP, TGA).
//
// Both libraries are compiled into this translation unit, with static
// linkage, rather than taken from Debian's libstb.so: the fuzzer then sees
// inside the decoders, and a build never mixes two snapshots. Debian 12's is
// a 2022 snapshot with open CVEs in its GIF decoder, so nothing reaches it
// before the header has passed the pixel guard.
//
// What the reader delivers: the channel count stb reports as stored (GIF,
// PSD: RGBA; BMP: RGB or RGBA; TGA, PNM, PNG, JPEG: as stored), 16-bit where
// the file is (PNG, PSD, PNM), HDR tone-mapped to 8 bit with stb's defaults.
// No metadata of its own: under --decoder stb a JPEG's or PNG's EXIF and ICC
// profile come from the native decoder's header read (codec.cpp).
//
// What the writer takes: 8-bit samples (16-bit input rounds). BMP keeps
// grey, RGB and RGBA (stb writes grey as 24-bit RGB, RGBA as a 32-bit V4
// bitmap; grey+alpha, which it would write without the alpha, is widened to
// RGBA first). TGA keeps all four pixel formats, RLE-compressed (stb's
// default, a pure function of the pixels).
#include <sys/stat.h>
#include <algorithm>

#include <array>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "format_codecs.h"
#include "image/image_error.h"

// stb_image's allocations go through these, so a decode abandoned midway
// (a read past the end throws out of stb's frames, which are C++ here) can
// free what stb had allocated: see AllocationScope below.
namespace conc::image::stb_memory {
void* allocate(std::size_t size) noexcept;
void* reallocate(void* p, std::size_t size) noexcept;
void release(void* p) noexcept;
}  // namespace conc::image::stb_memory
#define STBI_MALLOC(size) conc::image::stb_memory::allocate(size)
#define STBI_REALLOC(p, size) conc::image::stb_memory::reallocate(p, size)
#define STBI_FREE(p) conc::image::stb_memory::release(p)

// Sides beyond a million pixels are refused by stb's header read itself (its
// default is 16 Mi); the pixel guard bounds the area.
#define STBI_MAX_DIMENSIONS (1 << 20)
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
// Files reach stb only through the callbacks below; PIC is a format conc
// does not claim, so its decoder is left out.
#define STBI_NO_STDIO
#define STBI_WRITE_NO_STDIO
#define STBI_NO_PIC

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wall"
#pragma GCC diagnostic ignored "-Wextra"
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wmisleading-indentation"
#include <stb_image.h>
#include <stb_image_write.h>
#pragma GCC diagnostic pop

namespace conc::image {

namespace stb_memory {
namespace {
// What the decode in progress on this thread has allocated and not freed,
// or null outside a decode. Thread-local: decodes run on many threads.
thread_local std::vector<void*>* t_live = nullptr;
// The largest single block the decode in progress may ask for (see
// AllocationScope); SIZE_MAX outside a decode.
thread_local std::size_t t_max_block = SIZE_MAX;

void forget(void* p) noexcept {
  auto& live = *t_live;
  const auto it = std::find(live.begin(), live.end(), p);
  if (it == live.end()) return;
  *it = live.back();
  live.pop_back();
}
}  // namespace

void* allocate(std::size_t size) noexcept {
  if (size > t_max_block) return nullptr;  // stb reports "outofmem": a corrupt image
  void* p = std::malloc(size);
  if (p != nullptr && t_live != nullptr) {
    try {
      t_live->push_back(p);
    } catch (...) {  // cannot track it: fail the allocation as stb expects
      std::free(p);
      return nullptr;
    }
  }
  return p;
}

void* reallocate(void* p, std::size_t size) noexcept {
  if (t_live == nullptr) return std::realloc(p, size);
  if (size == 0) {  // glibc's realloc(p, 0) frees p: say so
    release(p);
    return nullptr;
  }
  if (size > t_max_block) return nullptr;  // p is still stb's, as after a failed realloc
  if (p != nullptr) forget(p);             // before realloc: afterwards p may be gone
  void* q = std::realloc(p, size);
  void* held = q != nullptr ? q : p;  // on failure p is still stb's
  if (held != nullptr) {
    try {
      t_live->push_back(held);
    } catch (...) {  // untracked: it leaks if the decode is thrown out of, nothing worse
    }
  }
  return q;
}

void release(void* p) noexcept {
  if (p != nullptr && t_live != nullptr) forget(p);
  std::free(p);
}
}  // namespace stb_memory

namespace {

/// Tracks stb's allocations while it lives: whatever stb still holds when
/// the scope ends (a decode thrown out of) is freed, except the result the
/// caller keeps. No single block may pass `max_block`: stb sizes some
/// buffers from lengths the file claims before it has read them (a PNG's
/// IDAT buffer grows to a chunk's declared length), so a small damaged
/// file could otherwise ask for gigabytes.
class AllocationScope {
 public:
  explicit AllocationScope(std::size_t max_block)
      : previous_(stb_memory::t_live), previous_max_(stb_memory::t_max_block) {
    live_.reserve(64);  // stb holds a handful at once: tracking them never allocates
    stb_memory::t_live = &live_;
    stb_memory::t_max_block = max_block;
  }
  AllocationScope(const AllocationScope&) = delete;
  AllocationScope& operator=(const AllocationScope&) = delete;
  ~AllocationScope() {
    stb_memory::t_live = previous_;
    stb_memory::t_max_block = previous_max_;
    for (void* p : live_) std::free(p);
  }
  /// `p` outlives the scope (the decoded pixels, freed by stbi_image_free).
  void keep(void* p) noexcept {
    const auto it = std::find(live_.begin(), live_.end(), p);
    if (it != live_.end()) live_.erase(it);
  }

 private:
  std::vector<void*> live_;
  std::vector<void*>* previous_;
  std::size_t previous_max_;
};

/// Thrown by Source::read during a decode when stb wants bytes past the
/// end: stb would carry on with zeros, which for some formats never ends (a
/// truncated HDR loops on a zero run length).
struct ReadPastEnd {};

std::string format_name(ImageType t) {
  switch (t) {
    case ImageType::kJpeg: return "JPEG";
    case ImageType::kPng: return "PNG";
    case ImageType::kWebp: return "WebP";
    case ImageType::kBmp: return "BMP";
    case ImageType::kTga: return "TGA";
    case ImageType::kGif: return "GIF";
    case ImageType::kPsd: return "PSD";
    case ImageType::kPnm: return "PNM";
    case ImageType::kHdr: return "HDR";
  }
  return "image";
}

/// stb_image reading the FILE*. A read that returns nothing means stb wanted
/// bytes past the end: stb then carries on with zeros (a truncated BMP or
/// TGA would "decode" with black rows), so the reader counts it as truncation.
struct Source {
  std::FILE* file = nullptr;
  bool read_past_end = false;
  /// During a decode (not the header probes, which may look past the end
  /// of a tiny file): a read past the end throws ReadPastEnd.
  bool strict = false;

  static int read(void* user, char* data, int size) {
    auto* self = static_cast<Source*>(user);
    if (size <= 0) return 0;
    const std::size_t got = std::fread(data, 1, static_cast<std::size_t>(size), self->file);
    if (got == 0) {
      self->read_past_end = true;
      if (self->strict) throw ReadPastEnd{};
    }
    return static_cast<int>(got);
  }
  static void skip(void* user, int n) {
    auto* self = static_cast<Source*>(user);
    // Seeking past the end succeeds without setting the end-of-file flag,
    // which stb's eof() asks about; reading one byte sets it.
    std::fseek(self->file, n, SEEK_CUR);
    const int c = std::fgetc(self->file);
    if (c != EOF) std::ungetc(c, self->file);
  }
  static int eof(void* user) { return std::feof(static_cast<Source*>(user)->file) != 0 ? 1 : 0; }

  static constexpr stbi_io_callbacks kCallbacks = {&Source::read, &Source::skip, &Source::eof};

  void rewind() {
    if (std::fseek(file, 0, SEEK_SET) != 0) throw std::system_error(errno, std::generic_category(), "cannot seek");
    read_past_end = false;
  }
};

/// Whether this stb_image delivers 16-bit PNM samples in file (big-endian)
/// order rather than the native order of its other 16-bit output: the 2022
/// snapshot copies them as they are stored. Probed once, so a fixed stb
/// needs no change here.
bool stb_pnm16_is_big_endian() {
  static const bool big = [] {
    static constexpr char kPgm[] = "P5 1 1 65535\n\x01\x02";
    int w = 0;
    int h = 0;
    int n = 0;
    stbi_us* p = stbi_load_16_from_memory(reinterpret_cast<const stbi_uc*>(kPgm), sizeof kPgm - 1, &w, &h, &n, 1);
    const bool swapped = p != nullptr && *p != 0x0102;
    stbi_image_free(p);
    return swapped;
  }();
  return big;
}

struct StbFree {
  void operator()(void* p) const noexcept { stbi_image_free(p); }
};

/// What stb_image gets wrong about a PNG, read from its chunk headers up to
/// the first IDAT (seeking over their data).
struct PngChunks {
  /// A tRNS chunk (a transparent colour key): stb's info reports the
  /// channels without the alpha it adds, and asked for that count it drops
  /// the alpha; libpng expands it.
  bool colour_key = false;
  /// The first IDAT is empty (legal): stb then copies into a null buffer
  /// (undefined behaviour, found by the fuzzer).
  bool empty_first_idat = false;
};
PngChunks png_chunks(std::FILE* file) {
  PngChunks found;
  if (std::fseek(file, 8, SEEK_SET) != 0) return found;
  for (int chunks = 0; chunks < 4096; ++chunks) {
    std::array<unsigned char, 8> header{};
    if (std::fread(header.data(), 1, header.size(), file) != header.size()) return found;
    const std::uint32_t length = (std::uint32_t{header[0]} << 24) | (std::uint32_t{header[1]} << 16) |
                                 (std::uint32_t{header[2]} << 8) | std::uint32_t{header[3]};
    const std::string_view type(reinterpret_cast<const char*>(header.data()) + 4, 4);
    if (type == "tRNS") found.colour_key = true;
    if (type == "IDAT") found.empty_first_idat = length == 0;
    if (type == "IDAT" || type == "IEND" || length > 0x7FFFFFFF) return found;
    if (std::fseek(file, static_cast<long>(length) + 4, SEEK_CUR) != 0) return found;
  }
  return found;
}

/// Why Debian's 2022 stb_image must not decode a JPEG (found by the
/// fuzzer, both checked upstream since), or "" when it may:
/// - a DHT segment declaring more than 256 symbols for a table overflows
///   the table (memory corruption);
/// - a scan using a Huffman table no DHT defined decodes with uninitialised
///   tables and indexes outside them;
/// - more than kMaxJpegScans scans (the native decoder's limit too).
/// The walk follows stb's: marker segments skipped by their length, and in
/// entropy-coded data every marker looked at, so no segment stb reads is
/// missed. Past the end stb reads zeros.
std::string jpeg_problem_for_stb(const std::vector<unsigned char>& d) {
  const std::size_t n = d.size();
  const auto at = [&](std::size_t i) -> unsigned { return i < n ? d[i] : 0u; };
  const auto length_at = [&](std::size_t i) -> std::size_t { return (at(i) << 8) | at(i + 1); };
  std::array<std::array<bool, 4>, 2> defined{};  // [class: DC, AC][id]
  int progressive = -1;                          // from the first SOF, which is the one stb reads
  int scans = 0;
  std::size_t i = 2;  // after SOI
  while (i < n) {
    if (d[i] != 0xFF) {
      ++i;  // entropy-coded data, or bytes stb fails on
      continue;
    }
    std::size_t j = i + 1;
    while (j < n && d[j] == 0xFF) ++j;  // fill bytes
    if (j >= n) break;
    const unsigned marker = d[j];
    if (marker == 0x00 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD9)) {
      // Stuffing, restarts and lone markers carry no segment (at the top
      // level stb fails on them); at EOI stb stops reading, and what
      // follows (a phone's motion-photo video) is not looked at.
      if (marker == 0xD9) break;
      i = j + 1;
      continue;
    }
    const std::size_t length = length_at(j + 1);
    if ((marker == 0xC0 || marker == 0xC1 || marker == 0xC2) && progressive < 0) progressive = marker == 0xC2;
    if (marker == 0xC4) {
      long left = static_cast<long>(length) - 2;
      for (std::size_t p = j + 3; left > 0 && p < n;) {
        const unsigned table_class = at(p) >> 4;
        const unsigned id = at(p) & 15;
        if (table_class > 1 || id > 3) break;  // stb refuses the segment
        unsigned symbols = 0;
        for (std::size_t k = 1; k <= 16; ++k) symbols += at(p + k);
        if (symbols > 256) return "a Huffman table of over 256 symbols";
        defined[table_class][id] = true;
        p += 17 + symbols;
        left -= 17 + static_cast<long>(symbols);
      }
    }
    if (marker == 0xDA) {
      if (++scans > kMaxJpegScans) return "more than " + std::to_string(kMaxJpegScans) + " progressive scans";
      const unsigned components = at(j + 3);
      const unsigned spectral_start = at(j + 4 + 2 * std::size_t{components});
      for (unsigned c = 0; c < components; ++c) {
        const unsigned dc = at(j + 5 + 2 * std::size_t{c}) >> 4;
        const unsigned ac = at(j + 5 + 2 * std::size_t{c}) & 15;
        if (dc > 3 || ac > 3) break;  // stb refuses the scan
        const bool needs_dc = progressive != 1 || spectral_start == 0;
        const bool needs_ac = progressive != 1 || spectral_start != 0;
        if ((needs_dc && !defined[0][dc]) || (needs_ac && !defined[1][ac])) {
          return "a scan uses a Huffman table that was never defined";
        }
      }
    }
    // After a scan header (SOS) the scan's entropy-coded data follows.
    i = j + 1 + length;
  }
  return {};
}

/// Reads a binary PNM header as stb does (the magic, then width, height and
/// maximum value, each after whitespace and # comments) and checks what
/// Debian's 2022 stb_image does not: numbers that overflow an int
/// (undefined behaviour there, found by the fuzzer), a maximum value
/// outside 1-65535 (throws ImageError).
struct PnmHeader {
  std::uint64_t bytes = 0;      ///< the file holds every sample in this many (stb would fill the rest with black)
  std::uint32_t max_value = 0;  ///< the samples' scale (stb hands them on unscaled)
};
PnmHeader check_pnm_header(std::FILE* file) {
  const auto space = [](int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; };
  std::fgetc(file);
  const int variant = std::fgetc(file);
  int c = std::fgetc(file);
  std::array<std::uint64_t, 3> fields{};  // width, height, maximum value
  for (auto& value : fields) {
    while (true) {
      while (c != EOF && space(c)) c = std::fgetc(file);
      if (c != '#') break;
      while (c != EOF && c != '\n' && c != '\r') c = std::fgetc(file);
    }
    while (c >= '0' && c <= '9') {
      value = value * 10 + static_cast<unsigned>(c - '0');
      if (value > INT_MAX / 10) throw ImageError("corrupt PNM: a header number out of range");
      c = std::fgetc(file);
    }
  }
  if (fields[2] == 0 || fields[2] > 65535) throw ImageError("corrupt PNM: a maximum value outside 1-65535");
  // One whitespace byte (just read, in `c`) separates the header from the samples.
  // (The numbers are below 2^28 each: no product here overflows.)
  const long data = std::ftell(file);
  const std::uint64_t sample_bytes = fields[2] > 255 ? 2 : 1;
  return {
      static_cast<std::uint64_t>(data < 0 ? 0 : data) + fields[0] * fields[1] * (variant == '6' ? 3 : 1) * sample_bytes,
      static_cast<std::uint32_t>(fields[2])};
}

/// Stretches samples of a PNM whose maximum value is not the full range of
/// their type (a 12-bit scan is 0-4095, a bilevel PGM 0-1) to that range,
/// as every viewer shows them; a sample above the maximum counts as it.
template <class T>
void stretch_samples(T* samples, std::size_t count, std::uint32_t max_value) {
  constexpr std::uint64_t kFull = std::numeric_limits<T>::max();
  if (max_value == 0 || max_value == kFull) return;
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint64_t v = std::min<std::uint64_t>(samples[i], max_value);
    samples[i] = static_cast<T>((v * kFull + max_value / 2) / max_value);
  }
}

/// Refuses the PSDs stb_image would decode to garbage with success: no
/// channels (stb makes a transparent black image), and 16-bit samples
/// compressed with RLE, which it does not support (ImageMagick writes them
/// by default). The image data's compression follows three sections, each
/// after its 32-bit length.
void check_psd(std::FILE* file) {
  std::array<unsigned char, 26> h{};
  if (std::fread(h.data(), 1, h.size(), file) != h.size()) return;  // stb's header read says what is wrong
  const auto be16 = [](const unsigned char* p) { return unsigned{p[0]} << 8 | p[1]; };
  if (be16(&h[12]) == 0) throw ImageError("corrupt PSD: no channels");
  if (be16(&h[22]) != 16) return;
  for (int section = 0; section < 3; ++section) {
    std::array<unsigned char, 4> len{};
    if (std::fread(len.data(), 1, len.size(), file) != len.size()) return;
    const long length = static_cast<long>(std::uint32_t{len[0]} << 24 | std::uint32_t{len[1]} << 16 |
                                          std::uint32_t{len[2]} << 8 | len[3]);
    if (length < 0 || std::fseek(file, length, SEEK_CUR) != 0) return;
  }
  std::array<unsigned char, 2> compression{};
  if (std::fread(compression.data(), 1, compression.size(), file) == compression.size() &&
      be16(compression.data()) == 1) {
    throw ImageError("16-bit PSD compressed with RLE is not supported (save it uncompressed, or as 8-bit)");
  }
}

/// The bytes an uncompressed TGA (types 1-3) needs for its header, id
/// field, colour map and pixels: stb would fill what is missing with black.
/// 0 for the run-length types, which end at a read past the end instead.
std::uint64_t tga_length(std::FILE* file) {
  std::array<unsigned char, 18> h{};
  if (std::fread(h.data(), 1, h.size(), file) != h.size()) return 0;  // stb's header read says what is wrong
  const auto le16 = [&](std::size_t at) { return std::uint64_t{h[at]} | std::uint64_t{h[at + 1]} << 8; };
  const unsigned type = h[2];
  if (type < 1 || type > 3) return 0;
  const std::uint64_t colour_map = h[1] == 1 ? le16(5) * ((h[7] + 7u) / 8) : 0;
  return h.size() + h[0] + colour_map + le16(12) * le16(14) * ((h[16] + 7u) / 8);
}

class StbReader final : public ImageReader {
 public:
  StbReader(FilePtr file, ImageType type, const ReadOptions& options, Metadata metadata)
      : file_(std::move(file)), type_(type) {
    info_.metadata = std::move(metadata);
    source_.file = file_.get();
    if (type == ImageType::kJpeg) {
      const std::string problem = jpeg_problem_for_stb(read_all());
      if (!problem.empty()) throw ImageError("corrupt JPEG: " + problem);
      source_.rewind();
    }
    if (type == ImageType::kPsd) {
      check_psd(file_.get());
      source_.rewind();
    }
    std::uint64_t need = 0;  // bytes the declared pixels take, where stb would not notice fewer
    if (type == ImageType::kPnm || type == ImageType::kTga) {
      if (type == ImageType::kPnm) {
        const PnmHeader pnm = check_pnm_header(file_.get());
        need = pnm.bytes;
        pnm_max_value_ = pnm.max_value;
      } else {
        need = tga_length(file_.get());
      }
      source_.rewind();
    }
    int width = 0;
    int height = 0;
    int channels = 0;
    if (stbi_info_from_callbacks(&Source::kCallbacks, &source_, &width, &height, &channels) == 0) fail();
    // stbi_info passes a top-down BMP's height on as stored, negative (its
    // loader takes the absolute value).
    if (type == ImageType::kBmp && height < 0 && height != INT_MIN) height = -height;
    if (width < 0 || height < 0) throw ImageError("corrupt " + format_name(type_) + ": a negative size");
    check_pixel_guard(static_cast<std::uint64_t>(width), static_cast<std::uint64_t>(height), options.max_pixels);
    if (channels < 1 || channels > 4) throw ImageError("corrupt " + format_name(type_) + ": unsupported channel count");
    check_file_size(static_cast<std::uint64_t>(width) * static_cast<std::uint64_t>(height), need);
    source_.rewind();
    const bool sixteen = stbi_is_16_bit_from_callbacks(&Source::kCallbacks, &source_) != 0;
    if (type == ImageType::kPng) {
      const PngChunks png = png_chunks(file_.get());
      if (png.empty_first_idat) {
        throw ImageError("a PNG whose first IDAT chunk is empty: stb_image cannot read it (use --decoder native)");
      }
      if ((channels == 1 || channels == 3) && png.colour_key) ++channels;
    }
    source_.rewind();

    info_.type = type;
    info_.geometry = {static_cast<std::uint32_t>(width), static_cast<std::uint32_t>(height),
                      PixelFormat{channels, sixteen ? Depth::k16 : Depth::k8}};
    info_.stored_width = info_.geometry.width;
    info_.stored_height = info_.geometry.height;
  }

  [[nodiscard]] bool streams() const noexcept override { return false; }

  void read_rows(std::byte* dst, std::uint32_t rows) override {
    const Geometry& g = info_.geometry;
    if (rows > g.height - next_row_) throw std::logic_error("read_rows past the last row");
    if (!pixels_) decode();
    const std::size_t row_bytes = g.row_bytes();
    std::memcpy(dst, static_cast<const std::byte*>(pixels_.get()) + next_row_ * row_bytes, rows * row_bytes);
    next_row_ += rows;
    if (next_row_ == g.height) pixels_.reset();  // the rows are the caller's now
  }

 private:
  /// Checks the file's size against its header. No format stb reads packs
  /// more than 4096 pixels into a byte (GIF's LZW codes cover at most 4096
  /// pixels each; the run-length formats far fewer), so a file smaller than
  /// that is a bomb header: refused before stb allocates (and for GIF
  /// clears) the whole canvas. A file shorter than `need`, the bytes its
  /// uncompressed pixels take (0 where that is not known), is truncated.
  void check_file_size(std::uint64_t pixels, std::uint64_t need) const {
    struct stat st {};
    if (::fstat(::fileno(file_.get()), &st) != 0) return;
    const auto bytes = static_cast<std::uint64_t>(st.st_size);
    if (bytes < pixels / 4096) {
      throw ImageError("corrupt " + format_name(type_) + ": " + std::to_string(bytes) + " bytes cannot hold " +
                       std::to_string(pixels) + " pixels");
    }
    if (bytes < need) throw ImageError("truncated " + format_name(type_));
  }

  [[noreturn]] void fail() const {
    if (std::ferror(file_.get()) != 0) throw std::system_error(EIO, std::generic_category(), "cannot read");
    const char* reason = stbi_failure_reason();
    throw ImageError("corrupt " + format_name(type_) + ": " + (reason != nullptr ? reason : "unknown error"));
  }

  // The largest block a decode of this file may need: the compressed data
  // twice over (stb doubles its buffers as they fill) and 32 bytes a pixel
  // (HDR's float RGBA is 16, and stb converts between formats), with room.
  [[nodiscard]] std::size_t max_block() const {
    struct stat st {};
    const std::uint64_t file_bytes =
        ::fstat(::fileno(file_.get()), &st) == 0 && st.st_size > 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
    const std::uint64_t pixels = std::uint64_t{info_.stored_width} * info_.stored_height;
    return static_cast<std::size_t>(2 * file_bytes + 32 * pixels + (std::uint64_t{16} << 20));
  }

  std::vector<unsigned char> read_all() {
    std::vector<unsigned char> data;
    std::array<unsigned char, 65536> chunk{};
    std::size_t got = 0;
    while ((got = std::fread(chunk.data(), 1, chunk.size(), file_.get())) > 0) {
      data.insert(data.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(got));
    }
    if (std::ferror(file_.get()) != 0) throw std::system_error(EIO, std::generic_category(), "cannot read");
    return data;
  }

  void decode() {
    const Geometry& g = info_.geometry;
    int width = 0;
    int height = 0;
    int stored_channels = 0;
    const int channels = g.format.channels;
    void* pixels = nullptr;
    {
      AllocationScope scope(max_block());
      source_.strict = true;
      try {
        pixels = g.format.depth == Depth::k16
                     ? static_cast<void*>(stbi_load_16_from_callbacks(&Source::kCallbacks, &source_, &width, &height,
                                                                      &stored_channels, channels))
                     : static_cast<void*>(stbi_load_from_callbacks(&Source::kCallbacks, &source_, &width, &height,
                                                                   &stored_channels, channels));
      } catch (const ReadPastEnd&) {
        source_.strict = false;
        throw ImageError("truncated " + format_name(type_));
      }
      source_.strict = false;
      if (pixels != nullptr) scope.keep(pixels);
    }
    if (pixels == nullptr) fail();
    // Owned here until every check has passed: a reader whose decode failed
    // holds no rows to hand out.
    std::unique_ptr<void, StbFree> owner(pixels);
    if (std::ferror(file_.get()) != 0) throw std::system_error(EIO, std::generic_category(), "cannot read");
    if (source_.read_past_end) throw ImageError("truncated " + format_name(type_));
    // The header was read twice; a file changed in between is not decoded
    // into a buffer of the wrong size.
    if (static_cast<std::uint32_t>(width) != g.width || static_cast<std::uint32_t>(height) != g.height) {
      throw ImageError("corrupt " + format_name(type_) + ": the size changed while reading");
    }
    const std::size_t count = g.pixels() * static_cast<std::size_t>(g.format.channels);
    if (type_ == ImageType::kPnm && g.format.depth == Depth::k16) {
      auto* samples = static_cast<std::uint16_t*>(owner.get());
      if (stb_pnm16_is_big_endian()) {
        for (std::size_t i = 0; i < count; ++i)
          samples[i] = static_cast<std::uint16_t>((samples[i] >> 8) | (samples[i] << 8));
      }
      stretch_samples(samples, count, pnm_max_value_);
    } else if (type_ == ImageType::kPnm) {
      stretch_samples(static_cast<std::uint8_t*>(owner.get()), count, pnm_max_value_);
    }
    pixels_ = std::move(owner);
  }

  FilePtr file_;
  ImageType type_;
  std::uint32_t pnm_max_value_ = 0;  ///< a PNM's maximum sample value
  Source source_;
  std::unique_ptr<void, StbFree> pixels_;
  std::uint32_t next_row_ = 0;
};

/// Gathers the rows as 8-bit samples, hands them to stb_image_write in
/// finish().
class StbWriter final : public ImageWriter {
 public:
  StbWriter(const Geometry& g, ImageType type, ByteSink& sink) : geometry_(g), type_(type), sink_(sink) {
    if (g.width == 0 || g.height == 0) throw ImageError("cannot write an empty image");
    const int channels = type == ImageType::kBmp && g.format.channels == 2 ? 4 : g.format.channels;
    out_format_ = PixelFormat{channels, Depth::k8};
    if (type == ImageType::kTga) {
      // The header's sides are 16-bit: stb would truncate them silently.
      if (g.width > 65535 || g.height > 65535) {
        throw ImageError("too large for TGA (at most 65535x65535 pixels): " + std::to_string(g.width) + "x" +
                         std::to_string(g.height));
      }
    }
    // stb computes offsets and the BMP header's sizes in int.
    const std::uint64_t bytes = std::uint64_t{g.width} * g.height * 4 + 512;
    if (g.width > INT_MAX || g.height > INT_MAX || bytes > std::uint64_t{INT_MAX}) {
      throw ImageError("too large for " + format_name(type) + " (at most 2 GiB of pixels)");
    }
    rows_.emplace(g, out_format_);  // allocated once the size has passed the checks
  }

  [[nodiscard]] bool streams() const noexcept override { return false; }

  void write_rows(const std::byte* src, std::uint32_t rows) override { rows_->add(src, rows); }

  void finish() override {
    rows_->require_complete();
    const auto* pixels = rows_->data();
    const int w = static_cast<int>(geometry_.width);
    const int h = static_cast<int>(geometry_.height);
    const int comp = out_format_.channels;
    const int ok = type_ == ImageType::kBmp ? stbi_write_bmp_to_func(&StbWriter::put, this, w, h, comp, pixels)
                                            : stbi_write_tga_to_func(&StbWriter::put, this, w, h, comp, pixels);
    rows_->release();
    if (error_) std::rethrow_exception(error_);
    if (ok == 0) throw ImageError(format_name(type_) + " encoder failed");
  }

 private:
  // Called from C frames: an exception must not unwind through them, so the
  // sink's is kept and rethrown once stb has returned.
  static void put(void* context, void* data, int size) noexcept {
    auto* self = static_cast<StbWriter*>(context);
    if (self->error_ || size <= 0) return;
    try {
      self->sink_.write({static_cast<const std::byte*>(data), static_cast<std::size_t>(size)});
    } catch (...) {
      self->error_ = std::current_exception();
    }
  }

  Geometry geometry_;
  ImageType type_;
  ByteSink& sink_;
  PixelFormat out_format_;
  std::optional<GatheredRows> rows_;
  std::exception_ptr error_;
};

}  // namespace

std::unique_ptr<ImageReader> open_stb_reader(FilePtr file, ImageType type, const ReadOptions& options,
                                             Metadata metadata) {
  return std::make_unique<StbReader>(std::move(file), type, options, std::move(metadata));
}

std::unique_ptr<ImageWriter> make_stb_writer(const Geometry& g, const WriteOptions& o, ByteSink& sink) {
  if (o.type != ImageType::kBmp && o.type != ImageType::kTga) {
    throw std::invalid_argument("stb_image_write writes BMP and TGA only");
  }
  return std::make_unique<StbWriter>(g, o.type, sink);
}

}  // namespace conc::image
