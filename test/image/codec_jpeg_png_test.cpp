// codec_jpeg_png_test.cpp: the libjpeg-turbo and libpng codecs and the EXIF
// helpers: round trips, shrink-on-load, metadata, and damaged input.
//
// Files that conc's writers never produce (interlaced, palette, CMYK, EXIF
// with an orientation) are made here with libpng and libjpeg directly.
#include <cstdio>  // before jpeglib.h, which needs FILE and size_t

#include <jpeglib.h>
#include <png.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "format_codecs.h"
#include "image/image_error.h"
#include "image_files.h"
#include "temp_dir.h"
#include "test_images.h"

namespace {

using conc::image::Depth;
using conc::image::FilePtr;
using conc::image::Geometry;
using conc::image::Image;
using conc::image::ImageError;
using conc::image::ImageReader;
using conc::image::ImageType;
using conc::image::ReadOptions;
using conc::image::WriteOptions;
using conc::image::testing::make_test_image;
using conc::image::testing::sample_at;
using Bytes = std::vector<std::byte>;

struct VectorSink : conc::image::ByteSink {
  Bytes bytes;
  void write(std::span<const std::byte> b) override { bytes.insert(bytes.end(), b.begin(), b.end()); }
};

struct DiskFull : std::runtime_error {
  DiskFull() : std::runtime_error("disk full") {}
};

// Accepts `room` bytes, then fails like a full disk.
struct FullSink : conc::image::ByteSink {
  std::size_t room = 0;
  void write(std::span<const std::byte> b) override {
    if (b.size() > room) throw DiskFull();
    room -= b.size();
  }
};

// The bytes as an open file: written under a test directory and unlinked at
// once, so nothing is left behind whatever the test does.
FilePtr as_file(const Bytes& bytes) {
  static const conc::test::TempDir dir;
  std::string name = (dir.path / "image-XXXXXX").string();
  const int fd = mkstemp(name.data());
  REQUIRE(fd >= 0);
  ::unlink(name.c_str());
  FilePtr file(::fdopen(fd, "w+b"));
  REQUIRE(file);
  if (!bytes.empty()) REQUIRE(std::fwrite(bytes.data(), 1, bytes.size(), file.get()) == bytes.size());
  std::rewind(file.get());
  return file;
}

std::unique_ptr<ImageReader> open(ImageType type, const Bytes& bytes, const ReadOptions& options = {}) {
  return type == ImageType::kJpeg ? conc::image::open_jpeg_reader(as_file(bytes), options)
                                  : conc::image::open_png_reader(as_file(bytes), options);
}

// In bands of 7 rows, so reads that straddle libjpeg's row groups are used.
Image read_all(ImageReader& reader) {
  Image img(reader.info().geometry);
  const std::uint32_t h = img.geometry().height;
  for (std::uint32_t y = 0; y < h; y += 7) reader.read_rows(img.row(y), std::min(7u, h - y));
  return img;
}

Image decode(ImageType type, const Bytes& bytes, const ReadOptions& options = {}) {
  return read_all(*open(type, bytes, options));
}

// In bands of 5 rows, so writes span the encoders' output buffers.
Bytes encode(const Image& img, WriteOptions options) {
  VectorSink sink;
  const Geometry& g = img.geometry();
  auto writer = options.type == ImageType::kJpeg ? conc::image::make_jpeg_writer(g, options, sink)
                                                 : conc::image::make_png_writer(g, options, sink);
  CHECK(writer->streams());
  for (std::uint32_t y = 0; y < g.height; y += 5) writer->write_rows(img.row(y), std::min(5u, g.height - y));
  writer->finish();
  return std::move(sink.bytes);
}

WriteOptions options_for(ImageType type, int quality = 90) {
  WriteOptions o;
  o.type = type;
  o.quality = quality;
  return o;
}
WriteOptions png_options() { return options_for(ImageType::kPng); }
WriteOptions jpeg_options(int quality = 90) { return options_for(ImageType::kJpeg, quality); }

ReadOptions shrinking(int shrink) {
  ReadOptions o;
  o.shrink = shrink;
  return o;
}
ReadOptions limited(std::uint64_t max_pixels) {
  ReadOptions o;
  o.max_pixels = max_pixels;
  return o;
}

bool same_pixels(const Image& a, const Image& b) {
  return a.geometry() == b.geometry() && std::equal(a.data(), a.data() + a.size_bytes(), b.data());
}

// Gradients with a little noise. make_test_image's smooth images wrap
// around (sharp edges) and have independent noise per channel, which 4:2:0
// chroma subsampling cannot keep: they measure the test image, not the codec.
Image photo_like(std::uint32_t w, std::uint32_t h) {
  Image img({w, h, {3, Depth::k8}});
  for (std::uint32_t y = 0; y < h; ++y)
    for (std::uint32_t x = 0; x < w; ++x) {
      const std::uint32_t noise = (x * 7919u + y * 104729u) % 5;
      const std::uint32_t v[3] = {x * 200 / w + noise, y * 200 / h + noise, (x + y) * 100 / (w + h) + 50 + noise};
      for (int c = 0; c < 3; ++c) img.row(y)[3 * x + static_cast<std::uint32_t>(c)] = static_cast<std::byte>(v[c]);
    }
  return img;
}

double mean_abs_error(const Image& a, const Image& b) {
  const auto& g = a.geometry();
  double sum = 0;
  for (std::uint32_t y = 0; y < g.height; ++y)
    for (std::uint32_t x = 0; x < g.width; ++x)
      for (int c = 0; c < g.format.channels; ++c)
        sum += std::abs(static_cast<double>(sample_at(a, x, y, c)) - sample_at(b, x, y, c));
  return sum / (static_cast<double>(g.pixels()) * g.format.channels);
}

// --- files made by hand -------------------------------------------------

void put16(Bytes& b, std::size_t at, unsigned v, bool big) {
  b[at + (big ? 0 : 1)] = static_cast<std::byte>(v >> 8 & 0xff);
  b[at + (big ? 1 : 0)] = static_cast<std::byte>(v & 0xff);
}
void put32(Bytes& b, std::size_t at, std::uint32_t v, bool big) {
  put16(b, at + (big ? 0 : 2), v >> 16, big);
  put16(b, at + (big ? 2 : 0), v & 0xffff, big);
}

// A TIFF header and an IFD0 of two entries, Make ("conc") and Orientation.
Bytes make_exif(unsigned orientation, bool big_endian = false) {
  Bytes b(8 + 2 + 2 * 12 + 4);
  b[0] = b[1] = static_cast<std::byte>(big_endian ? 'M' : 'I');
  put16(b, 2, 42, big_endian);
  put32(b, 4, 8, big_endian);
  put16(b, 8, 2, big_endian);
  put16(b, 10, 0x010f, big_endian);  // Make, ASCII, 4 bytes inline
  put16(b, 12, 2, big_endian);
  put32(b, 14, 4, big_endian);
  std::memcpy(b.data() + 18, "con", 4);
  put16(b, 22, 0x0112, big_endian);  // Orientation, SHORT, 1
  put16(b, 24, 3, big_endian);
  put32(b, 26, 1, big_endian);
  put16(b, 30, orientation, big_endian);
  return b;  // next-IFD offset 0
}

// `jpeg` with an APP1 EXIF segment inserted after SOI.
Bytes with_app1(const Bytes& jpeg, const Bytes& exif) {
  Bytes seg{std::byte{0xff}, std::byte{0xe1}, std::byte{0}, std::byte{0}};
  put16(seg, 2, static_cast<unsigned>(2 + 6 + exif.size()), true);
  for (char c : std::string("Exif\0\0", 6)) seg.push_back(static_cast<std::byte>(c));
  seg.insert(seg.end(), exif.begin(), exif.end());
  Bytes out(jpeg.begin(), jpeg.begin() + 2);
  out.insert(out.end(), seg.begin(), seg.end());
  out.insert(out.end(), jpeg.begin() + 2, jpeg.end());
  return out;
}

// The offset of a baseline JPEG's SOF0 segment (its marker), found by
// walking the marker segments.
std::size_t find_sof0(const Bytes& jpeg) {
  std::size_t at = 2;
  while (at + 4 <= jpeg.size()) {
    REQUIRE(jpeg[at] == std::byte{0xff});
    const auto marker = static_cast<unsigned>(jpeg[at + 1]);
    if (marker == 0xc0) return at;
    at += 2 + (static_cast<unsigned>(jpeg[at + 2]) << 8 | static_cast<unsigned>(jpeg[at + 3]));
  }
  FAIL("no SOF0");
  return 0;
}

// A JPEG from libjpeg directly, for what conc's writer never makes.
// `samples` holds every row in the input colour space, or one row that
// every row repeats.
Bytes libjpeg_write(JDIMENSION width, JDIMENSION height, J_COLOR_SPACE space, const std::vector<JSAMPLE>& samples,
                    bool progressive) {
  jpeg_compress_struct cinfo{};
  jpeg_error_mgr err{};
  cinfo.err = jpeg_std_error(&err);
  jpeg_create_compress(&cinfo);
  unsigned char* out = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&cinfo, &out, &size);
  cinfo.image_width = width;
  cinfo.image_height = height;
  cinfo.input_components = space == JCS_CMYK ? 4 : 3;
  cinfo.in_color_space = space;
  jpeg_set_defaults(&cinfo);  // CMYK gets an Adobe segment
  jpeg_set_quality(&cinfo, 100, TRUE);
  if (progressive) jpeg_simple_progression(&cinfo);
  jpeg_start_compress(&cinfo, TRUE);
  const std::size_t row_size = std::size_t{width} * static_cast<unsigned>(cinfo.input_components);
  while (cinfo.next_scanline < height) {
    // libjpeg's row type is not const; it only reads input rows.
    auto* row = const_cast<JSAMPLE*>(samples.data() + (samples.size() > row_size ? cinfo.next_scanline * row_size : 0));
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  const auto* p = reinterpret_cast<const std::byte*>(out);
  Bytes bytes(p, p + size);
  jpeg_destroy_compress(&cinfo);
  std::free(out);
  return bytes;
}

struct RawPng {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  int bit_depth = 8;
  int colour_type = PNG_COLOR_TYPE_RGB;
  bool interlaced = false;
  std::vector<png_color> palette;
  std::vector<png_byte> trns;  // palette alpha
  Bytes exif;
  std::vector<std::vector<png_byte>> rows;  // as stored: big-endian, packed
};

RawPng raw_png(std::uint32_t width, std::uint32_t height, int bit_depth, int colour_type) {
  RawPng spec;
  spec.width = width;
  spec.height = height;
  spec.bit_depth = bit_depth;
  spec.colour_type = colour_type;
  return spec;
}

// Written by libpng itself, so the reader is checked against the reference.
Bytes libpng_write(RawPng& spec) {
  Bytes out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  png_set_write_fn(
      png, &out,
      [](png_structp p, png_bytep data, size_t n) {
        auto* o = static_cast<Bytes*>(png_get_io_ptr(p));
        const auto* d = reinterpret_cast<const std::byte*>(data);
        o->insert(o->end(), d, d + n);
      },
      [](png_structp) {});
  png_set_IHDR(png, info, spec.width, spec.height, spec.bit_depth, spec.colour_type,
               spec.interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  if (!spec.palette.empty()) png_set_PLTE(png, info, spec.palette.data(), static_cast<int>(spec.palette.size()));
  if (!spec.trns.empty()) png_set_tRNS(png, info, spec.trns.data(), static_cast<int>(spec.trns.size()), nullptr);
  if (!spec.exif.empty())
    png_set_eXIf_1(png, info, static_cast<png_uint_32>(spec.exif.size()),
                   reinterpret_cast<png_bytep>(spec.exif.data()));
  png_write_info(png, info);
  std::vector<png_bytep> rows;
  for (auto& r : spec.rows) rows.push_back(r.data());
  png_write_image(png, rows.data());  // handles the interlace passes
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

// A row of `img` as PNG stores it (16-bit samples big-endian).
std::vector<png_byte> stored_row(const Image& img, std::uint32_t y) {
  const auto& g = img.geometry();
  std::vector<png_byte> row(g.row_bytes());
  const std::size_t samples = std::size_t{g.width} * g.format.channels;
  for (std::size_t i = 0; i < samples; ++i) {
    const std::uint32_t v =
        sample_at(img, static_cast<std::uint32_t>(i / g.format.channels), y, static_cast<int>(i % g.format.channels));
    if (g.format.depth == Depth::k16) {
      row[2 * i] = static_cast<png_byte>(v >> 8);
      row[2 * i + 1] = static_cast<png_byte>(v & 0xff);
    } else {
      row[i] = static_cast<png_byte>(v);
    }
  }
  return row;
}

}  // namespace

// --- PNG ----------------------------------------------------------------

TEST_CASE("png: round trips are bit-exact for 8 and 16 bit, 1 to 4 channels", "[codec]") {
  for (const Depth depth : {Depth::k8, Depth::k16}) {
    for (int channels = 1; channels <= 4; ++channels) {
      for (const auto& [w, h] : {std::pair{1u, 1u}, std::pair{37u, 23u}, std::pair{300u, 40u}}) {
        const Geometry g{w, h, {channels, depth}};
        CAPTURE(channels, static_cast<int>(depth), w, h);
        const Image img = make_test_image(g, 7);
        const Bytes png = encode(img, png_options());
        auto reader = open(ImageType::kPng, png);
        CHECK(reader->streams());
        CHECK(reader->info().type == ImageType::kPng);
        CHECK(reader->info().stored_width == w);
        CHECK(reader->info().stored_height == h);
        CHECK(same_pixels(read_all(*reader), img));
      }
    }
  }
}

TEST_CASE("png: an interlaced file reads equal, decoded whole", "[codec]") {
  for (const auto& format : {conc::image::PixelFormat{4, Depth::k8}, conc::image::PixelFormat{1, Depth::k16},
                             conc::image::PixelFormat{3, Depth::k16}}) {
    const Image img = make_test_image({37, 23, format}, 3);
    const int colour_type = format.channels == 4   ? PNG_COLOR_TYPE_RGB_ALPHA
                            : format.channels == 3 ? PNG_COLOR_TYPE_RGB
                                                   : PNG_COLOR_TYPE_GRAY;
    RawPng spec = raw_png(37, 23, static_cast<int>(format.depth), colour_type);
    spec.interlaced = true;
    for (std::uint32_t y = 0; y < 23; ++y) spec.rows.push_back(stored_row(img, y));
    auto reader = open(ImageType::kPng, libpng_write(spec));
    CHECK_FALSE(reader->streams());
    CHECK(same_pixels(read_all(*reader), img));
  }
}

TEST_CASE("png: palette and low-bit grey expand to 8 bit, tRNS to alpha", "[codec]") {
  SECTION("palette with transparency becomes RGBA") {
    RawPng spec = raw_png(3, 2, 4, PNG_COLOR_TYPE_PALETTE);
    spec.palette = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}};
    spec.trns = {255, 128};  // entry 2 stays opaque
    spec.rows = {{0x01, 0x20}, {0x21, 0x00}};
    const Image img = decode(ImageType::kPng, libpng_write(spec));
    REQUIRE(img.geometry() == Geometry{3, 2, {4, Depth::k8}});
    const std::uint8_t expect[2][3][4] = {{{255, 0, 0, 255}, {0, 255, 0, 128}, {0, 0, 255, 255}},
                                          {{0, 0, 255, 255}, {0, 255, 0, 128}, {255, 0, 0, 255}}};
    for (std::uint32_t y = 0; y < 2; ++y)
      for (std::uint32_t x = 0; x < 3; ++x)
        for (int c = 0; c < 4; ++c) CHECK(sample_at(img, x, y, c) == expect[y][x][c]);
  }
  SECTION("palette without transparency becomes RGB") {
    RawPng spec = raw_png(2, 1, 8, PNG_COLOR_TYPE_PALETTE);
    spec.palette = {{10, 20, 30}, {40, 50, 60}};
    spec.rows = {{1, 0}};
    const Image img = decode(ImageType::kPng, libpng_write(spec));
    REQUIRE(img.geometry() == Geometry{2, 1, {3, Depth::k8}});
    CHECK(sample_at(img, 0, 0, 2) == 60);
    CHECK(sample_at(img, 1, 0, 0) == 10);
  }
  SECTION("1-bit grey becomes 8-bit grey") {
    RawPng spec = raw_png(9, 1, 1, PNG_COLOR_TYPE_GRAY);
    spec.rows = {{0xa5, 0x80}};
    const Image img = decode(ImageType::kPng, libpng_write(spec));
    REQUIRE(img.geometry() == Geometry{9, 1, {1, Depth::k8}});
    const std::uint8_t expect[9] = {255, 0, 255, 0, 0, 255, 0, 255, 255};
    for (std::uint32_t x = 0; x < 9; ++x) CHECK(sample_at(img, x, 0, 0) == expect[x]);
  }
}

