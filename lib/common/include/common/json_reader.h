// common/json_reader.h: a small JSON reader: the --stats-json reports that
// conc bench reads back from its runs, and, in tests, crawl_server.py's
// /__stats, --expect files and the JSON reports of every subcommand.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace conc::common {

/// One JSON value. Numbers are doubles (exact for integers below 2^53);
/// objects keep their keys sorted (duplicates: the last one wins).
class Json {
 public:
  using Array = std::vector<Json>;
  using Object = std::map<std::string, Json, std::less<>>;

  Json() = default;  // null

  /// Parses a whole document; throws std::runtime_error naming the byte
  /// offset of the first error. Strings are decoded to UTF-8 (\uXXXX and
  /// surrogate pairs included), and a string holding bytes that are not
  /// UTF-8 is an error, as RFC 8259 says; nesting deeper than 256 is one too.
  static Json parse(std::string_view text);

  [[nodiscard]] bool is_null() const noexcept { return std::holds_alternative<std::monostate>(v_); }
  [[nodiscard]] bool is_bool() const noexcept { return std::holds_alternative<bool>(v_); }
  [[nodiscard]] bool is_number() const noexcept { return std::holds_alternative<double>(v_); }
  [[nodiscard]] bool is_string() const noexcept { return std::holds_alternative<std::string>(v_); }
  [[nodiscard]] bool is_array() const noexcept { return std::holds_alternative<std::shared_ptr<Array>>(v_); }
  [[nodiscard]] bool is_object() const noexcept { return std::holds_alternative<std::shared_ptr<Object>>(v_); }

  /// The value as that type; throw std::runtime_error when it is another.
  [[nodiscard]] bool boolean() const;
  [[nodiscard]] double number() const;
  [[nodiscard]] long long integer() const;  ///< number(), which must be integral
  [[nodiscard]] const std::string& string() const;
  [[nodiscard]] const Array& array() const;
  [[nodiscard]] const Object& object() const;

  /// A member of an object: nullptr when absent (or when this is no object).
  [[nodiscard]] const Json* find(std::string_view key) const;
  /// A member that must be there (throws std::runtime_error naming it).
  [[nodiscard]] const Json& at(std::string_view key) const;
  /// An element of an array (throws when out of range).
  [[nodiscard]] const Json& at(std::size_t index) const;
  /// Elements of an array, members of an object, else 0.
  [[nodiscard]] std::size_t size() const noexcept;

 private:
  friend class JsonParser;
  std::variant<std::monostate, bool, double, std::string, std::shared_ptr<Array>, std::shared_ptr<Object>> v_;
};

/// The bytes JsonWriter::value wrote losslessly: a string's own, or those
/// of `{"bytes":"<base64>"}` (text that is not UTF-8, such as a file name).
/// Throws std::runtime_error for any other value or malformed base64.
std::string lossless_bytes(const Json& value);

}  // namespace conc::common
