#include "filter_registry.h"

#include <array>

namespace conc::image {
namespace {

using Family = std::span<const FilterEntry> (*)();
constexpr std::array<Family, 3> kFamilies = {point_filter_entries, neighbourhood_filter_entries,
                                             geometry_filter_entries};

}  // namespace

std::unique_ptr<FilterSpec> parse_filter(std::string_view spec) {
  const std::string text(spec);
  const std::size_t colon = spec.find(':');
  const std::string_view name = spec.substr(0, colon);
  const std::string_view args = colon == std::string_view::npos ? std::string_view{} : spec.substr(colon + 1);
  for (const Family family : kFamilies) {
    for (const FilterEntry& e : family()) {
      if (e.name == name) return e.parse(text, args);
    }
  }
  throw FilterSyntaxError("unknown filter '" + std::string(name) + "'");
}

std::string filter_help() {
  std::string out = "Filters, applied in the order given (-f NAME or -f NAME:ARGS):\n";
  for (const Family family : kFamilies) {
    for (const FilterEntry& e : family()) {
      std::string head = "  " + std::string(e.name);
      if (!e.args.empty()) head += ":" + std::string(e.args);
      if (head.size() < 24)
        head.resize(24, ' ');
      else
        head += "\n" + std::string(24, ' ');
      out += head + std::string(e.help) + "\n";
    }
  }
  return out;
}

}  // namespace conc::image