// --- JPEG ---------------------------------------------------------------

TEST_CASE("jpeg: a smooth image round trips within a small error", "[codec]") {
  const Image img = photo_like(64, 48);
  auto reader = open(ImageType::kJpeg, encode(img, jpeg_options(95)));
  CHECK(reader->streams());
  CHECK(reader->info().type == ImageType::kJpeg);
  CHECK(reader->info().metadata.orientation == 1);
  const Image back = read_all(*reader);
  REQUIRE(back.geometry() == img.geometry());
  CHECK(mean_abs_error(img, back) <= 3.0);
}

TEST_CASE("jpeg: grey stays grey, alpha and 16 bit are flattened to 8-bit colour", "[codec]") {
  SECTION("grey") {
    const Image img = make_test_image({33, 17, {1, Depth::k8}}, 2, true);
    const Image back = decode(ImageType::kJpeg, encode(img, jpeg_options(95)));
    REQUIRE(back.geometry() == Geometry{33, 17, {1, Depth::k8}});
    CHECK(mean_abs_error(img, back) <= 3.0);
  }
  SECTION("grey+alpha becomes grey over black") {
    Image img({8, 8, {2, Depth::k8}});
    for (std::uint32_t y = 0; y < 8; ++y)
      for (std::uint32_t x = 0; x < 8; ++x) {
        img.row(y)[2 * x] = std::byte{200};
        img.row(y)[2 * x + 1] = std::byte{128};
      }
    const Image back = decode(ImageType::kJpeg, encode(img, jpeg_options(100)));
    REQUIRE(back.geometry() == Geometry{8, 8, {1, Depth::k8}});
    CHECK(sample_at(back, 3, 3, 0) >= 99);  // 200 * 128 / 255 = 100
    CHECK(sample_at(back, 3, 3, 0) <= 101);
  }
  SECTION("RGBA writes RGB") {
    const Image img = make_test_image({20, 20, {4, Depth::k8}}, 4, true);
    const Image back = decode(ImageType::kJpeg, encode(img, jpeg_options()));
    CHECK(back.geometry() == Geometry{20, 20, {3, Depth::k8}});
  }
  SECTION("16-bit RGB writes 8-bit RGB") {
    const Image img = make_test_image({20, 20, {3, Depth::k16}}, 4, true);
    const Image back = decode(ImageType::kJpeg, encode(img, jpeg_options()));
    CHECK(back.geometry() == Geometry{20, 20, {3, Depth::k8}});
  }
}

