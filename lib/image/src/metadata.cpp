// metadata.cpp: the EXIF orientation tag, read with libexif and reset by a
// small TIFF walk of our own.
//
// Both run on bytes taken from untrusted files: a damaged block yields
// orientation 1 or comes back unchanged, it never fails the image.
#include <libexif/exif-data.h>

#include <cstdint>
#include <cstring>
#include <new>

#include "format_codecs.h"

namespace conc::image {
namespace {

// What a JPEG APP1 segment puts before the TIFF header. libexif only parses
// blocks that start with it (else it hunts for JPEG markers).
constexpr unsigned char kExifPrefix[6] = {'E', 'x', 'i', 'f', 0, 0};
constexpr std::uint16_t kOrientationTag = 0x0112;
constexpr std::uint16_t kTiffShort = 3;

struct Tiff {
  std::span<std::byte> bytes;
  bool little_endian = true;

  [[nodiscard]] std::uint32_t u16(std::size_t at) const noexcept {
    const auto a = static_cast<std::uint32_t>(bytes[at]);
    const auto b = static_cast<std::uint32_t>(bytes[at + 1]);
    return little_endian ? (a | b << 8) : (a << 8 | b);
  }
  [[nodiscard]] std::uint32_t u32(std::size_t at) const noexcept {
    const std::uint32_t first = u16(at);
    const std::uint32_t second = u16(at + 2);
    return little_endian ? (second << 16 | first) : (first << 16 | second);
  }
  void put_u16(std::size_t at, std::uint16_t v) noexcept {
    const auto lo = static_cast<std::byte>(v & 0xff);
    const auto hi = static_cast<std::byte>(v >> 8);
    bytes[at] = little_endian ? lo : hi;
    bytes[at + 1] = little_endian ? hi : lo;
  }
};

}  // namespace

int exif_orientation(std::span<const std::byte> exif) noexcept {
  // exif_data_load_data takes an unsigned int length.
  if (exif.size() < 8 || exif.size() > 0x7fff'0000) return 1;
  int orientation = 1;
  unsigned char* buffer = new (std::nothrow) unsigned char[exif.size() + sizeof kExifPrefix];
  if (buffer == nullptr) return 1;
  std::memcpy(buffer, kExifPrefix, sizeof kExifPrefix);
  std::memcpy(buffer + sizeof kExifPrefix, exif.data(), exif.size());
  ExifData* data = exif_data_new();
  if (data != nullptr) {
    // The "fix-ups" would add and rewrite tags: we only want to read.
    exif_data_unset_option(data, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
    exif_data_load_data(data, buffer, static_cast<unsigned int>(exif.size() + sizeof kExifPrefix));
    // Orientation lives in IFD0; the same tag number elsewhere (a
    // thumbnail's IFD1) says nothing about the main image.
    ExifEntry* entry = exif_content_get_entry(data->ifd[EXIF_IFD_0], EXIF_TAG_ORIENTATION);
    if (entry != nullptr && entry->format == EXIF_FORMAT_SHORT && entry->components >= 1 && entry->data != nullptr &&
        entry->size >= 2) {
      const int v = exif_get_short(entry->data, exif_data_get_byte_order(data));
      if (v >= 1 && v <= 8) orientation = v;
    }
    exif_data_unref(data);
  }
  delete[] buffer;
  return orientation;
}

std::vector<std::byte> exif_upright(std::span<const std::byte> exif) {
  std::vector<std::byte> out(exif.begin(), exif.end());
  if (out.size() < 8) return out;
  Tiff tiff{out};
  const auto b0 = static_cast<char>(out[0]);
  const auto b1 = static_cast<char>(out[1]);
  if (b0 == 'I' && b1 == 'I') {
    tiff.little_endian = true;
  } else if (b0 == 'M' && b1 == 'M') {
    tiff.little_endian = false;
  } else {
    return out;
  }
  if (tiff.u16(2) != 42) return out;
  // 64-bit offsets: a hostile IFD offset near 2^32 must not wrap.
  const std::uint64_t size = out.size();
  const std::uint64_t ifd = tiff.u32(4);
  if (ifd + 2 > size) return out;
  const std::uint64_t entries = tiff.u16(static_cast<std::size_t>(ifd));
  for (std::uint64_t i = 0; i < entries; ++i) {
    const std::uint64_t at = ifd + 2 + 12 * i;
    if (at + 12 > size) break;
    const auto entry = static_cast<std::size_t>(at);
    if (tiff.u16(entry) != kOrientationTag) continue;
    // A SHORT with count 1 sits in the first two bytes of the value field.
    if (tiff.u16(entry + 2) == kTiffShort && tiff.u32(entry + 4) >= 1) tiff.put_u16(entry + 8, 1);
    break;
  }
  return out;
}

}  // namespace conc::image
