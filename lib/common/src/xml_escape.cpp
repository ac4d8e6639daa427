#include "common/xml_escape.h"

#include "common/json_writer.h"

namespace conc::common {

std::string xml_escape(std::string_view text) {
  const bool utf8 = is_valid_utf8(text);
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto u = static_cast<unsigned char>(ch);
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if ((u < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') || (!utf8 && u >= 0x80)) {
          out += "\xEF\xBF\xBD";
        } else {
          out += ch;
        }
    }
  }
  return out;
}

}  // namespace conc::common