TEST_CASE("jpeg: shrink-on-load gives the rounded-up size and keeps the stored one", "[codec]") {
  const Image img = make_test_image({101, 67, {3, Depth::k8}}, 9, true);
  const Bytes jpeg = encode(img, jpeg_options());
  for (const int d : {1, 2, 4, 8}) {
    CAPTURE(d);
    auto reader = open(ImageType::kJpeg, jpeg, shrinking(d));
    const auto& info = reader->info();
    CHECK(info.geometry.width == (101u + static_cast<unsigned>(d) - 1) / static_cast<unsigned>(d));
    CHECK(info.geometry.height == (67u + static_cast<unsigned>(d) - 1) / static_cast<unsigned>(d));
    CHECK(info.stored_width == 101);
    CHECK(info.stored_height == 67);
    CHECK_NOTHROW(read_all(*reader));
  }
}

TEST_CASE("jpeg: Adobe CMYK is converted to RGB", "[codec]") {
  // Photoshop's convention: stored inverted, 255 is no ink.
  const std::uint8_t pixels[3][4] = {{255, 255, 255, 255}, {255, 0, 255, 255}, {255, 255, 255, 128}};
  const std::uint8_t expect[3][3] = {{255, 255, 255}, {255, 0, 255}, {128, 128, 128}};
  std::vector<JSAMPLE> row(48 * 4);  // three 16-pixel blocks of flat colour
  for (std::size_t x = 0; x < 48; ++x) std::memcpy(&row[x * 4], pixels[x / 16], 4);
  const Image img = decode(ImageType::kJpeg, libjpeg_write(48, 16, JCS_CMYK, row, false));
  REQUIRE(img.geometry() == Geometry{48, 16, {3, Depth::k8}});
  for (std::uint32_t block = 0; block < 3; ++block)
    for (int c = 0; c < 3; ++c) {
      const auto v = static_cast<int>(sample_at(img, block * 16 + 8, 8, c));
      CHECK(std::abs(v - expect[block][c]) <= 3);
    }
}

