// codec_formats_test.cpp: recognising images by content, the pixel guard,
// the stb and WebP codecs, and the agreement of the native and stb decoders.
//
// Fixtures in test/image/data/ (ImageMagick 6.9.11, /usr/bin/convert):
//   fmt-src.ppm, not checked in: P6 4x2, rows (255,0,0) (0,255,0) (0,0,255)
//     (255,255,255) / (0,0,0) (10,20,30) (200,100,50) (255,255,0), written
//     with printf; then
//   convert fmt-src.ppm fmt-4x2.gif
//   convert fmt-src.ppm fmt-4x2.psd
//   convert fmt-src.ppm -flip -compress RLE fmt-4x2-rle.tga
//     (ImageMagick writes rows in the order it holds them under a bottom-left
//     origin, so -flip makes the file show the source upright, bottom row first)
//   convert -delay 10 fmt-src.ppm \( fmt-src.ppm -negate \) fmt-anim.webp
//   convert -size 48x32 gradient:'#ff8000-#0040c0' -attenuate 0.6 +noise Uniform
//     -depth 8 -define png:color-type=2 fmt-rgb8.png
//     ... the same, alpha from gradient:white-'#202020' (-compose CopyOpacity),
//     -depth 16 -define png:color-type=6 fmt-rgba16.png
//     ... the same, -quality 85 -sampling-factor 2x2 -strip fmt-rgb.jpg
//     ... the same, -quality 85 -interlace JPEG -strip fmt-progressive.jpg
//   convert -size 48x32 gradient:white-black -attenuate 0.6 +noise Uniform
//     -colorspace Gray -quality 85 -strip fmt-grey.jpg
//   convert -size 24x16 gradient:white-black -attenuate 0.6 +noise Uniform
//     -colorspace Gray -depth 16 -interlace PNG -define png:color-type=0 fmt-grey16-interlaced.png
//   convert -size 24x16 gradient:red-blue -colors 16 -define png:color-type=3 fmt-palette.png
//   convert -size 6x4 xc:red -fill blue -draw "point 1,1" -fill white -draw "point 2,2"
//     -transparent blue -define png:color-type=2 -depth 8 -strip fmt-trns-rgb.png   (a tRNS colour key)
//   convert -size 6x4 gradient:white-black -colorspace Gray -transparent black
//     -define png:color-type=0 -depth 8 -strip fmt-trns-grey.png
//   convert -seed 3 -size 40x20 plasma: fmt-rle.hdr   (run-length encoded scanlines)
// fmt-bad-dht.jpg and fmt-bad-scan.jpg were found by test/fuzz/image_decode_fuzz
// (they are in its corpus too): memory errors in Debian's stb_image, refused
// before it sees them.
// The smaller fixtures (PNM, HDR, TGA, headers) are written byte by byte below.
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "format_codecs.h"
#include "image/codec.h"
#include "image/image_error.h"
#include "image/pixels.h"
#include "image_files.h"
#include "temp_dir.h"
#include "test_images.h"

