// open_reader and read_rows on arbitrary bytes: the sniffing, the pixel guard
// and the decoders behind them. stb_image is compiled into conc_image, so the
// fuzzer sees inside it (the GIF decoder of Debian's 2022 snapshot has open
// CVEs); libjpeg-turbo, libpng and libwebp are shared libraries it cannot see
// into, exercised through their error paths (longjmp in libjpeg and libpng).
// Each input is decoded by every reader it can reach: the native one and
// stb_image for JPEG and PNG, and under a .tga name when only that name makes
// it an image. A bad image is an ImageError; anything else escaping, a leak,
// or an image the guard should have refused is a crash.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include "image/codec.h"
#include "image/image_error.h"
#include "require.h"

namespace {

using conc::image::Decoder;
using conc::image::ImageError;
using conc::image::ImageType;

constexpr std::uint64_t kMaxPixels = std::uint64_t{4} << 20;

/// The input lives in a memfd; open_reader reaches it through two symlinks
/// in a private directory, one named .tga (TGA is sniffed only by name).
struct Input {
  int fd = -1;
  std::string plain;
  std::string tga;
  std::string dir;

  Input() {
    fd = ::memfd_create("image_decode_fuzz", MFD_CLOEXEC);
    CONC_FUZZ_REQUIRE(fd >= 0);
    std::string tmpl = (std::filesystem::temp_directory_path() / "conc-image-fuzz-XXXXXX").string();
    CONC_FUZZ_REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    const std::string target = "/proc/self/fd/" + std::to_string(fd);
    plain = tmpl + "/input";
    tga = tmpl + "/input.tga";
    CONC_FUZZ_REQUIRE(::symlink(target.c_str(), plain.c_str()) == 0);
    CONC_FUZZ_REQUIRE(::symlink(target.c_str(), tga.c_str()) == 0);
    dir = tmpl;
  }
  Input(const Input&) = delete;
  Input& operator=(const Input&) = delete;
  ~Input() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    ::close(fd);
  }

  void set(const std::uint8_t* data, std::size_t size) const {
    CONC_FUZZ_REQUIRE(::ftruncate(fd, 0) == 0);
    std::size_t done = 0;
    while (done < size) {
      const ssize_t n = ::pwrite(fd, data + done, size - done, static_cast<off_t>(done));
      CONC_FUZZ_REQUIRE(n > 0);
      done += static_cast<std::size_t>(n);
    }
  }
};

void decode(const std::string& path, Decoder decoder) {
  conc::image::ReadOptions options;
  options.decoder = decoder;
  options.max_pixels = kMaxPixels;
  try {
    const auto reader = conc::image::open_reader(path, options);
    const auto& g = reader->info().geometry;
    CONC_FUZZ_REQUIRE(g.width > 0 && g.height > 0 && g.pixels() <= kMaxPixels);
    CONC_FUZZ_REQUIRE(g.format.channels >= 1 && g.format.channels <= 4);
    // Bands of 7 rows: odd sizes find the off-by-ones of band bookkeeping.
    constexpr std::uint32_t kBand = 7;
    std::vector<std::byte> rows(g.row_bytes() * kBand);
    for (std::uint32_t y = 0; y < g.height; y += kBand) {
      reader->read_rows(rows.data(), std::min(kBand, g.height - y));
    }
  } catch (const ImageError&) {
    // A corrupt image: what most inputs are.
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Input input;
  input.set(data, size);
  const std::span<const std::byte> head(reinterpret_cast<const std::byte*>(data), std::min<std::size_t>(size, 64));
  const auto type = conc::image::sniff(head, false);
  decode(input.plain, Decoder::kNative);
  if (type == ImageType::kJpeg || type == ImageType::kPng) decode(input.plain, Decoder::kStb);
  if (!type && conc::image::sniff(head, true)) decode(input.tga, Decoder::kNative);
  return 0;
}
