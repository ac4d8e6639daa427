// The JSON writer on arbitrary bytes (paths and words are the user's bytes):
// is_valid_utf8 against a decoder written from RFC 3629, and every document
// the writer makes read back by a strict RFC 8259 reader: valid UTF-8, the
// string form giving the input back, the {"bytes": base64} form decoding to it,
// the lossy form for keys giving the input with U+FFFD for each invalid byte.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/json_writer.h"
#include "require.h"

namespace {

// The length of the UTF-8 sequence at s[i], or 0 when it is not one: the
// code point is decoded, then held to its shortest form and to the ranges
// RFC 3629 allows (no surrogates, nothing above U+10FFFF).
std::size_t sequence_length(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(s[i + k])); };
  const std::uint32_t lead = byte(0);
  std::size_t n = 0;
  std::uint32_t code = 0;
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) {
    n = 2;
    code = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    n = 3;
    code = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    n = 4;
    code = lead & 0x07;
  } else {
    return 0;
  }
  if (s.size() - i < n) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(k) & 0xC0) != 0x80) return 0;
    code = code << 6 | (byte(k) & 0x3F);
  }
  constexpr std::uint32_t kShortest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code < kShortest[n] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
  return n;
}

bool reference_valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = sequence_length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

// What the lossy form stands for: the input with each byte that is not part
// of a valid sequence replaced by U+FFFD.
std::string replace_invalid(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = sequence_length(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

void append_utf8(std::string& out, std::uint32_t code) {
  if (code < 0x80) {
    out.push_back(static_cast<char>(code));
  } else if (code < 0x800) {
    out.push_back(static_cast<char>(0xC0 | code >> 6));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else if (code < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | code >> 12));
    out.push_back(static_cast<char>(0x80 | (code >> 6 & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | code >> 18));
    out.push_back(static_cast<char>(0x80 | (code >> 12 & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code >> 6 & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  }
}

// A strict reader of the JSON the writer makes: strings and objects of
// strings (RFC 8259 grammar, no whitespace since the writer writes none).
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  [[nodiscard]] bool at_end() const { return at_ == text_.size(); }
  bool take(char c) {
    if (at_ == text_.size() || text_[at_] != c) return false;
    ++at_;
    return true;
  }

  // A string literal, decoded; nullopt when it is not valid JSON.
  std::optional<std::string> string() {
    if (!take('"')) return std::nullopt;
    std::string out;
    while (at_ < text_.size()) {
      const auto c = static_cast<unsigned char>(text_[at_++]);
      if (c == '"') return out;
      if (c < 0x20) return std::nullopt;  // control characters must be escaped
      if (c != '\\') {
        out.push_back(static_cast<char>(c));
        continue;
      }
      if (at_ == text_.size()) return std::nullopt;
      switch (text_[at_++]) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          auto code = hex4();
          if (!code) return std::nullopt;
          if (*code >= 0xDC00 && *code <= 0xDFFF) return std::nullopt;  // a low surrogate alone
          if (*code >= 0xD800 && *code <= 0xDBFF) {
            if (!take('\\') || !take('u')) return std::nullopt;
            const auto low = hex4();
            if (!low || *low < 0xDC00 || *low > 0xDFFF) return std::nullopt;
            code = 0x10000 + ((*code - 0xD800) << 10) + (*low - 0xDC00);
          }
          append_utf8(out, *code);
          break;
        }
        default: return std::nullopt;
      }
    }
    return std::nullopt;  // no closing quote
  }

 private:
  std::optional<std::uint32_t> hex4() {
    if (text_.size() - at_ < 4) return std::nullopt;
    std::uint32_t value = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text_[at_++];
      value <<= 4;
      if (c >= '0' && c <= '9') {
        value |= static_cast<std::uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        value |= static_cast<std::uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        value |= static_cast<std::uint32_t>(c - 'A' + 10);
      } else {
        return std::nullopt;
      }
    }
    return value;
  }

  std::string_view text_;
  std::size_t at_ = 0;
};

// RFC 4648 base64 with padding, strictly: nullopt for anything else.
std::optional<std::string> decode_base64(std::string_view text) {
  constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') ++padding;
  std::string out;
  std::uint32_t bits = 0;
  int held = 0;
  for (const char c : text.substr(0, text.size() - padding)) {
    const auto value = kAlphabet.find(c);
    if (value == std::string_view::npos) return std::nullopt;
    bits = bits << 6 | static_cast<std::uint32_t>(value);
    held += 6;
    if (held >= 8) {
      held -= 8;
      out.push_back(static_cast<char>(bits >> held & 0xFF));
    }
  }
  // Canonical: the bits past the last byte are zero (so each input has one encoding).
  if ((bits & ((1U << held) - 1)) != 0) return std::nullopt;
  return out;
}

// The lossless value form: a string for UTF-8, else {"bytes":"<base64>"}.
std::optional<std::string> read_value(Reader& reader, bool& as_bytes) {
  as_bytes = false;
  if (!reader.take('{')) return reader.string();
  as_bytes = true;
  const auto key = reader.string();
  if (!key || *key != "bytes" || !reader.take(':')) return std::nullopt;
  const auto encoded = reader.string();
  if (!encoded || !reader.take('}')) return std::nullopt;
  return decode_base64(*encoded);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using conc::common::JsonWriter;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const bool valid = conc::common::is_valid_utf8(input);
  CONC_FUZZ_REQUIRE(valid == reference_valid_utf8(input));

  {  // A value alone: lossless.
    const std::string doc = JsonWriter().value(input).take();
    CONC_FUZZ_REQUIRE(reference_valid_utf8(doc));
    Reader reader(doc);
    bool as_bytes = false;
    const auto back = read_value(reader, as_bytes);
    CONC_FUZZ_REQUIRE(back.has_value() && reader.at_end());
    CONC_FUZZ_REQUIRE(*back == input);
    CONC_FUZZ_REQUIRE(as_bytes == !valid);
  }
  {  // The input as a key too, as the lossy form: inside an object, after another member.
    const std::string doc = JsonWriter().begin_object().key("n").value(1).key(input).value(input).end_object().take();
    CONC_FUZZ_REQUIRE(reference_valid_utf8(doc));
    Reader reader(doc);
    CONC_FUZZ_REQUIRE(reader.take('{'));
    CONC_FUZZ_REQUIRE(reader.string() == "n" && reader.take(':') && reader.take('1') && reader.take(','));
    CONC_FUZZ_REQUIRE(reader.string() == replace_invalid(input));
    CONC_FUZZ_REQUIRE(reader.take(':'));
    bool as_bytes = false;
    CONC_FUZZ_REQUIRE(read_value(reader, as_bytes) == input);
    CONC_FUZZ_REQUIRE(reader.take('}') && reader.at_end());
  }
  return 0;
}
