// hash/checksum_line.h: the line formats of sha256sum and friends, written and read.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/digest.h"

namespace conc::hash {

enum class LineStyle {
  kGnu,  ///< `HASH  NAME` (sha256sum)
  kTag,  ///< `SHA256 (NAME) = HASH` (sha256sum --tag, BSD)
};

/// One output line, with its terminator. As GNU coreutils does: a name
/// holding a backslash, newline or carriage return is written with `\\`,
/// `\n`, `\r` and the line starts with `\`. With `zero`, the line ends with
/// NUL instead of a newline and nothing is escaped.
std::string format_line(LineStyle style, common::Algo algo, std::string_view hex, std::string_view name, bool zero);

/// True if `name` needs the escaped form (it holds `\`, `\n` or `\r`).
bool needs_escape(std::string_view name) noexcept;
/// `name` with `\`, `\n`, `\r` written as `\\`, `\n`, `\r`.
std::string escape_name(std::string_view name);

/// What the verdict lines of check mode print for a name. As coreutils
/// does: only a name holding a newline is escaped (all three characters,
/// behind a leading `\`); a backslash or carriage return alone is not.
std::string display_name(std::string_view name);

/// One parsed line of a checksum file.
struct ChecksumLine {
  common::Algo algo = common::Algo::kSha256;
  std::string hex;   ///< lowercase
  std::string name;  ///< unescaped
};

/// Parses a GNU line (for `gnu`, whose digest length it must have) or a BSD
/// tag line of any known algorithm (of `gnu`'s length when it is `gnu`'s
/// algorithm: a BLAKE3 spec with its own length, else of the algorithm's
/// own). Accepts a trailing `\r` (CRLF files), a leading `\` for escaped
/// names, `*` (binary) or ` ` before the name, and upper- or lowercase hex. Returns nullopt for an improperly
/// formatted line. Comment lines (`#...`) are the caller's to skip.
std::optional<ChecksumLine> parse_checksum_line(std::string_view line, const common::DigestSpec& gnu);

}  // namespace conc::hash
