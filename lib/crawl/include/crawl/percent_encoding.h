// crawl/percent_encoding.h: one spelling for equivalent percent-encodings, so
// URLs (dedup) and robots.txt rules (matching) compare byte for byte.
#pragma once

#include <string>
#include <string_view>

namespace conc::crawl {

/// Rewrites the percent-encoding of a URL or of a piece of one:
///  - an escape of an unreserved character (A-Z a-z 0-9 - . _ ~) is decoded
///    (RFC 3986 §6.2.2.2: `%7E` and `~` are the same URL);
///  - any other escape keeps its byte and gets upper-case hex (`%2f` ->
///    `%2F`); reserved characters are never decoded, since `/` and `%2F`
///    mean different things to a server;
///  - a `%` that does not start an escape becomes `%25`;
///  - a byte that may appear nowhere in an RFC 3986 URI (controls, space,
///    `"` `<` `>` `\` `^` `` ` `` `{` `|` `}`, DEL and every non-ASCII byte,
///    which is how UTF-8 text travels in URLs) is percent-encoded.
/// Every other byte is kept. Idempotent, linear, never fails.
void append_normalized_percent_encoding(std::string& out, std::string_view in);

/// append_normalized_percent_encoding into a new string.
std::string normalize_percent_encoding(std::string_view in);

/// Decodes every valid `%XX` escape (a `%` without two hex digits stays as
/// is). For comparing a URL's fragment with the ids of a page: HTML looks
/// the fragment up as written, then percent-decoded.
std::string percent_decode(std::string_view in);

}  // namespace conc::crawl
