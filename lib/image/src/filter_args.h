// filter_args.h: reading a filter's arguments, strictly, with ranges.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace conc::image {

/// `args` split at `sep` ("1,2,3" -> {"1","2","3"}; "" -> {}). Empty
/// fields are kept, so "1,,2" is caught by the number parser.
std::vector<std::string_view> split_args(std::string_view args, char sep = ',');

/// A decimal number (optional sign, digits, optional fraction and
/// exponent; no "nan", "inf", hex or trailing junk) in [min, max]. Throws
/// FilterSyntaxError "filter 'TEXT': WHAT must be a number from MIN to MAX,
/// not 'ARG'".
double parse_number(const std::string& text, std::string_view arg, std::string_view what, double min, double max);

/// A whole number in [min, max], same rules and message.
std::int64_t parse_whole(const std::string& text, std::string_view arg, std::string_view what, std::int64_t min,
                         std::int64_t max);

/// Throws FilterSyntaxError "filter 'TEXT': WHY".
[[noreturn]] void bad_filter(const std::string& text, const std::string& why);

/// Throws unless `args` holds between `min` and `max` comma-separated fields
/// ("filter 'blur': needs SIGMA (blur:SIGMA)").
std::vector<std::string_view> expect_args(const std::string& text, std::string_view args, std::size_t min,
                                          std::size_t max, std::string_view usage);

}  // namespace conc::image