TEST_CASE("jpeg: progressive files decode, and fail cleanly when cut", "[codec]") {
  const Image img = photo_like(64, 48);
  const std::vector<JSAMPLE> samples(reinterpret_cast<const JSAMPLE*>(img.data()),
                                     reinterpret_cast<const JSAMPLE*>(img.data()) + img.size_bytes());
  Bytes jpeg = libjpeg_write(64, 48, JCS_RGB, samples, true);
  CHECK(mean_abs_error(img, decode(ImageType::kJpeg, jpeg)) <= 3.0);
  jpeg.resize(jpeg.size() * 2 / 3);
  CHECK_THROWS_WITH(decode(ImageType::kJpeg, jpeg), "truncated JPEG data");
}

TEST_CASE("jpeg: a progressive file of more than 500 scans is refused, not decoded for minutes", "[codec]") {
  const Image img = photo_like(16, 16);
  const std::vector<JSAMPLE> samples(reinterpret_cast<const JSAMPLE*>(img.data()),
                                     reinterpret_cast<const JSAMPLE*>(img.data()) + img.size_bytes());
  const Bytes jpeg = libjpeg_write(16, 16, JCS_RGB, samples, true);
  // The last scan (SOS to EOI), repeated: libjpeg calls each repeat bogus
  // progression, a warning it would tolerate.
  std::size_t last_sos = 0;
  for (std::size_t i = 2; i + 1 < jpeg.size(); ++i) {
    if (jpeg[i] == std::byte{0xff} && jpeg[i + 1] == std::byte{0xda}) last_sos = i;
  }
  REQUIRE(last_sos > 0);
  const Bytes scan(jpeg.begin() + static_cast<std::ptrdiff_t>(last_sos), jpeg.end() - 2);
  Bytes many(jpeg.begin(), jpeg.end() - 2);
  Bytes some = many;
  for (int i = 0; i < 600; ++i) many.insert(many.end(), scan.begin(), scan.end());
  for (int i = 0; i < 100; ++i) some.insert(some.end(), scan.begin(), scan.end());
  for (Bytes* b : {&many, &some}) b->insert(b->end(), jpeg.end() - 2, jpeg.end());
  CHECK(mean_abs_error(img, decode(ImageType::kJpeg, some)) <= 3.0);  // about 110 scans: still read
  CHECK_THROWS_WITH(decode(ImageType::kJpeg, many), "corrupt JPEG: more than 500 progressive scans");
  // The limit holds whichever decoder does the pixels.
  CHECK_THROWS_WITH(conc::image::open_stb_reader(as_file(many), ImageType::kJpeg, {}),
                    "corrupt JPEG: more than 500 progressive scans");
  CHECK(conc::image::open_stb_reader(as_file(some), ImageType::kJpeg, {})->info().geometry.width == 16);
}