namespace {

using conc::image::ByteSink;
using conc::image::Decoder;
using conc::image::Depth;
using conc::image::Geometry;
using conc::image::Image;
using conc::image::ImageError;
using conc::image::ImageInfo;
using conc::image::ImageType;
using conc::image::PixelFormat;
using conc::image::ReadOptions;
using conc::image::WriteOptions;
using conc::image::testing::make_test_image;
using conc::image::testing::sample_at;
using conc::test::slurp;
using conc::test::TempDir;
using namespace std::string_view_literals;
using Catch::Matchers::Contains;

/// test/image/data. __FILE__ is relative to the build directory when that
/// lies inside the source tree (build/<preset>), and which directory it was
/// is not known here; the executable lies below it, so look upwards from there.
std::filesystem::path data_dir() {
  namespace fs = std::filesystem;
  const fs::path source(__FILE__);
  if (source.is_absolute()) return source.parent_path() / "data";
  std::error_code ec;
  for (fs::path dir = fs::read_symlink("/proc/self/exe", ec).parent_path(); dir.has_relative_path();
       dir = dir.parent_path()) {
    if (fs::exists(dir / "test/image/data/fmt-4x2.gif", ec)) return dir / "test/image/data";
  }
  return source.parent_path() / "data";
}

std::string data_file(const char* name) {
  static const std::filesystem::path dir = data_dir();
  const auto p = dir / name;
  INFO(p.string());
  REQUIRE(std::filesystem::exists(p));
  return p.string();
}

std::vector<std::byte> bytes_of(std::string_view s) {
  std::vector<std::byte> out(s.size());
  std::transform(s.begin(), s.end(), out.begin(), [](char c) { return static_cast<std::byte>(c); });
  return out;
}

std::optional<ImageType> sniff_text(std::string_view s, bool tga = false) {
  const auto b = bytes_of(s);
  return conc::image::sniff(b, tga);
}

struct MemorySink : ByteSink {
  std::string bytes;
  void write(std::span<const std::byte> b) override { bytes.append(reinterpret_cast<const char*>(b.data()), b.size()); }
};

struct DiskFull : std::runtime_error {
  DiskFull() : std::runtime_error("disk full") {}
};

/// Accepts `budget` bytes, then throws as a full disk would.
struct FailingSink : ByteSink {
  std::size_t budget = 0;
  void write(std::span<const std::byte> b) override {
    if (b.size() > budget) throw DiskFull();
    budget -= b.size();
  }
};

/// Writes `img` in bands of 3 rows, as the engine hands them over.
std::string encode(const Image& img, const WriteOptions& options) {
  MemorySink sink;
  const auto writer = conc::image::make_writer(img.geometry(), options, sink);
  const Geometry& g = img.geometry();
  for (std::uint32_t y = 0; y < g.height; y += 3) writer->write_rows(img.row(y), std::min(3u, g.height - y));
  writer->finish();
  return sink.bytes;
}

WriteOptions as(ImageType type) {
  WriteOptions o;
  o.type = type;
  return o;
}

/// Reads a whole image in bands of 5 rows.
Image decode(const std::string& path, const ReadOptions& options = {}, ImageInfo* info = nullptr) {
  const auto reader = conc::image::open_reader(path, options);
  Image img(reader->info().geometry);
  const Geometry& g = img.geometry();
  for (std::uint32_t y = 0; y < g.height; y += 5) reader->read_rows(img.row(y), std::min(5u, g.height - y));
  if (info != nullptr) *info = reader->info();
  return img;
}

ReadOptions with_decoder(Decoder d) {
  ReadOptions o;
  o.decoder = d;
  return o;
}

bool same_pixels(const Image& a, const Image& b) {
  return a.geometry() == b.geometry() && std::memcmp(a.data(), b.data(), a.size_bytes()) == 0;
}

/// The pixels of an 8-bit image as a flat list, for exact comparisons.
std::vector<int> samples(const Image& img) {
  std::vector<int> out;
  const Geometry& g = img.geometry();
  for (std::uint32_t y = 0; y < g.height; ++y) {
    for (std::uint32_t x = 0; x < g.width; ++x) {
      for (int c = 0; c < g.format.channels; ++c) out.push_back(static_cast<int>(sample_at(img, x, y, c)));
    }
  }
  return out;
}

// The 4x2 picture the ImageMagick fixtures were made from.
const std::vector<std::array<int, 3>> kSource = {{255, 0, 0}, {0, 255, 0},  {0, 0, 255},    {255, 255, 255},
                                                 {0, 0, 0},   {10, 20, 30}, {200, 100, 50}, {255, 255, 0}};

void check_source_pixels(const Image& img) {
  const Geometry& g = img.geometry();
  REQUIRE(g.width == 4);
  REQUIRE(g.height == 2);
  REQUIRE(g.format.depth == Depth::k8);
  for (std::uint32_t y = 0; y < 2; ++y) {
    for (std::uint32_t x = 0; x < 4; ++x) {
      const auto& want = kSource[y * 4 + x];
      for (int c = 0; c < 3; ++c) CHECK(sample_at(img, x, y, c) == static_cast<std::uint32_t>(want[c]));
      if (g.format.channels == 4) CHECK(sample_at(img, x, y, 3) == 255);
    }
  }
}

std::string le16(unsigned v) { return {static_cast<char>(v & 0xFF), static_cast<char>(v >> 8)}; }
std::string le32(std::uint32_t v) { return le16(v & 0xFFFF) + le16(v >> 16); }

std::string bmp_header(std::uint32_t width, std::uint32_t height) {
  return "BM" + le32(54 + width * height * 3) + le32(0) + le32(54) + le32(40) + le32(width) + le32(height) + le16(1) +
         le16(24) + le32(0) + le32(0) + le32(2835) + le32(2835) + le32(0) + le32(0);
}

/// Throws ImageError whose message contains `text`.
void require_image_error(const std::string& path, const std::string& text, const ReadOptions& options = {}) {
  try {
    (void)decode(path, options);
    FAIL("no ImageError (expected one saying '" << text << "')");
  } catch (const ImageError& e) {
    CHECK_THAT(std::string(e.what()), Contains(text));
  }
}

}  // namespace

TEST_CASE("sniff recognises each signature by content", "[formats]") {
  CHECK(sniff_text("\xFF\xD8\xFF\xE0"sv) == ImageType::kJpeg);
  CHECK(sniff_text("\x89PNG\r\n\x1A\n\0\0\0\rIHDR"sv) == ImageType::kPng);
  CHECK(sniff_text("RIFF\x10\0\0\0WEBPVP8 "sv) == ImageType::kWebp);
  CHECK(sniff_text(bmp_header(2, 2)) == ImageType::kBmp);
  CHECK(sniff_text("GIF87a\x01\0\x01\0"sv) == ImageType::kGif);
  CHECK(sniff_text("GIF89a\x01\0\x01\0"sv) == ImageType::kGif);
  CHECK(sniff_text("8BPS\0\x01"sv) == ImageType::kPsd);
  for (const char* pnm : {"P1\n", "P2 ", "P3\t", "P4\r", "P5\n", "P6\n"}) CHECK(sniff_text(pnm) == ImageType::kPnm);
  CHECK(sniff_text("#?RADIANCE\n"sv) == ImageType::kHdr);
  CHECK(sniff_text("#?RGBE\n"sv) == ImageType::kHdr);
  // TGA: a plausible header, and only for a name ending in .tga.
  const std::string tga = std::string("\0\0\x02\0\0\0\0\0\0\0\0\0\x02\0\x02\0\x18\x20", 18);
  CHECK(sniff_text(tga, true) == ImageType::kTga);
  CHECK_FALSE(sniff_text(tga, false));
  const std::string grey_tga = std::string("\0\0\x0B\0\0\0\0\0\0\0\0\0\x02\0\x02\0\x08\0", 18);
  CHECK(sniff_text(grey_tga, true) == ImageType::kTga);
  const std::string mapped_tga = std::string("\0\x01\x01\0\0\x02\0\x18\0\0\0\0\x02\0\x02\0\x08\0", 18);
  CHECK(sniff_text(mapped_tga, true) == ImageType::kTga);
  // A signature wins over a .tga name.
  CHECK(sniff_text("GIF89a\x01\0\x01\0\0\0\0\0\0\0\0\0\0\0"sv, true) == ImageType::kGif);
}

