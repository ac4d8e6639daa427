#include "common/json_reader.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>

#include "common/json_writer.h"
#include "common/utf8.h"

namespace conc::common {

class JsonParser {
 public:
  explicit JsonParser(std::string_view text) : s_(text) {}

  Json document() {
    Json v = value(0);
    skip_space();
    if (i_ != s_.size()) fail("trailing characters");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error("JSON: " + what + " at byte " + std::to_string(i_));
  }

  void skip_space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }

  bool consume(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }

  void expect(char c) {
    skip_space();
    if (i_ >= s_.size() || s_[i_] != c) fail(std::string("expected '") + c + "'");
    ++i_;
  }

  Json value(int nesting) {
    if (nesting > 256) fail("nesting deeper than 256");
    skip_space();
    if (i_ >= s_.size()) fail("unexpected end");
    Json v;
    const char c = s_[i_];
    if (c == '{') {
      ++i_;
      auto object = std::make_shared<Json::Object>();
      skip_space();
      if (i_ < s_.size() && s_[i_] == '}') {
        ++i_;
      } else {
        for (;;) {
          skip_space();
          if (i_ >= s_.size() || s_[i_] != '"') fail("expected a key");
          std::string key = string();
          expect(':');
          (*object)[std::move(key)] = value(nesting + 1);
          skip_space();
          if (i_ < s_.size() && s_[i_] == ',') {
            ++i_;
            continue;
          }
          expect('}');
          break;
        }
      }
      v.v_ = std::move(object);
    } else if (c == '[') {
      ++i_;
      auto array = std::make_shared<Json::Array>();
      skip_space();
      if (i_ < s_.size() && s_[i_] == ']') {
        ++i_;
      } else {
        for (;;) {
          array->push_back(value(nesting + 1));
          skip_space();
          if (i_ < s_.size() && s_[i_] == ',') {
            ++i_;
            continue;
          }
          expect(']');
          break;
        }
      }
      v.v_ = std::move(array);
    } else if (c == '"') {
      v.v_ = string();
    } else if (consume("true")) {
      v.v_ = true;
    } else if (consume("false")) {
      v.v_ = false;
    } else if (consume("null")) {
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      v.v_ = number();
    } else {
      fail("unexpected character");
    }
    return v;
  }

  double number() {
    const std::size_t start = i_;
    if (s_[i_] == '-') ++i_;
    auto digits = [&] {
      const std::size_t from = i_;
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
      if (i_ == from) fail("expected a digit");
    };
    digits();
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      digits();
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      digits();
    }
    // strtod needs a terminated string; the number is short.
    const std::string text(s_.substr(start, i_ - start));
    return std::strtod(text.c_str(), nullptr);
  }

  unsigned hex4() {
    if (s_.size() - i_ < 4) fail("short \\u escape");
    unsigned u = 0;
    for (int k = 0; k < 4; ++k) {
      const char h = s_[i_++];
      u <<= 4;
      if (h >= '0' && h <= '9') {
        u |= static_cast<unsigned>(h - '0');
      } else if (h >= 'a' && h <= 'f') {
        u |= static_cast<unsigned>(h - 'a' + 10);
      } else if (h >= 'A' && h <= 'F') {
        u |= static_cast<unsigned>(h - 'A' + 10);
      } else {
        fail("bad \\u escape");
      }
    }
    return u;
  }

  std::string string() {
    ++i_;  // the opening quote
    std::string out;
    for (;;) {
      if (i_ >= s_.size()) fail("unterminated string");
      const char c = s_[i_++];
      if (c == '"') {
        // RFC 8259: JSON text is UTF-8; raw bytes that are not would reach
        // callers as strings no writer of ours could give back.
        if (!is_valid_utf8(out)) fail("a string that is not UTF-8");
        return out;
      }
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) fail("unterminated escape");
      switch (s_[i_++]) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          std::uint32_t cp = hex4();
          if (cp >= 0xD800 && cp <= 0xDBFF && s_.substr(i_, 2) == "\\u") {
            i_ += 2;
            const std::uint32_t low = hex4();
            if (low < 0xDC00 || low > 0xDFFF) fail("unpaired surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xD800 && cp <= 0xDFFF) {
            fail("unpaired surrogate");
          }
          conc::common::append_utf8(out, cp);
          break;
        }
        default: fail("bad escape");
      }
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

Json Json::parse(std::string_view text) { return JsonParser(text).document(); }

namespace {
[[noreturn]] void wrong_type(const char* want) { throw std::runtime_error(std::string("JSON: not ") + want); }
}  // namespace

bool Json::boolean() const {
  if (!is_bool()) wrong_type("a boolean");
  return std::get<bool>(v_);
}

double Json::number() const {
  if (!is_number()) wrong_type("a number");
  return std::get<double>(v_);
}

long long Json::integer() const {
  const double d = number();
  if (d != std::floor(d) || std::fabs(d) > 9007199254740992.0) wrong_type("an integer");
  return static_cast<long long>(d);
}

const std::string& Json::string() const {
  if (!is_string()) wrong_type("a string");
  return std::get<std::string>(v_);
}

const Json::Array& Json::array() const {
  if (!is_array()) wrong_type("an array");
  return *std::get<std::shared_ptr<Array>>(v_);
}

const Json::Object& Json::object() const {
  if (!is_object()) wrong_type("an object");
  return *std::get<std::shared_ptr<Object>>(v_);
}

const Json* Json::find(std::string_view key) const {
  if (!is_object()) return nullptr;
  const auto& o = object();
  const auto it = o.find(key);
  return it == o.end() ? nullptr : &it->second;
}

const Json& Json::at(std::string_view key) const {
  const Json* v = find(key);
  if (v == nullptr) throw std::runtime_error("JSON: no member \"" + std::string(key) + "\"");
  return *v;
}

const Json& Json::at(std::size_t index) const {
  const auto& a = array();
  if (index >= a.size()) throw std::runtime_error("JSON: index " + std::to_string(index) + " out of range");
  return a[index];
}

std::size_t Json::size() const noexcept {
  if (is_array()) return std::get<std::shared_ptr<Array>>(v_)->size();
  if (is_object()) return std::get<std::shared_ptr<Object>>(v_)->size();
  return 0;
}

std::string lossless_bytes(const Json& value) {
  if (value.is_string()) return value.string();
  if (!value.is_object() || value.size() != 1 || value.find("bytes") == nullptr) {
    throw std::runtime_error("expected a string or {\"bytes\": base64}");
  }
  const std::string& text = value.at("bytes").string();
  const auto sextet = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (text.size() % 4 != 0) throw std::runtime_error("base64 of a length not a multiple of 4");
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    const int pad = last ? (text[i + 3] == '=' ? (text[i + 2] == '=' ? 2 : 1) : 0) : 0;
    std::uint32_t v = 0;
    for (int j = 0; j < 4; ++j) {
      const int d = j >= 4 - pad ? 0 : sextet(text[i + j]);
      if (d < 0) throw std::runtime_error("a character that is not base64");
      v = v << 6 | static_cast<std::uint32_t>(d);
    }
    out.push_back(static_cast<char>(v >> 16));
    if (pad < 2) out.push_back(static_cast<char>(v >> 8 & 0xff));
    if (pad < 1) out.push_back(static_cast<char>(v & 0xff));
  }
  return out;
}

}  // namespace conc::common