TEST_CASE("jpeg: extraneous bytes before a marker are tolerated, as viewers do", "[codec]") {
  const Image img = photo_like(32, 32);
  const Bytes jpeg = encode(img, jpeg_options(95));
  REQUIRE(jpeg[jpeg.size() - 2] == std::byte{0xff});
  Bytes junk(jpeg.begin(), jpeg.end() - 2);
  for (int i = 0; i < 5; ++i) junk.push_back(std::byte{0x42});
  junk.insert(junk.end(), jpeg.end() - 2, jpeg.end());
  CHECK(same_pixels(decode(ImageType::kJpeg, junk), decode(ImageType::kJpeg, jpeg)));
}

// --- metadata -----------------------------------------------------------

TEST_CASE("jpeg, png: ICC survives byte-exact, EXIF with orientation reset to 1", "[codec]") {
  const Bytes exif = make_exif(6);
  const Bytes upright = conc::image::exif_upright(exif);
  REQUIRE(conc::image::exif_orientation(exif) == 6);
  REQUIRE(conc::image::exif_orientation(upright) == 1);
  // Larger than one JPEG marker holds (65519 bytes of profile per APP2).
  const Bytes icc = conc::image::testing::icc_profile(70000);
  for (const ImageType type : {ImageType::kJpeg, ImageType::kPng}) {
    CAPTURE(conc::image::type_name(type));
    WriteOptions options = options_for(type);
    options.metadata.icc = icc;
    options.metadata.exif = exif;
    options.metadata.orientation = 6;
    const Image img = make_test_image({16, 16, {3, Depth::k8}}, 1, true);
    const Bytes first = encode(img, options);
    const auto once = open(type, first)->info().metadata;
    CHECK(once.icc == icc);
    CHECK(once.exif == upright);
    CHECK(once.orientation == 1);
    // And again, from what was read.
    options.metadata = once;
    const auto twice = open(type, encode(img, options))->info().metadata;
    CHECK(twice.icc == icc);
    CHECK(twice.exif == upright);
    CHECK(twice.orientation == 1);
  }
}