TEST_CASE("sniff rejects near misses", "[formats]") {
  CHECK_FALSE(sniff_text(""sv));
  CHECK_FALSE(sniff_text("\xFF\xD8"sv));
  CHECK_FALSE(sniff_text("\xFF\xD8\xFE"sv));
  CHECK_FALSE(sniff_text("\x89PNG\r\n\x1A"sv));
  CHECK_FALSE(sniff_text("\x89PNG\n\r\x1A\n"sv));
  CHECK_FALSE(sniff_text("RIFF\x10\0\0\0WAVEfmt "sv));
  CHECK_FALSE(sniff_text("RIFF\x10\0\0\0WEB"sv));
  CHECK_FALSE(sniff_text("BM"sv));
  CHECK_FALSE(sniff_text("BMW and Mercedes are cars, not bitmaps"sv));
  CHECK_FALSE(sniff_text("GIF88a\x01\0\x01\0"sv));
  CHECK_FALSE(sniff_text("GIF8"sv));
  CHECK_FALSE(sniff_text("8BP"sv));
  CHECK_FALSE(sniff_text("P7\n"sv));
  CHECK_FALSE(sniff_text("P0\n"sv));
  CHECK_FALSE(sniff_text("P6"sv));
  CHECK_FALSE(sniff_text("P6x"sv));
  CHECK_FALSE(sniff_text("Pizza\n"sv));
  CHECK_FALSE(sniff_text("#?RADIANC"sv));
  CHECK_FALSE(sniff_text("#!/bin/sh\n"sv));
  // Implausible TGA headers, even named .tga.
  const std::string tga = std::string("\0\0\x02\0\0\0\0\0\0\0\0\0\x02\0\x02\0\x18\x20", 18);
  CHECK_FALSE(sniff_text(tga.substr(0, 17), true));  // short
  std::string bad = tga;
  bad[2] = 4;  // no such image type
  CHECK_FALSE(sniff_text(bad, true));
  bad = tga;
  bad[16] = 7;  // bits per pixel
  CHECK_FALSE(sniff_text(bad, true));
  bad = tga;
  bad[12] = 0;  // zero width
  CHECK_FALSE(sniff_text(bad, true));
  bad = tga;
  bad[1] = 1;  // a colour map on a true-colour image
  CHECK_FALSE(sniff_text(bad, true));
  CHECK_FALSE(sniff_text("hello, this is a plain text file"sv, true));
}

TEST_CASE("name_claims_image reads the extension, in any case", "[formats]") {
  for (const char* name : {"a.jpg", "a.JPEG", "dir/x.jpe", "p.png", "w.WebP", "b.bmp", "t.tga", "g.gif", "p.psd",
                           "x.pnm", "x.pbm", "x.pgm", "x.PPM", "h.hdr", "/abs/path.with.dots/img.Jpg"}) {
    CHECK(conc::image::name_claims_image(name));
  }
  for (const char* name : {"a.txt", "jpg", "a.jpg.txt", "dir.png/readme", "a.tiff", "a.avif", "a.heic", ".png", "a.",
                           "", "a.jpgx", "a.pn"}) {
    CHECK_FALSE(conc::image::name_claims_image(name));
  }
}

TEST_CASE("type names, extensions and --type values", "[formats]") {
  using conc::image::extension;
  using conc::image::is_writable;
  using conc::image::type_name;
  using conc::image::writable_type_by_name;
  const std::array<std::pair<ImageType, const char*>, 9> names = {{{ImageType::kJpeg, "jpg"},
                                                                   {ImageType::kPng, "png"},
                                                                   {ImageType::kWebp, "webp"},
                                                                   {ImageType::kBmp, "bmp"},
                                                                   {ImageType::kTga, "tga"},
                                                                   {ImageType::kGif, "gif"},
                                                                   {ImageType::kPsd, "psd"},
                                                                   {ImageType::kPnm, "pnm"},
                                                                   {ImageType::kHdr, "hdr"}}};
  for (const auto& [type, name] : names) {
    CHECK(type_name(type) == name);
    CHECK(extension(type) == std::string(".") + name);
  }
  CHECK(writable_type_by_name("jpg") == ImageType::kJpeg);
  CHECK(writable_type_by_name("jpeg") == ImageType::kJpeg);
  CHECK(writable_type_by_name("png") == ImageType::kPng);
  CHECK(writable_type_by_name("webp") == ImageType::kWebp);
  CHECK(writable_type_by_name("bmp") == ImageType::kBmp);
  CHECK(writable_type_by_name("tga") == ImageType::kTga);
  for (const char* name : {"gif", "psd", "pnm", "hdr", "PNG", "tiff", "", "jpe"}) {
    CHECK_FALSE(writable_type_by_name(name));
  }
  CHECK(is_writable(ImageType::kJpeg));
  CHECK(is_writable(ImageType::kTga));
  CHECK_FALSE(is_writable(ImageType::kGif));
  CHECK_FALSE(is_writable(ImageType::kHdr));
  MemorySink sink;
  for (const ImageType t : {ImageType::kGif, ImageType::kPsd, ImageType::kPnm, ImageType::kHdr}) {
    CHECK_THROWS_AS(conc::image::make_writer({4, 4, {3, Depth::k8}}, as(t), sink), std::invalid_argument);
  }
}

TEST_CASE("the pixel guard's messages", "[formats]") {
  using conc::image::check_pixel_guard;
  CHECK_NOTHROW(check_pixel_guard(2, 3, 6));
  CHECK_THROWS_WITH(check_pixel_guard(2, 4, 7), "declares 2x4 pixels, more than --max-pixels 7");
  CHECK_THROWS_WITH(check_pixel_guard(100000, 100000, 268435456),
                    "declares 100000x100000 pixels, more than --max-pixels 268435456");
  CHECK_THROWS_WITH(check_pixel_guard(0, 5, 100), "declares an empty image (0x5)");
  CHECK_THROWS_AS(check_pixel_guard(4294967295u, 4294967295u, 268435456), ImageError);
}

