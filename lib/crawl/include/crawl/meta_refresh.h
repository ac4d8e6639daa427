// crawl/meta_refresh.h: the URL of `<meta http-equiv=refresh content="...">`.
#pragma once

#include <optional>
#include <string_view>

namespace conc::crawl {

/// The URL a refresh `content` value sends the browser to, as the HTML
/// standard's "shared declarative refresh steps" read it: a time (digits and
/// dots), then `;` or `,` or whitespace, then the URL, optionally after
/// `url=` (any case, spaces around `=`) and between quotes (`5; URL='/y'`).
/// Nothing when the value is invalid (no time) or names no URL (`5`, which
/// reloads the page itself). The view points into `content`.
std::optional<std::string_view> meta_refresh_url(std::string_view content);

}  // namespace conc::crawl