TEST_CASE("jpeg, png: keep_orientation writes EXIF as it came", "[codec]") {
  const Bytes exif = make_exif(6);
  for (const ImageType type : {ImageType::kJpeg, ImageType::kPng}) {
    CAPTURE(conc::image::type_name(type));
    WriteOptions options = options_for(type);
    options.metadata.exif = exif;
    options.metadata.orientation = 6;
    options.keep_orientation = true;
    const auto read = open(type, encode(make_test_image({8, 8, {3, Depth::k8}}), options))->info().metadata;
    CHECK(read.exif == exif);
    CHECK(read.orientation == 6);
  }
}

TEST_CASE("jpeg, png: a file with EXIF orientation 6 reads orientation 6", "[codec]") {
  const Image img = make_test_image({16, 8, {3, Depth::k8}}, 1, true);
  for (const bool big_endian : {false, true}) {
    const Bytes exif = make_exif(6, big_endian);
    const auto jpeg = open(ImageType::kJpeg, with_app1(encode(img, jpeg_options()), exif))->info().metadata;
    CHECK(jpeg.orientation == 6);
    CHECK(jpeg.exif == exif);

    RawPng spec = raw_png(16, 8, 8, PNG_COLOR_TYPE_RGB);
    spec.exif = exif;
    for (std::uint32_t y = 0; y < 8; ++y) spec.rows.push_back(stored_row(img, y));
    const auto png = open(ImageType::kPng, libpng_write(spec))->info().metadata;
    CHECK(png.orientation == 6);
    CHECK(png.exif == exif);
  }
}

