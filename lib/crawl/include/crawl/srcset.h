// crawl/srcset.h: the URLs of an img or source `srcset` attribute.
#pragma once

#include <string_view>
#include <vector>

namespace conc::crawl {

/// The URLs of the image candidates in a `srcset` value, in order, as the
/// HTML standard's "parse a srcset attribute" algorithm finds them: a URL
/// runs to the next whitespace, so commas inside it stay (`image,1.jpg 1x`,
/// `data:image/png;base64,...`), and trailing commas end it (`a.jpg, b.jpg`);
/// descriptors (`1x`, `300w`, `200h`, `(future)`) are skipped up to the next
/// comma outside parentheses. A candidate whose descriptors a browser would
/// reject (`2q`, `1x 2x`, `0w`, `-1x`, `h` without `w`) is left out, since no
/// browser fetches it. Empty candidates (`,,`) are skipped. The views point
/// into `value`. Linear; never fails.
std::vector<std::string_view> srcset_urls(std::string_view value);

}  // namespace conc::crawl
