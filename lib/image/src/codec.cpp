// codec.cpp: recognising an image by its content, the pixel guard, and the
// dispatch from a file (or a --type) to the reader or writer of its format.
//
// PNM: stb_image reads only the binary variants P5 (PGM) and P6 (PPM). The
// ASCII and bitmap variants P1-P4 are still recognised as PNM, so a tree walk
// reports them ("unsupported PNM variant P2 ...") instead of skipping them as
// no image; P7 (PAM) is not recognised at all.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>

#include "format_codecs.h"
#include "image/image_error.h"

namespace conc::image {
namespace {

struct TypeNames {
  ImageType type;
  std::string_view name;
  std::string_view extension;
};

constexpr std::array<TypeNames, 9> kTypes = {{
    {ImageType::kJpeg, "jpg", ".jpg"},
    {ImageType::kPng, "png", ".png"},
    {ImageType::kWebp, "webp", ".webp"},
    {ImageType::kBmp, "bmp", ".bmp"},
    {ImageType::kTga, "tga", ".tga"},
    {ImageType::kGif, "gif", ".gif"},
    {ImageType::kPsd, "psd", ".psd"},
    {ImageType::kPnm, "pnm", ".pnm"},
    {ImageType::kHdr, "hdr", ".hdr"},
}};

struct ClaimedExtension {
  std::string_view extension;
  ImageType type;
};

constexpr std::array<ClaimedExtension, 14> kClaimedExtensions = {{
    {"jpg", ImageType::kJpeg},
    {"jpeg", ImageType::kJpeg},
    {"jpe", ImageType::kJpeg},
    {"png", ImageType::kPng},
    {"webp", ImageType::kWebp},
    {"bmp", ImageType::kBmp},
    {"tga", ImageType::kTga},
    {"gif", ImageType::kGif},
    {"psd", ImageType::kPsd},
    {"pnm", ImageType::kPnm},
    {"pbm", ImageType::kPnm},
    {"pgm", ImageType::kPnm},
    {"ppm", ImageType::kPnm},
    {"hdr", ImageType::kHdr},
}};

const TypeNames& names_of(ImageType t) noexcept {
  for (const TypeNames& n : kTypes) {
    if (n.type == t) return n;
  }
  return kTypes[1];  // unreachable for a valid enumerator
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

/// The extension of the last path component, without the dot ("" if none).
std::string_view extension_of(std::string_view path) noexcept {
  const std::size_t slash = path.find_last_of('/');
  const std::string_view file = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const std::size_t dot = file.find_last_of('.');
  if (dot == std::string_view::npos || dot == 0) return {};
  return file.substr(dot + 1);
}

std::uint8_t byte_at(std::span<const std::byte> head, std::size_t i) noexcept {
  return static_cast<std::uint8_t>(head[i]);
}

bool starts_with(std::span<const std::byte> head, std::string_view magic) noexcept {
  if (head.size() < magic.size()) return false;
  for (std::size_t i = 0; i < magic.size(); ++i) {
    if (byte_at(head, i) != static_cast<std::uint8_t>(magic[i])) return false;
  }
  return true;
}

bool is_pnm_space(std::uint8_t c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// A BMP signature is only two letters, which text files start with too
// ("BMW ..."); the info header size that follows (what stb_image checks as
// well) makes the test worth trusting.
bool plausible_bmp(std::span<const std::byte> head) noexcept {
  if (head.size() < 18 || !starts_with(head, "BM")) return false;
  const std::uint32_t size = byte_at(head, 14) | (std::uint32_t{byte_at(head, 15)} << 8) |
                             (std::uint32_t{byte_at(head, 16)} << 16) | (std::uint32_t{byte_at(head, 17)} << 24);
  return size == 12 || size == 40 || size == 56 || size == 108 || size == 124;
}

// TGA has no signature: the 18-byte header must describe a picture stb_image
// can decode (its own test accepts the same), so a random file named .tga is
// "not an image" rather than a puzzling decoder error.
bool plausible_tga(std::span<const std::byte> head) noexcept {
  if (head.size() < 18) return false;
  const std::uint8_t colormap_type = byte_at(head, 1);
  const std::uint8_t image_type = byte_at(head, 2);
  const std::uint8_t colormap_bits = byte_at(head, 7);
  const unsigned width = byte_at(head, 12) | (unsigned{byte_at(head, 13)} << 8);
  const unsigned height = byte_at(head, 14) | (unsigned{byte_at(head, 15)} << 8);
  const std::uint8_t bits = byte_at(head, 16);
  if (width == 0 || height == 0) return false;
  switch (image_type) {
    case 1:
    case 9:  // colour-mapped
      return colormap_type == 1 && (bits == 8 || bits == 16) &&
             (colormap_bits == 15 || colormap_bits == 16 || colormap_bits == 24 || colormap_bits == 32);
    case 2:
    case 10:  // true colour
      return colormap_type == 0 && (bits == 15 || bits == 16 || bits == 24 || bits == 32);
    case 3:
    case 11:  // grey, or grey + alpha at 16 bits
      return colormap_type == 0 && (bits == 8 || bits == 16);
    default: return false;
  }
}

// errno as an exception; with no `what`, the bare reason (an open that
// failed reads as the other commands word it: "No such file or directory").
std::system_error errno_error(const char* what = nullptr) {
  const int e = errno != 0 ? errno : EIO;
  return what == nullptr ? std::system_error(e, std::generic_category())
                         : std::system_error(e, std::generic_category(), what);
}

}  // namespace

std::string_view type_name(ImageType t) noexcept { return names_of(t).name; }

bool is_writable(ImageType t) noexcept {
  return t == ImageType::kJpeg || t == ImageType::kPng || t == ImageType::kWebp || t == ImageType::kBmp ||
         t == ImageType::kTga;
}

bool writer_streams(ImageType t) noexcept { return t == ImageType::kJpeg || t == ImageType::kPng; }

std::optional<ImageType> writable_type_by_name(std::string_view name) noexcept {
  if (name == "jpeg") return ImageType::kJpeg;
  for (const TypeNames& n : kTypes) {
    if (n.name == name && is_writable(n.type)) return n.type;
  }
  return std::nullopt;
}

std::string_view extension(ImageType t) noexcept { return names_of(t).extension; }

std::optional<ImageType> type_claimed_by_name(std::string_view path) noexcept {
  const std::string_view ext = extension_of(path);
  for (const ClaimedExtension& c : kClaimedExtensions) {
    if (iequals(ext, c.extension)) return c.type;
  }
  return std::nullopt;
}

bool name_claims_image(std::string_view path) noexcept { return type_claimed_by_name(path).has_value(); }

std::string_view foreign_image_extension(std::string_view path) noexcept {
  static constexpr std::array<std::string_view, 9> kForeign = {"tif", "tiff", "avif", "heic", "heif",
                                                               "jxl", "jp2",  "ico",  "svg"};
  const std::string_view ext = extension_of(path);
  for (const std::string_view f : kForeign) {
    if (iequals(ext, f)) return ext;
  }
  return {};
}

std::optional<ImageType> sniff(std::span<const std::byte> head, bool name_says_tga) noexcept {
  if (starts_with(head, "\xFF\xD8\xFF")) return ImageType::kJpeg;
  if (starts_with(head, "\x89PNG\r\n\x1A\n")) return ImageType::kPng;
  if (starts_with(head, "RIFF") && head.size() >= 12 && starts_with(head.subspan(8), "WEBP")) return ImageType::kWebp;
  if (plausible_bmp(head)) return ImageType::kBmp;
  if (starts_with(head, "GIF87a") || starts_with(head, "GIF89a")) return ImageType::kGif;
  if (starts_with(head, "8BPS")) return ImageType::kPsd;
  if (head.size() >= 3 && byte_at(head, 0) == 'P' && byte_at(head, 1) >= '1' && byte_at(head, 1) <= '6' &&
      is_pnm_space(byte_at(head, 2))) {
    return ImageType::kPnm;
  }
  if (starts_with(head, "#?RADIANCE") || starts_with(head, "#?RGBE")) return ImageType::kHdr;
  if (name_says_tga && plausible_tga(head)) return ImageType::kTga;
  return std::nullopt;
}

void check_pixel_guard(std::uint64_t width, std::uint64_t height, std::uint64_t max_pixels) {
  const std::string size = std::to_string(width) + "x" + std::to_string(height);
  if (width == 0 || height == 0) throw ImageError("declares an empty image (" + size + ")");
  // Both sides come from headers of at most 32 bits each, so the product fits.
  if (width * height > max_pixels) {
    throw ImageError("declares " + size + " pixels, more than --max-pixels " + std::to_string(max_pixels));
  }
}

namespace {

// A read stream on `fd`, which it takes over (closed if no stream can be made).
FilePtr adopt(int fd) {
  FilePtr file(::fdopen(fd, "rb"));
  if (!file) {
    const auto error = errno_error();
    ::close(fd);
    throw error;
  }
  return file;
}

// A second stream on the same open file (the same bytes, whatever happens
// to the path since). The two share one file offset.
FilePtr duplicate(std::FILE* file) {
  const int fd = ::fcntl(::fileno(file), F_DUPFD_CLOEXEC, 0);
  if (fd < 0) throw errno_error();
  return adopt(fd);
}

// Opens `path` for reading if it is a regular file.
FilePtr open_regular(const std::string& path) {
  // O_NONBLOCK so that a FIFO handed here by mistake fails below instead of
  // waiting for a writer; it is cleared again before any read.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) throw errno_error();
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const auto error = errno_error("cannot stat");
    ::close(fd);
    throw error;
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw ImageError(S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
  }
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
    const auto error = errno_error();
    ::close(fd);
    throw error;
  }
  return adopt(fd);
}

// The type `file`'s first bytes announce; the file is left at its start.
// `buffer` keeps the bytes read.
ImageType identify_open(std::FILE* file, const std::string& path, std::array<std::byte, 64>& buffer, std::size_t& got) {
  errno = 0;
  got = std::fread(buffer.data(), 1, buffer.size(), file);
  if (got < buffer.size() && std::ferror(file) != 0) throw errno_error("cannot read");
  if (got == 0) throw NotAnImage("empty file");
  if (std::fseek(file, 0, SEEK_SET) != 0) throw errno_error("cannot seek");
  const std::span<const std::byte> head(buffer.data(), got);
  const auto type = sniff(head, iequals(extension_of(path), "tga"));
  if (!type) throw NotAnImage("not an image conc reads (JPEG, PNG, WebP, BMP, TGA, GIF, PSD, PNM, HDR)");
  if (*type == ImageType::kPnm) {
    const auto variant = static_cast<char>(byte_at(head, 1));
    if (variant != '5' && variant != '6') {
      throw ImageError(std::string("unsupported PNM variant P") + variant + " (conc reads binary PGM and PPM: P5, P6)");
    }
  }
  return *type;
}

}  // namespace

ImageType identify(const std::string& path) {
  const FilePtr file = open_regular(path);
  std::array<std::byte, 64> buffer{};
  std::size_t got = 0;
  return identify_open(file.get(), path, buffer, got);
}

std::unique_ptr<ImageReader> open_reader(const std::string& path, const ReadOptions& options) {
  FilePtr file = open_regular(path);
  std::array<std::byte, 64> buffer{};
  std::size_t got = 0;
  const ImageType type = identify_open(file.get(), path, buffer, got);
  const bool native = type == ImageType::kJpeg || type == ImageType::kPng;
  const auto open_native = type == ImageType::kJpeg ? open_jpeg_reader : open_png_reader;
  if (native && options.decoder == Decoder::kStb) {
    // stb_image decodes pixels only. The metadata (the orientation above
    // all) comes from the native decoder's header read, which decodes no
    // pixel, on the same open file, so that both decoders turn and carry
    // the same picture. A header the native decoder refuses leaves stb to
    // judge the file, with no metadata.
    Metadata metadata;
    try {
      metadata = open_native(duplicate(file.get()), options)->info().metadata;
    } catch (const ImageError&) {}
    if (std::fseek(file.get(), 0, SEEK_SET) != 0) throw errno_error("cannot seek");  // the offset is shared
    return open_stb_reader(std::move(file), type, options, std::move(metadata));
  }
  if (native) return open_native(std::move(file), options);
  if (type == ImageType::kWebp) return open_webp_reader(std::move(file), options);
  return open_stb_reader(std::move(file), type, options);
}

std::unique_ptr<ImageWriter> make_writer(const Geometry& geometry, const WriteOptions& options, ByteSink& sink) {
  switch (options.type) {
    case ImageType::kJpeg: return make_jpeg_writer(geometry, options, sink);
    case ImageType::kPng: return make_png_writer(geometry, options, sink);
    case ImageType::kWebp: return make_webp_writer(geometry, options, sink);
    case ImageType::kBmp:
    case ImageType::kTga: return make_stb_writer(geometry, options, sink);
    default: break;
  }
  throw std::invalid_argument("conc cannot write " + std::string(type_name(options.type)) + " images");
}

}  // namespace conc::image