TEST_CASE("jpeg, png: --decoder stb reports the metadata the native header read finds", "[codec]") {
  conc::test::TempDir dir;
  const Image img = make_test_image({16, 8, {3, Depth::k8}}, 1, true);
  const Bytes exif = make_exif(6, false);
  const auto as_text = [](const Bytes& b) { return std::string(reinterpret_cast<const char*>(b.data()), b.size()); };
  RawPng spec = raw_png(16, 8, 8, PNG_COLOR_TYPE_RGB);
  spec.exif = exif;
  for (std::uint32_t y = 0; y < 8; ++y) spec.rows.push_back(stored_row(img, y));
  ReadOptions stb;
  stb.decoder = conc::image::Decoder::kStb;
  for (const std::string& path : {dir.write("six.jpg", as_text(with_app1(encode(img, jpeg_options()), exif))),
                                  dir.write("six.png", as_text(libpng_write(spec)))}) {
    INFO(path);
    const auto reader = conc::image::open_reader(path, stb);
    CHECK_FALSE(reader->streams());  // stb_image's pixels, whole
    CHECK(reader->info().metadata.orientation == 6);
    CHECK(reader->info().metadata.exif == exif);
  }
}

TEST_CASE("exif: damaged blocks read orientation 1 and come back unchanged", "[codec]") {
  using conc::image::exif_orientation;
  using conc::image::exif_upright;
  for (const bool big_endian : {false, true}) {
    const Bytes exif = make_exif(8, big_endian);
    CHECK(exif_orientation(exif) == 8);
    // Every truncation: either orientation is still readable, or nothing is.
    for (std::size_t n = 0; n < exif.size(); ++n) {
      const Bytes cut(exif.begin(), exif.begin() + static_cast<std::ptrdiff_t>(n));
      const int o = exif_orientation(cut);
      CHECK((o == 1 || o == 8));
      const Bytes up = exif_upright(cut);
      REQUIRE(up.size() == cut.size());
      for (std::size_t i = 0; i < n; ++i)
        if (i != 30 && i != 31) CHECK(up[i] == cut[i]);
    }
    Bytes bad = exif;
    put32(bad, 4, 0xfffffff0, big_endian);  // IFD0 far outside
    CHECK(exif_orientation(bad) == 1);
    CHECK(exif_upright(bad) == bad);
    bad = exif;
    put16(bad, 8, 0xffff, big_endian);  // more entries than bytes
    CHECK(exif_upright(bad).size() == bad.size());
    CHECK(exif_orientation(bad) == 8);  // the entries that fit are read
    bad = exif;
    put16(bad, 24, 4, big_endian);  // orientation as a LONG: not ours to touch
    CHECK(exif_upright(bad) == bad);
    bad = exif;
    put16(bad, 30, 99, big_endian);  // out of range
    CHECK(exif_orientation(bad) == 1);
  }
  // Garbage, some of it with a valid byte-order mark.
  std::uint32_t state = 12345;
  for (int round = 0; round < 2000; ++round) {
    Bytes blob(static_cast<std::size_t>(round % 97));
    for (auto& b : blob) {
      state = state * 1664525u + 1013904223u;
      b = static_cast<std::byte>(state >> 24);
    }
    if (blob.size() >= 4 && round % 2 == 0) {
      blob[0] = blob[1] = static_cast<std::byte>(round % 4 == 0 ? 'I' : 'M');
      put16(blob, 2, 42, round % 4 != 0);
    }
    const int o = exif_orientation(blob);
    CHECK((o >= 1 && o <= 8));
    CHECK(exif_upright(blob).size() == blob.size());
  }
  CHECK(exif_upright({}).empty());
  CHECK(exif_orientation({}) == 1);
}

// --- damaged input ------------------------------------------------------

TEST_CASE("jpeg, png: a zero-byte file is an ImageError", "[codec]") {
  CHECK_THROWS_AS(open(ImageType::kJpeg, {}), ImageError);
  CHECK_THROWS_WITH(open(ImageType::kPng, {}), "truncated PNG data");
}

TEST_CASE("jpeg, png: a file cut in half is an ImageError, not grey padding", "[codec]") {
  const Image img = make_test_image({200, 150, {3, Depth::k8}}, 11);
  for (const ImageType type : {ImageType::kJpeg, ImageType::kPng}) {
    CAPTURE(conc::image::type_name(type));
    Bytes bytes = encode(img, options_for(type));
    bytes.resize(bytes.size() / 2);
    auto reader = open(type, bytes);
    CHECK_THROWS_WITH(read_all(*reader), type == ImageType::kJpeg ? "truncated JPEG data" : "truncated PNG data");
  }
}

