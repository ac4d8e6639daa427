// image_files.h: writing generated images to files and reading them back,
// through the engine's own codecs.
#pragma once

#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "image/codec.h"
#include "image/pixels.h"

namespace conc::image::testing {

/// A ByteSink that appends to a file.
class FileSink final : public ByteSink {
 public:
  explicit FileSink(const std::string& path) : f_(std::fopen(path.c_str(), "wb")) {
    if (f_ == nullptr) throw std::runtime_error("cannot create " + path);
  }
  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;
  ~FileSink() override {
    if (f_ != nullptr) std::fclose(f_);
  }
  void write(std::span<const std::byte> bytes) override {
    if (std::fwrite(bytes.data(), 1, bytes.size(), f_) != bytes.size()) throw std::runtime_error("write failed");
  }

 private:
  std::FILE* f_;
};

/// Encodes `img` to `path` as `options.type`.
inline void save_image(const Image& img, const std::string& path, const WriteOptions& options) {
  FileSink sink(path);
  auto writer = make_writer(img.geometry(), options, sink);
  writer->write_rows(img.data(), img.geometry().height);
  writer->finish();
}

inline void save_image(const Image& img, const std::string& path, ImageType type, int quality = 90) {
  WriteOptions o;
  o.type = type;
  o.quality = quality;
  save_image(img, path, o);
}

/// Decodes `path` whole.
inline Image load_image(const std::string& path, Decoder decoder = Decoder::kNative) {
  ReadOptions o;
  o.decoder = decoder;
  auto reader = open_reader(path, o);
  Image img(reader->info().geometry);
  reader->read_rows(img.data(), img.geometry().height);
  return img;
}

/// A minimal big-endian EXIF block (TIFF header, IFD0 with one entry):
/// the orientation tag set to `orientation`.
inline std::vector<std::byte> exif_with_orientation(int orientation) {
  const unsigned char bytes[] = {'M',  'M',
                                 0,    42,
                                 0,    0,
                                 0,    8,  // header, IFD0 at 8
                                 0,    1,  // one entry
                                 0x01, 0x12,
                                 0,    3,
                                 0,    0,
                                 0,    1,  // Orientation, SHORT, count 1
                                 0,    static_cast<unsigned char>(orientation),
                                 0,    0,
                                 0,    0,
                                 0,    0};  // no next IFD
  std::vector<std::byte> out;
  for (unsigned char b : bytes) out.push_back(static_cast<std::byte>(b));
  return out;
}

/// An ICC profile whose header satisfies libpng's checks (an RGB display
/// profile with no tags), padded with a pattern to `size` (a multiple of 4,
/// at least 132).
inline std::vector<std::byte> icc_profile(std::size_t size) {
  std::vector<std::byte> b(size);
  const auto put32 = [&b](std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) b[at + static_cast<std::size_t>(i)] = static_cast<std::byte>(v >> (24 - 8 * i));
  };
  for (std::size_t i = 132; i < size; ++i) b[i] = static_cast<std::byte>(i * 7 + 3);
  put32(0, static_cast<std::uint32_t>(size));
  std::memcpy(b.data() + 4, "lcms", 4);
  put32(8, 0x04300000);
  std::memcpy(b.data() + 12, "mntrRGB XYZ ", 12);
  std::memcpy(b.data() + 36, "acsp", 4);
  put32(68, 0x0000f6d6);  // the D50 illuminant
  put32(72, 0x00010000);
  put32(76, 0x0000d32d);
  return b;  // tag count 0 at 128
}

}  // namespace conc::image::testing
