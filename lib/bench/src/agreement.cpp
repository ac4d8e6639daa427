#include "bench/agreement.h"

#include <algorithm>
#include <optional>
#include <system_error>

#include "bench/compare_outputs.h"

namespace conc::bench {
namespace fs = std::filesystem;

std::size_t OutputVariants::add(const fs::path& output, int exit_code) {
  std::error_code ec;
  const bool present = fs::exists(fs::symlink_status(output, ec));
  for (std::size_t i = 0; i < variants_.size(); ++i) {
    const Variant& v = variants_[i];
    if (v.exit_code != exit_code || v.present != present) continue;
    if (!present || !first_difference(v.path, output)) return i;
  }
  if (variants_.size() >= kMaxKept) return kNotKept;
  const fs::path kept = dir_ / ("variant-" + std::to_string(variants_.size()));
  if (present) fs::rename(output, kept);
  variants_.push_back({kept, present, exit_code});
  return variants_.size() - 1;
}

std::string OutputVariants::difference(const Variant& right, std::size_t other, const std::string& reference,
                                       const std::string& compared) const {
  if (other == kNotKept) {
    return compared + " differs (one of more than " + std::to_string(kMaxKept) + " distinct outputs, not kept)";
  }
  const Variant& v = variants_[other];
  if (v.exit_code != right.exit_code) {
    return "exit code " + std::to_string(v.exit_code) + " where " + reference + " gave " +
           std::to_string(right.exit_code);
  }
  if (!v.present) return compared + " is missing (" + reference + " wrote one)";
  if (!right.present) return compared + " was written (" + reference + " wrote none)";
  return compared + " differs: " + first_difference(right.path, v.path).value_or("?");
}

std::vector<Disagreement> OutputVariants::judge(const std::vector<Voter>& voters, const std::string& compared) const {
  std::vector<Disagreement> out;
  if (variants_.empty()) return out;
  std::optional<std::size_t> right;
  for (const auto& v : voters) {
    if (v.seq && v.variants.size() == 1 && *v.variants.begin() != kNotKept) right = *v.variants.begin();
  }
  if (!right) {
    std::vector<std::size_t> votes(variants_.size(), 0);
    for (const auto& v : voters) {
      for (const std::size_t i : v.variants) {
        if (i != kNotKept) ++votes[i];
      }
    }
    right = static_cast<std::size_t>(std::max_element(votes.begin(), votes.end()) - votes.begin());
  }
  // The reference's name: seq when it gave it, else the first voter that did.
  std::string reference;
  for (const auto& v : voters) {
    if (!v.variants.contains(*right)) continue;
    if (reference.empty() || v.seq) reference = v.label;
    if (v.seq) break;
  }
  for (const auto& v : voters) {
    for (const std::size_t i : v.variants) {
      if (i == *right) continue;
      std::string what = difference(variants_[*right], i, reference, compared);
      if (v.variants.contains(*right)) what += " in some of its runs";
      out.push_back({reference, v.label, what});
      break;  // one report per voter is enough
    }
  }
  return out;
}

}  // namespace conc::bench