TEST_CASE("jpeg, png: garbage after a valid signature is an ImageError", "[codec]") {
  Bytes garbage(4000);
  std::uint32_t state = 99;
  for (auto& b : garbage) {
    state = state * 1664525u + 1013904223u;
    b = static_cast<std::byte>(state >> 24);
  }
  Bytes png{std::byte{0x89}, std::byte{'P'},  std::byte{'N'},  std::byte{'G'},
            std::byte{'\r'}, std::byte{'\n'}, std::byte{0x1a}, std::byte{'\n'}};
  png.insert(png.end(), garbage.begin(), garbage.end());
  CHECK_THROWS_WITH(open(ImageType::kPng, png), Catch::StartsWith("corrupt PNG: "));

  Bytes jpeg{std::byte{0xff}, std::byte{0xd8}, std::byte{0xff}};
  jpeg.insert(jpeg.end(), garbage.begin(), garbage.end());
  CHECK_THROWS_AS(read_all(*open(ImageType::kJpeg, jpeg)), ImageError);

  CHECK_THROWS_WITH(open(ImageType::kJpeg, png), Catch::StartsWith("corrupt JPEG: Not a JPEG file"));
}

TEST_CASE("jpeg, png: a header over the pixel guard fails before any pixel is allocated", "[codec]") {
  SECTION("PNG declaring 100000x100000 RGBA (40 GB)") {
    // libpng writes the signature and IHDR; a bare IDAT header follows, all
    // that png_read_info looks at before the guard.
    const RawPng spec = raw_png(100000, 100000, 8, PNG_COLOR_TYPE_RGB_ALPHA);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    png_infop info = png_create_info_struct(png);
    Bytes bytes;
    png_set_write_fn(
        png, &bytes,
        [](png_structp p, png_bytep data, size_t n) {
          auto* o = static_cast<Bytes*>(png_get_io_ptr(p));
          const auto* d = reinterpret_cast<const std::byte*>(data);
          o->insert(o->end(), d, d + n);
        },
        [](png_structp) {});
    png_set_IHDR(png, info, spec.width, spec.height, 8, spec.colour_type, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    png_destroy_write_struct(&png, &info);
    for (const char c : std::string("\0\0\0\x10IDAT", 8)) bytes.push_back(static_cast<std::byte>(c));
    bytes.resize(bytes.size() + 20);
    CHECK_THROWS_WITH(open(ImageType::kPng, bytes),
                      Catch::Contains("100000x100000") && Catch::Contains("--max-pixels"));
  }
  SECTION("JPEG declaring 60000x60000") {
    Bytes jpeg = encode(make_test_image({16, 16, {3, Depth::k8}}), jpeg_options());
    const std::size_t sof = find_sof0(jpeg);
    put16(jpeg, sof + 5, 60000, true);
    put16(jpeg, sof + 7, 60000, true);
    CHECK_THROWS_WITH(open(ImageType::kJpeg, jpeg), Catch::Contains("60000x60000") && Catch::Contains("--max-pixels"));
  }
  SECTION("a lowered --max-pixels applies to both") {
    const Image img = make_test_image({37, 23, {3, Depth::k8}});
    for (const ImageType type : {ImageType::kJpeg, ImageType::kPng}) {
      const Bytes bytes = encode(img, options_for(type));
      CHECK_THROWS_WITH(open(type, bytes, limited(850)), Catch::Contains("--max-pixels 850"));
      CHECK_NOTHROW(open(type, bytes, limited(851)));
      // A single row longer than the limit: libpng's own belt says so too.
      CHECK_THROWS_WITH(open(type, bytes, limited(30)), Catch::Contains("--max-pixels 30"));
    }
  }
}

TEST_CASE("jpeg, png: a sink that throws lets its exception through, leaking nothing", "[codec]") {
  // Noise, so both files are several times the encoders' 64 KiB buffers: the
  // sink then fails inside write_rows as well as in finish.
  const Image img = make_test_image({600, 400, {3, Depth::k8}}, 13);
  for (const ImageType type : {ImageType::kJpeg, ImageType::kPng}) {
    REQUIRE(encode(img, options_for(type)).size() > 3 * 65536);
    for (const std::size_t room : {std::size_t{0}, std::size_t{100}, std::size_t{70000}, std::size_t{140000}}) {
      CAPTURE(conc::image::type_name(type), room);
      FullSink sink;
      sink.room = room;
      const auto run = [&] {
        const WriteOptions options = options_for(type);
        auto writer = type == ImageType::kJpeg ? conc::image::make_jpeg_writer(img.geometry(), options, sink)
                                               : conc::image::make_png_writer(img.geometry(), options, sink);
        for (std::uint32_t y = 0; y < 400; y += 10) writer->write_rows(img.row(y), 10);
        writer->finish();
      };
      CHECK_THROWS_AS(run(), DiskFull);
    }
  }
}
