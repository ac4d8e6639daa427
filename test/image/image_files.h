// image_files.h: writing generated images to files and reading them back,
// through the engine's own codecs.
#pragma once

#include <cstdio>
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

}  // namespace conc::image::testing