TEST_CASE("BMP and TGA round trips are exact for 8-bit pixels", "[formats]") {
  TempDir dir;
  for (const ImageType type : {ImageType::kBmp, ImageType::kTga}) {
    for (const int channels : {3, 4}) {
      DYNAMIC_SECTION(conc::image::type_name(type) << " with " << channels << " channels") {
        // 13 pixels wide: BMP rows of odd length are padded.
        const Image src = make_test_image({13, 7, {channels, Depth::k8}}, 5);
        const std::string path =
            dir.write(std::string("rt") + std::string(conc::image::extension(type)), encode(src, as(type)));
        ImageInfo info;
        const Image back = decode(path, {}, &info);
        CHECK(info.type == type);
        CHECK_FALSE(info.lossless);
        CHECK(same_pixels(back, src));
      }
    }
  }
}

TEST_CASE("grey through BMP and TGA", "[formats]") {
  TempDir dir;
  const Image grey = make_test_image({5, 3, {1, Depth::k8}}, 2);
  const Image grey_alpha = make_test_image({5, 3, {2, Depth::k8}}, 3);
  SECTION("TGA keeps grey and grey+alpha") {
    CHECK(same_pixels(decode(dir.write("g.tga", encode(grey, as(ImageType::kTga)))), grey));
    CHECK(same_pixels(decode(dir.write("ga.tga", encode(grey_alpha, as(ImageType::kTga)))), grey_alpha));
  }
  SECTION("BMP writes grey as RGB, grey+alpha as RGBA") {
    const Image rgb = decode(dir.write("g.bmp", encode(grey, as(ImageType::kBmp))));
    REQUIRE(rgb.geometry() == Geometry{5, 3, {3, Depth::k8}});
    const Image rgba = decode(dir.write("ga.bmp", encode(grey_alpha, as(ImageType::kBmp))));
    REQUIRE(rgba.geometry() == Geometry{5, 3, {4, Depth::k8}});
    for (std::uint32_t y = 0; y < 3; ++y) {
      for (std::uint32_t x = 0; x < 5; ++x) {
        for (int c = 0; c < 3; ++c) {
          CHECK(sample_at(rgb, x, y, c) == sample_at(grey, x, y, 0));
          CHECK(sample_at(rgba, x, y, c) == sample_at(grey_alpha, x, y, 0));
        }
        CHECK(sample_at(rgba, x, y, 3) == sample_at(grey_alpha, x, y, 1));
      }
    }
  }
}

TEST_CASE("16-bit pixels are written to BMP, TGA and WebP rounded to 8 bits", "[formats]") {
  TempDir dir;
  const Image src = make_test_image({9, 4, {4, Depth::k16}}, 7);
  WriteOptions lossless = as(ImageType::kWebp);
  lossless.lossless = true;
  for (const auto& [name, options] : {std::pair{"a.bmp", as(ImageType::kBmp)}, std::pair{"a.tga", as(ImageType::kTga)},
                                      std::pair{"a.webp", lossless}}) {
    const Image back = decode(dir.write(name, encode(src, options)));
    REQUIRE(back.geometry() == Geometry{9, 4, {4, Depth::k8}});
    for (std::uint32_t y = 0; y < 4; ++y) {
      for (std::uint32_t x = 0; x < 9; ++x) {
        for (int c = 0; c < 4; ++c) CHECK(sample_at(back, x, y, c) == (sample_at(src, x, y, c) * 255 + 32767) / 65535);
      }
    }
  }
}

TEST_CASE("WebP round trips", "[formats]") {
  TempDir dir;
  WriteOptions lossless = as(ImageType::kWebp);
  lossless.lossless = true;
  SECTION("lossless is exact for RGB and RGBA, and says so") {
    for (const int channels : {3, 4}) {
      const Image src = make_test_image({17, 11, {channels, Depth::k8}}, 9);
      ImageInfo info;
      const Image back = decode(dir.write("l.webp", encode(src, lossless)), {}, &info);
      CHECK(info.type == ImageType::kWebp);
      CHECK(info.lossless);
      CHECK(same_pixels(back, src));
    }
  }
  SECTION("lossless grey becomes RGB, grey+alpha RGBA") {
    const Image grey = make_test_image({6, 5, {2, Depth::k8}}, 4);
    const Image back = decode(dir.write("g.webp", encode(grey, lossless)));
    REQUIRE(back.geometry() == Geometry{6, 5, {4, Depth::k8}});
    for (std::uint32_t y = 0; y < 5; ++y) {
      for (std::uint32_t x = 0; x < 6; ++x) {
        for (int c = 0; c < 3; ++c) CHECK(sample_at(back, x, y, c) == sample_at(grey, x, y, 0));
        CHECK(sample_at(back, x, y, 3) == sample_at(grey, x, y, 1));
      }
    }
  }
  SECTION("lossy stays close on a smooth image, and is not called lossless") {
    Image src({64, 48, {3, Depth::k8}});
    for (std::uint32_t y = 0; y < 48; ++y) {
      for (std::uint32_t x = 0; x < 64; ++x) {
        src.row(y)[x * 3] = static_cast<std::byte>(x * 4);
        src.row(y)[x * 3 + 1] = static_cast<std::byte>(y * 5);
        src.row(y)[x * 3 + 2] = static_cast<std::byte>(255 - (x + y) * 2);
      }
    }
    WriteOptions lossy = as(ImageType::kWebp);
    lossy.quality = 95;
    ImageInfo info;
    const Image back = decode(dir.write("q.webp", encode(src, lossy)), {}, &info);
    CHECK_FALSE(info.lossless);
    REQUIRE(back.geometry() == src.geometry());
    const auto a = samples(src);
    const auto b = samples(back);
    double total = 0;
    int worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
      total += std::abs(a[i] - b[i]);
      worst = std::max(worst, std::abs(a[i] - b[i]));
    }
    // Measured at quality 95: mean 1.04, worst 6.
    INFO("mean error " << total / static_cast<double>(a.size()) << ", worst " << worst);
    CHECK(total / static_cast<double>(a.size()) < 2.0);
    CHECK(worst <= 12);
    // A lower quality is a smaller file.
    lossy.quality = 20;
    CHECK(encode(src, lossy).size() < slurp(dir.path / "q.webp").size());
  }
  SECTION("a lossy image with alpha decodes as RGBA") {
    const Image src = make_test_image({8, 8, {4, Depth::k8}}, 12, true);
    const Image back = decode(dir.write("a.webp", encode(src, as(ImageType::kWebp))));
    CHECK(back.geometry() == src.geometry());
  }
}

