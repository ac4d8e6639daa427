// common/json_writer.h: a small streaming JSON writer for --format json and --stats-json.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace conc::common {

/// Appends `text` to `out` as a JSON string literal (with quotes). Valid
/// UTF-8 is copied; control characters are escaped; each byte that is not
/// part of valid UTF-8 becomes U+FFFD, so the document is always valid JSON.
/// Lossy: for names chosen by conc itself (keys), not for the user's bytes.
void append_json_string(std::string& out, std::string_view text);

/// Appends `bytes` to `out` losslessly, as ripgrep does: a JSON string when
/// the bytes are valid UTF-8, else `{"bytes":"<base64>"}` (RFC 4648, padded),
/// so two different names never print the same.
void append_json_bytes(std::string& out, std::string_view bytes);

/// True when `text` is valid UTF-8 (no overlongs, surrogates or code points
/// above U+10FFFF).
bool is_valid_utf8(std::string_view text);

/// Builds one JSON document into a string, inserting commas itself.
///
///     JsonWriter w;
///     w.begin_object().key("files").value(3).end_object();
///     w.str();  // {"files":3}
class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);
  /// A string value, written losslessly (`append_json_bytes`): a path or a
  /// word that is not UTF-8 becomes `{"bytes":"<base64>"}`.
  JsonWriter& value(std::string_view v);
  JsonWriter& value(const char* v) { return value(std::string_view(v)); }
  JsonWriter& value(std::int64_t v);
  JsonWriter& value(std::uint64_t v);
  JsonWriter& value(int v) { return value(static_cast<std::int64_t>(v)); }
  JsonWriter& value(double v);
  JsonWriter& value(bool v);
  JsonWriter& null();

  [[nodiscard]] const std::string& str() const noexcept { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void before_value();
  std::string out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
};

}  // namespace conc::common