// A RIFF chunk: fourcc, little-endian size, payload, padded to even.
std::string riff_chunk(std::string_view fourcc, std::string_view payload) {
  std::string c(fourcc);
  for (int i = 0; i < 4; ++i) c += static_cast<char>((payload.size() >> (8 * i)) & 0xff);
  c += payload;
  if (payload.size() % 2 != 0) c += '\0';
  return c;
}

// The extended WebP container (VP8X) around a simple file's bitstream,
// with an ICC profile and an EXIF block.
std::string webp_with_metadata(const std::string& simple, std::uint32_t w, std::uint32_t h, std::string_view icc,
                               std::string_view exif) {
  std::string vp8x(10, '\0');
  vp8x[0] = static_cast<char>(0x20 | 0x08);  // ICC and EXIF present
  for (int i = 0; i < 3; ++i) {
    vp8x[4 + i] = static_cast<char>(((w - 1) >> (8 * i)) & 0xff);
    vp8x[7 + i] = static_cast<char>(((h - 1) >> (8 * i)) & 0xff);
  }
  const std::string body =
      "WEBP" + riff_chunk("VP8X", vp8x) + riff_chunk("ICCP", icc) + simple.substr(12) + riff_chunk("EXIF", exif);
  std::string out = "RIFF";
  for (int i = 0; i < 4; ++i) out += static_cast<char>((body.size() >> (8 * i)) & 0xff);
  return out + body;
}

std::string text_of(const std::vector<std::byte>& b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

TEST_CASE("WebP: EXIF (with its orientation) and ICC come from the container's chunks", "[formats]") {
  TempDir dir;
  const Image src = make_test_image({6, 4, {3, Depth::k8}}, 3, true);
  WriteOptions lossless = as(ImageType::kWebp);
  lossless.lossless = true;
  const std::string simple = encode(src, lossless);
  const auto exif = conc::image::testing::exif_with_orientation(6);
  const auto icc = conc::image::testing::icc_profile(301);  // odd: the chunk is padded
  for (const bool prefixed : {false, true}) {               // some writers keep JPEG's "Exif\0\0"
    INFO("prefixed " << prefixed);
    const std::string block = (prefixed ? std::string("Exif\0\0", 6) : std::string()) + text_of(exif);
    ImageInfo info;
    const Image back = decode(dir.write("meta.webp", webp_with_metadata(simple, 6, 4, text_of(icc), block)), {}, &info);
    CHECK(info.metadata.orientation == 6);
    CHECK(info.metadata.exif == exif);
    CHECK(info.metadata.icc == icc);
    CHECK(info.lossless);
    CHECK(same_pixels(back, src));
  }
}

TEST_CASE("WebP: an animation reads as its first frame", "[formats]") {
  // Two lossy 4x2 frames; the first as libwebp's animation decoder (and
  // vips, which uses it) composes it.
  ImageInfo info;
  const Image first = decode(data_file("fmt-anim.webp"), {}, &info);
  CHECK(info.type == ImageType::kWebp);
  REQUIRE(first.geometry() == Geometry{4, 2, {3, Depth::k8}});
  const std::vector<int> expected = {80, 88, 40, 157, 157, 118, 44,  30,  7,   255, 254, 238,
                                     3,  11, 0,  29,  29,  0,   141, 126, 104, 240, 219, 203};
  std::vector<int> got;
  for (std::uint32_t y = 0; y < 2; ++y) {
    for (std::size_t i = 0; i < 12; ++i) got.push_back(static_cast<int>(first.row(y)[i]));
  }
  CHECK(got == expected);
}

TEST_CASE("stb decodes GIF, PSD and TGA fixtures", "[formats]") {
  ImageInfo info;
  SECTION("GIF, first frame, as RGBA") {
    const Image gif = decode(data_file("fmt-4x2.gif"), {}, &info);
    CHECK(info.type == ImageType::kGif);
    CHECK(gif.geometry().format.channels == 4);
    check_source_pixels(gif);
  }
  SECTION("PSD composite, as RGBA") {
    const Image psd = decode(data_file("fmt-4x2.psd"), {}, &info);
    CHECK(info.type == ImageType::kPsd);
    CHECK(psd.geometry().format.channels == 4);
    check_source_pixels(psd);
  }
  SECTION("RLE TGA stored bottom-up") {
    const Image tga = decode(data_file("fmt-4x2-rle.tga"), {}, &info);
    CHECK(info.type == ImageType::kTga);
    CHECK(tga.geometry().format.channels == 3);
    check_source_pixels(tga);
    CHECK(info.metadata.orientation == 1);
    CHECK(info.metadata.exif.empty());
  }
}

TEST_CASE("PNM samples are stretched from the file's maximum value to the full range", "[formats]") {
  TempDir dir;
  const Image four = decode(dir.write("m15.pgm", std::string("P5\n4 1\n15\n\x00\x05\x0a\x0f", 14)));
  REQUIRE(four.geometry() == Geometry{4, 1, {1, Depth::k8}});
  for (std::uint32_t x = 0; x < 4; ++x) CHECK(sample_at(four, x, 0, 0) == 85 * x);
  const Image bilevel = decode(dir.write("m1.pgm", std::string("P5 2 1 1\n\x01\x00", 11)));
  CHECK(sample_at(bilevel, 0, 0, 0) == 255);
  CHECK(sample_at(bilevel, 1, 0, 0) == 0);
  // 12-bit: 4095 and 2048 of 4095, big-endian in the file.
  const Image twelve = decode(dir.write("m4095.pgm", std::string("P5 2 1 4095\n\x0f\xff\x08\x00", 16)));
  REQUIRE(twelve.geometry() == Geometry{2, 1, {1, Depth::k16}});
  CHECK(sample_at(twelve, 0, 0, 0) == 65535);
  CHECK(sample_at(twelve, 1, 0, 0) == 32776);
}

TEST_CASE("a top-down BMP (negative height) reads the right way up", "[formats]") {
  TempDir dir;
  const Image src = make_test_image({5, 3, {3, Depth::k8}}, 7);
  std::string bmp = encode(src, as(ImageType::kBmp));  // bottom-up, rows padded to 16 bytes
  const auto le32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(bmp[at + static_cast<std::size_t>(i)]);
    return v;
  };
  const std::size_t pixels = le32(10);
  REQUIRE(le32(22) == 3);
  REQUIRE(bmp.size() - pixels >= 3 * 16);
  std::string top_down = bmp.substr(0, pixels);
  for (std::size_t row = 3; row-- > 0;) top_down += bmp.substr(pixels + row * 16, 16);
  const std::uint32_t minus_three = 0xfffffffdu;
  for (std::size_t i = 0; i < 4; ++i) top_down[22 + i] = static_cast<char>((minus_three >> (8 * i)) & 0xff);
  CHECK(same_pixels(decode(dir.write("top-down.bmp", top_down)), src));
}

TEST_CASE("stb decodes PNM, HDR and hand-written TGA", "[formats]") {
  TempDir dir;
  SECTION("P6") {
    const Image img = decode(dir.write("a.ppm", std::string("P6\n# a comment\n2 1\n255\n\x01\x02\x03\xFA\xFB\xFC")));
    REQUIRE(img.geometry() == Geometry{2, 1, {3, Depth::k8}});
    CHECK(samples(img) == std::vector<int>{1, 2, 3, 250, 251, 252});
  }
  SECTION("P5") {
    const Image img = decode(dir.write("a.pgm", std::string("P5 3 1 255\n\x00\x80\xFF", 14)));
    REQUIRE(img.geometry() == Geometry{3, 1, {1, Depth::k8}});
    CHECK(samples(img) == std::vector<int>{0, 128, 255});
  }
  SECTION("16-bit P5 stays 16-bit") {
    const Image img = decode(dir.write("a.pgm", std::string("P5 2 1 65535\n\x12\x34\xFF\xFE", 17)));
    REQUIRE(img.geometry() == Geometry{2, 1, {1, Depth::k16}});
    CHECK(sample_at(img, 0, 0, 0) == 0x1234);
    CHECK(sample_at(img, 1, 0, 0) == 0xFFFE);
  }
  SECTION("header numbers beyond an int are refused before stb parses them") {
    require_image_error(dir.write("big.ppm", "P6\n8 66611111111\n255\n"), "corrupt PNM: a header number out of range");
    require_image_error(dir.write("big.pgm", "P5 # c\n99999999999 1 255\n"),
                        "corrupt PNM: a header number out of range");
  }
  SECTION("ASCII and bitmap PNM are recognised but not read") {
    require_image_error(dir.write("a.pgm", "P2\n2 1\n255\n0 255\n"), "unsupported PNM variant P2");
    require_image_error(dir.write("a.pbm", "P1\n2 1\n0 1\n"), "unsupported PNM variant P1");
  }
  SECTION("HDR, tone-mapped to 8 bits") {
    // RGBE (128,64,0,129) is (1.0, 0.5, 0); (32,32,32,128) is 0.125 grey.
    // stb maps v to round(255 * v^(1/2.2)).
    const std::string hdr = std::string("#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 1 +X 2\n") +
                            std::string("\x80\x40\x00\x81\x20\x20\x20\x80", 8);
    ImageInfo info;
    const Image img = decode(dir.write("a.hdr", hdr), {}, &info);
    CHECK(info.type == ImageType::kHdr);
    REQUIRE(img.geometry() == Geometry{2, 1, {3, Depth::k8}});
    CHECK(samples(img) == std::vector<int>{255, 186, 0, 99, 99, 99});
  }
  SECTION("TGA, uncompressed, top-down and bottom-up") {
    // 2x2 BGR, origin top-left (descriptor 0x20).
    const std::string top_down = std::string("\0\0\x02\0\0\0\0\0\0\0\0\0\x02\0\x02\0\x18\x20", 18) +
                                 std::string("\x03\x02\x01\x06\x05\x04\x09\x08\x07\x0C\x0B\x0A", 12);
    CHECK(samples(decode(dir.write("a.tga", top_down))) == std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
    // 2x2 grey, origin bottom-left: the first row stored is the last shown.
    const std::string bottom_up = std::string("\0\0\x03\0\0\0\0\0\0\0\0\0\x02\0\x02\0\x08\0", 18) + "\x10\x20\x30\x40";
    const Image grey = decode(dir.write("b.TGA", bottom_up));
    REQUIRE(grey.geometry() == Geometry{2, 2, {1, Depth::k8}});
    CHECK(samples(grey) == std::vector<int>{0x30, 0x40, 0x10, 0x20});
    // Without the name, the same bytes are no image.
    require_image_error(dir.write("b.dat", bottom_up), "not an image conc reads");
  }
}

TEST_CASE("the native and stb decoders agree", "[formats]") {
  SECTION("PNG exactly: 8 and 16 bit, grey, palette, interlaced, alpha") {
    for (const char* name : {"fmt-rgb8.png", "fmt-rgba16.png", "fmt-grey16-interlaced.png", "fmt-palette.png",
                             "fmt-trns-rgb.png", "fmt-trns-grey.png"}) {
      INFO(name);
      ImageInfo native_info;
      ImageInfo stb_info;
      const Image native = decode(data_file(name), with_decoder(Decoder::kNative), &native_info);
      const Image stb = decode(data_file(name), with_decoder(Decoder::kStb), &stb_info);
      CHECK(native_info.type == ImageType::kPng);
      CHECK(stb_info.type == ImageType::kPng);
      CHECK(stb.geometry() == native.geometry());
      CHECK(same_pixels(stb, native));
    }
    CHECK(decode(data_file("fmt-rgba16.png"), with_decoder(Decoder::kStb)).geometry().format ==
          PixelFormat{4, Depth::k16});
    // A colour key becomes alpha under both.
    CHECK(decode(data_file("fmt-trns-grey.png"), with_decoder(Decoder::kStb)).geometry().format.channels == 2);
    const Image keyed = decode(data_file("fmt-trns-rgb.png"), with_decoder(Decoder::kStb));
    REQUIRE(keyed.geometry().format.channels == 4);
    CHECK(sample_at(keyed, 0, 0, 3) == 255);
    CHECK(sample_at(keyed, 1, 1, 3) == 0);
  }
  SECTION("JPEG within 2 per channel") {
    for (const char* name : {"fmt-rgb.jpg", "fmt-grey.jpg", "fmt-progressive.jpg"}) {
      INFO(name);
      const Image native = decode(data_file(name), with_decoder(Decoder::kNative));
      const Image stb = decode(data_file(name), with_decoder(Decoder::kStb));
      REQUIRE(stb.geometry() == native.geometry());
      const auto a = samples(native);
      const auto b = samples(stb);
      int worst = 0;
      for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
      CHECK(worst <= 2);
    }
  }
}

TEST_CASE("bad input is an ImageError naming the reason", "[formats]") {
  TempDir dir;
  ReadOptions small;
  small.max_pixels = 4 * 1024 * 1024;
  SECTION("an empty file") { require_image_error(dir.write("e.jpg", ""), "empty file"); }
  SECTION("a text file named .jpg") {
    REQUIRE_THROWS_WITH(decode(dir.write("t.jpg", "hello\n")),
                        "not an image conc reads (JPEG, PNG, WebP, BMP, TGA, GIF, PSD, PNM, HDR)");
  }
  SECTION("a truncated GIF") {
    const std::string gif = slurp(data_file("fmt-4x2.gif"));
    require_image_error(dir.write("t.gif", gif.substr(0, 52)), "GIF");
    require_image_error(dir.write("h.gif", gif.substr(0, 10)), "truncated GIF");
  }
  SECTION("a truncated HDR ends (stb would loop for ever on its zero run lengths)") {
    const std::string hdr = slurp(data_file("fmt-rle.hdr"));
    for (const std::size_t cut : {hdr.size() / 3, hdr.size() / 2, hdr.size() - 3}) {
      require_image_error(dir.write("t.hdr", hdr.substr(0, cut)), "truncated HDR");
    }
  }
  SECTION("a truncated BMP") {
    const std::string bmp = encode(make_test_image({16, 16, {3, Depth::k8}}), as(ImageType::kBmp));
    require_image_error(dir.write("t.bmp", bmp.substr(0, bmp.size() / 2)), "truncated BMP");
  }
  SECTION("a truncated PNM or uncompressed TGA (stb would fill the rest with black), a PNM maximum of 0") {
    std::string pgm = "P5\n16 16\n255\n" + std::string(256, '\x40');
    CHECK(decode(dir.write("whole.pgm", pgm)).geometry() == Geometry{16, 16, {1, Depth::k8}});
    require_image_error(dir.write("t.pgm", pgm.substr(0, pgm.size() - 1)), "truncated PNM");
    const std::string ppm16 = "P6 8 8 65535\n" + std::string(8 * 8 * 3 * 2, '\x01');
    CHECK(decode(dir.write("whole.ppm", ppm16)).geometry() == Geometry{8, 8, {3, Depth::k16}});
    require_image_error(dir.write("t.ppm", ppm16.substr(0, ppm16.size() / 2)), "truncated PNM");
    require_image_error(dir.write("zero.ppm", "P6\n2 2\n0\n" + std::string(12, '\0')),
                        "corrupt PNM: a maximum value outside 1-65535");
    std::string tga(18, '\0');
    tga[2] = 2;   // uncompressed true colour
    tga[12] = 4;  // 4x2
    tga[14] = 2;
    tga[16] = 24;
    tga += std::string(4 * 2 * 3, '\x7f');
    CHECK(decode(dir.write("whole.tga", tga)).geometry() == Geometry{4, 2, {3, Depth::k8}});
    require_image_error(dir.write("t.tga", tga.substr(0, tga.size() - 1)), "truncated TGA");
  }
  SECTION("PSDs stb would decode to garbage: 16-bit RLE, no channels") {
    // Header: signature, version 1, 6 reserved, channels, height, width,
    // depth, mode RGB; three empty sections; the compression (1: RLE).
    const auto psd = [](char channels, char depth, char compression) {
      return std::string("8BPS\0\x01\0\0\0\0\0\0\0", 13) + channels + std::string("\0\0\0\x02\0\0\0\x02\0", 9) + depth +
             std::string("\0\x03", 2) + std::string(12, '\0') + std::string("\0", 1) + compression +
             std::string(64, '\0');
    };
    require_image_error(dir.write("rle16.psd", psd(3, 16, 1)),
                        "16-bit PSD compressed with RLE is not supported (save it uncompressed, or as 8-bit)");
    require_image_error(dir.write("none.psd", psd(0, 8, 0)), "corrupt PSD: no channels");
  }
  SECTION("a PNG whose first IDAT is empty: legal, read natively, refused by stb") {
    const std::string png = slurp(data_file("fmt-rgb8.png"));
    const std::size_t idat = png.find("IDAT");
    REQUIRE(idat != std::string::npos);
    const std::string empty_idat("\0\0\0\0IDAT\x35\xaf\x06\x1e", 12);
    const std::string path = dir.write("empty-idat.png", png.substr(0, idat - 4) + empty_idat + png.substr(idat - 4));
    CHECK(decode(path).geometry() == decode(data_file("fmt-rgb8.png")).geometry());
    require_image_error(path, "a PNG whose first IDAT chunk is empty: stb_image cannot read it",
                        with_decoder(Decoder::kStb));
  }
  SECTION("a truncated PNG and JPEG under the stb decoder") {
    const std::string png = slurp(data_file("fmt-rgb8.png"));
    require_image_error(dir.write("t.png", png.substr(0, png.size() / 2)), "PNG", with_decoder(Decoder::kStb));
    const std::string jpg = slurp(data_file("fmt-rgb.jpg"));
    require_image_error(dir.write("t.jpg", jpg.substr(0, jpg.size() / 2)), "JPEG", with_decoder(Decoder::kStb));
  }
  SECTION("JPEGs that would corrupt stb_image's memory") {
    require_image_error(data_file("fmt-bad-dht.jpg"), "corrupt JPEG: a Huffman table of over 256 symbols",
                        with_decoder(Decoder::kStb));
    require_image_error(data_file("fmt-bad-scan.jpg"),
                        "corrupt JPEG: a scan uses a Huffman table that was never defined",
                        with_decoder(Decoder::kStb));
  }
  SECTION("a truncated and a corrupt WebP") {
    WriteOptions lossless = as(ImageType::kWebp);
    lossless.lossless = true;
    const std::string webp = encode(make_test_image({16, 16, {3, Depth::k8}}), lossless);
    require_image_error(dir.write("t.webp", webp.substr(0, webp.size() / 2)), "WebP");
    require_image_error(dir.write("h.webp", webp.substr(0, 14)), "corrupt WebP");
  }
  SECTION("headers declaring more than --max-pixels") {
    const std::string gif = std::string("GIF89a\xFF\xFF\xFF\xFF\0\0\0;", 14) + std::string(32, '\0');
    require_image_error(dir.write("big.gif", gif), "declares 65535x65535 pixels, more than --max-pixels 4194304",
                        small);
    require_image_error(dir.write("big.bmp", bmp_header(100000, 100000)),
                        "declares 100000x100000 pixels, more than --max-pixels 4194304", small);
    require_image_error(dir.write("big.ppm", "P6\n3000 2000\n255\n"), "--max-pixels", small);
  }
  SECTION("a header declaring no pixels") {
    require_image_error(dir.write("zero.gif", std::string("GIF89a\0\0\x01\0\0\0\0;", 14) + std::string(32, '\0')),
                        "declares an empty image (0x1)");
  }
  SECTION("a directory, a FIFO and a missing file") {
    require_image_error(dir.path.string(), "is a directory");
    const std::string fifo = (dir.path / "fifo").string();
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    require_image_error(fifo, "not a regular file");
    try {
      (void)decode((dir.path / "missing.png").string());
      FAIL("no exception");
    } catch (const std::system_error& e) {
      CHECK(e.code() == std::errc::no_such_file_or_directory);
    }
  }
}

TEST_CASE("a sink's exception reaches the caller of the stb and WebP writers", "[formats]") {
  const Image src = make_test_image({20, 20, {4, Depth::k8}});
  for (const ImageType type : {ImageType::kBmp, ImageType::kTga, ImageType::kWebp}) {
    for (const std::size_t budget : {std::size_t{0}, std::size_t{100}}) {
      INFO(conc::image::type_name(type) << ", failing after " << budget << " bytes");
      FailingSink sink;
      sink.budget = budget;
      const auto writer = conc::image::make_writer(src.geometry(), as(type), sink);
      writer->write_rows(src.data(), 20);
      CHECK_THROWS_AS(writer->finish(), DiskFull);
    }
  }
}

TEST_CASE("writers refuse images their format cannot hold", "[formats]") {
  MemorySink sink;
  CHECK_THROWS_WITH(conc::image::make_writer({70000, 1, {3, Depth::k8}}, as(ImageType::kTga), sink),
                    Contains("too large for TGA"));
  CHECK_THROWS_WITH(conc::image::make_writer({20000, 1, {3, Depth::k8}}, as(ImageType::kWebp), sink),
                    Contains("too large for WebP"));
  CHECK_THROWS_WITH(conc::image::make_writer({50000, 50000, {3, Depth::k8}}, as(ImageType::kBmp), sink),
                    Contains("too large for BMP"));
}

TEST_CASE("a GIF whose header claims far more pixels than its bytes can hold is refused before stb allocates",
          "[formats]") {
  // Screen and frame 16000x16000 (256 million pixels, under the default
  // guard) in 35 bytes: stb would allocate and clear a 1 GB canvas first.
  const unsigned char gif[] = {'G',  'I',  'F',  '8',  '9', 'a', 0x80, 0x3e, 0x80, 0x3e, 0x80, 0,
                               0,    0,    0,    0,    255, 255, 255,  ',',  0,    0,    0,    0,
                               0x80, 0x3e, 0x80, 0x3e, 0,   2,   2,    0x44, 0x01, 0,    ';'};
  conc::test::TempDir dir;
  const std::string path = dir.write("bomb.gif", std::string(reinterpret_cast<const char*>(gif), sizeof gif));
  ReadOptions o;
  REQUIRE_THROWS_WITH(open_reader(path, o), "corrupt GIF: 35 bytes cannot hold 256000000 pixels");
}
