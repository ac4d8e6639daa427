#include "batch_plan.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "common/file_walk.h"
#include "image/image_error.h"

namespace conc::image {
namespace {

namespace fs = std::filesystem;

std::string base_name(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  const auto slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

// The type of `path`, or nothing with the reason in `error`; `not_image`
// tells a file that is no image (skipped inside a walk) from one that
// could not be read.
std::optional<ImageType> identify_file(const std::string& path, std::string& error, bool& not_image) {
  try {
    return identify(path);
  } catch (const NotAnImage& e) {
    not_image = true;
    error = e.what();
  } catch (const std::exception& e) {
    error = common::exception_reason(e);
  }
  return std::nullopt;
}

// `name` with `suffix` before its extension, and the extension of `to`
// unless the name already claims that type (photo.JPEG stays so; a JPEG
// named x.png, or a GIF written as PNG, gets .jpg or .png).
std::string output_name(const std::string& name, ImageType to, const std::string& suffix) {
  std::string stem = name;
  std::string ext;
  const auto dot = name.rfind('.');
  if (dot != std::string::npos && dot != 0) {
    stem = name.substr(0, dot);
    ext = name.substr(dot);
  }
  const auto claimed = type_claimed_by_name(name);
  if (claimed != to) {
    if (!claimed) stem = name;  // "scan.v2" keeps all it had
    ext = std::string(extension(to));
  }
  return stem + suffix + ext;
}

// A path as the comparison of outputs sees it: absolute, `.`/`..` and
// symlinks of its existing part resolved.
std::string canonical_path(const std::string& path) {
  std::error_code ec;
  auto p = fs::weakly_canonical(fs::absolute(path, ec), ec);
  return ec ? fs::absolute(path).lexically_normal().string() : p.string();
}

// Whether canonical path `c` lies strictly below canonical directory `dir`.
bool strictly_under(const std::string& c, const std::string& dir) {
  return c.size() > dir.size() && c.compare(0, dir.size(), dir) == 0 && (dir == "/" || c[dir.size()] == '/');
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

struct Found {
  std::string path;
  std::string relative;  ///< under the output directory
  std::uint64_t size = 0;
  bool named = false;  ///< named on the command line, not met in a walk
};

}  // namespace

BatchPlan plan_batch(const Options& options, common::Diagnostics& diag, const std::stop_token& stop) {
  BatchPlan plan;
  // `-o new/` names a directory even before it exists.
  const bool output_is_dir = is_directory(options.output) || (!options.output.empty() && options.output.back() == '/');
  const bool to_file =
      !options.in_place && options.inputs.size() == 1 && !is_directory(options.inputs[0]) && !output_is_dir;
  if (!options.in_place && !to_file && exists(options.output) && !is_directory(options.output)) {
    throw PlanError("-o " + options.output + ": is not a directory, and the inputs need one");
  }
  if (!options.in_place && !to_file && !exists(options.output) &&
      (name_claims_image(options.output) || !foreign_image_extension(options.output).empty())) {
    // Several inputs would go into a new directory named like an image.
    throw PlanError("-o " + options.output + ": several inputs need a directory (end it with / to make one)");
  }
  if (to_file) {
    const auto named = type_claimed_by_name(options.output);
    if (!options.type && named && !is_writable(*named)) {
      throw PlanError("-o " + options.output + ": conc cannot write " + std::string(type_name(*named)) +
                      " (it writes jpg, png, webp, bmp and tga)");
    }
    if (options.type && named && *named != *options.type) {
      throw PlanError("-o " + options.output + ": the name says " + std::string(type_name(*named)) + ", --type says " +
                      std::string(type_name(*options.type)));
    }
    if (const std::string_view foreign = foreign_image_extension(options.output); !foreign.empty()) {
      throw PlanError("-o " + options.output + ": conc cannot write " + std::string(foreign) +
                      " (it writes jpg, png, webp, bmp and tga)");
    }
  }
  const std::string out_root = options.in_place ? "" : canonical_path(options.output);

  // Files under the output directory met in a walk (a link followed under
  // -L) are earlier outputs, not inputs. A tree named at or under the output
  // directory is the user's input all the same (and its outputs are then
  // checked against it like any other).
  auto within_output = [&](const std::string& path, bool or_equal) {
    if (options.in_place || to_file) return false;
    const std::string c = canonical_path(path);
    return (or_equal && c == out_root) || strictly_under(c, out_root);
  };

  std::vector<Found> found;
  const std::size_t errors_before_walk = diag.errors();  // nothing else reports while the plan walks
  for (const auto& input : options.inputs) {
    if (input == "-") {
      plan.records.push_back(
          {"-", "", 0, 0, {}, Status::kFailed, "reading an image from stdin is not supported: name a file", false});
      continue;
    }
    if (is_directory(input)) {
      const std::string root = input.back() == '/' ? input : input + "/";
      const bool named_in_output = within_output(input, true);
      // An output directory inside an input tree: its files are either
      // earlier outputs or images of the user's, and conc cannot tell which
      // to read and which it may replace.
      if (!options.in_place && !to_file && !named_in_output && strictly_under(out_root, canonical_path(input))) {
        throw PlanError("-o " + options.output + ": lies inside the input " + input +
                        ": conc cannot tell earlier outputs there from your images (choose a directory outside the "
                        "inputs)");
      }
      for (auto& f : common::walk({input}, options.walk, diag)) {
        if (!named_in_output && within_output(f.path, false)) continue;
        std::string rel = f.path.compare(0, root.size(), root) == 0 ? f.path.substr(root.size()) : base_name(f.path);
        found.push_back({std::move(f.path), std::move(rel), f.size, false});
      }
    } else {
      struct stat st {};
      const std::uint64_t size = ::stat(input.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
      found.push_back({input, base_name(input), size, true});
    }
  }

  plan.walk_errors = diag.errors() - errors_before_walk;

  std::map<std::string, std::string> outputs;  // canonical output -> the input it comes from
  std::map<std::string, std::string> inputs;   // canonical input -> as named
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::string> input_ids;  // hard links, bind mounts
  for (const auto& f : found) {
    const std::string c = canonical_path(f.path);
    for (const auto& reserved : options.reserved) {
      if (canonical_path(reserved) == c)
        throw PlanError("--stats-json " + reserved + " would replace the input " + f.path);
    }
    inputs.emplace(c, f.path);
    if (const auto id = common::file_id(f.path)) input_ids.emplace(std::pair{id->device, id->inode}, f.path);
  }

  for (auto& f : found) {
    if (stop.stop_requested()) break;  // the run is over: what is planned so far is skipped too
    ImageRecord rec;
    rec.input = f.path;
    std::string error;
    bool not_image = false;
    const auto type = identify_file(f.path, error, not_image);
    if (!type) {
      if (f.named || !not_image || name_claims_image(f.path)) {
        rec.status = Status::kFailed;
      } else {
        rec.status = Status::kSkipped;
      }
      rec.reason = error;
      plan.records.push_back(std::move(rec));
      continue;
    }

    PlannedImage img;
    img.record = plan.records.size();
    img.input = f.path;
    img.size = f.size;
    if (options.type) {
      img.output_type = *options.type;
    } else if (to_file) {
      // -o's extension chooses (checked writable above).
      const auto named = type_claimed_by_name(options.output);
      img.output_type = named ? *named : is_writable(*type) ? *type : ImageType::kPng;
    } else {
      img.output_type = is_writable(*type) ? *type : ImageType::kPng;
    }
    if (options.in_place && !is_writable(*type)) {
      rec.status = Status::kFailed;
      rec.reason = "--in-place cannot write " + std::string(type_name(*type)) +
                   " (conc writes jpg, png, webp, bmp and tga): use -o and --type";
      plan.records.push_back(std::move(rec));
      continue;
    }
    if (options.in_place) {
      img.output = f.path;
    } else if (to_file) {
      img.output = options.output;
    } else {
      const std::string rel = output_name(f.relative, img.output_type, options.suffix);
      img.output = (fs::path(options.output) / rel).string();
    }

    const std::string key = canonical_path(img.output);
    for (const auto& reserved : options.reserved) {
      if (canonical_path(reserved) == key) {
        throw PlanError(img.output + ": both the image of " + f.path + " and --stats-json " + reserved +
                        " would be written there");
      }
    }
    if (const auto [it, fresh] = outputs.emplace(key, f.path); !fresh) {
      throw PlanError(img.output + ": both " + it->second + " and " + f.path + " would be written there");
    }
    if (!options.in_place) {
      std::string victim;
      if (const auto same = inputs.find(key); same != inputs.end()) victim = same->second;
      if (const auto id = common::file_id(img.output); id && victim.empty()) {
        if (const auto it = input_ids.find({id->device, id->inode}); it != input_ids.end()) victim = it->second;
      }
      if (!victim.empty()) {
        throw PlanError(img.output + ": would replace the input " + victim + " (use --in-place to replace inputs)");
      }
    }
    rec.output = img.output;
    plan.records.push_back(std::move(rec));
    plan.images.push_back(std::move(img));
  }

  // Only now that the plan stands (a usage error reports nothing else):
  // the inputs that are no image, one line each.
  for (const auto& rec : plan.records) {
    if (rec.status == Status::kFailed) diag.error(rec.input, rec.reason);
  }
  // The directories the outputs need that do not exist yet, deepest first.
  std::set<std::string> missing;
  for (const auto& img : plan.images) {
    for (fs::path dir = fs::path(img.output).parent_path(); !dir.empty() && !exists(dir.string());
         dir = dir.parent_path()) {
      if (!missing.insert(dir.string()).second) break;  // its parents are in already
      if (dir == dir.parent_path()) break;
    }
  }
  plan.new_directories.assign(missing.begin(), missing.end());
  std::sort(plan.new_directories.begin(), plan.new_directories.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return plan;
}

void remove_unused_directories(const BatchPlan& plan) noexcept {
  for (const auto& dir : plan.new_directories) ::rmdir(dir.c_str());  // fails, as it should, unless empty
}

void keep_shard(BatchPlan& plan, common::Shard shard, const ReadOptions& read) {
  // An image costs its pixels plus a fixed share (opening, encoding
  // headers), so that many tiny images spread too.
  constexpr std::uint64_t kImageCost = std::uint64_t{1} << 16;
  std::vector<std::uint64_t> pixels;
  pixels.reserve(plan.images.size());
  for (const PlannedImage& img : plan.images) {
    std::uint64_t cost = img.size;  // no header to read: its bytes stand in, alike on every node
    try {
      const auto reader = open_reader(img.input, read);
      cost = std::uint64_t{reader->info().stored_width} * reader->info().stored_height;
    } catch (const std::exception&) {  // reported when the shard that draws it processes it
    }
    pixels.push_back(cost);
  }
  const auto shard_of = common::deal_by_cost(pixels, shard.count, kImageCost);
  std::vector<bool> is_image(plan.records.size(), false);
  std::vector<bool> keep_record(plan.records.size(), false);
  for (std::size_t i = 0; i < plan.images.size(); ++i) {
    is_image[plan.images[i].record] = true;
    keep_record[plan.images[i].record] = shard_of[i] == shard.index;
  }
  for (std::size_t r = 0; r < plan.records.size(); ++r) {
    if (!is_image[r]) keep_record[r] = shard.index == 0;
  }
  std::vector<std::size_t> renumbered(plan.records.size(), 0);
  std::vector<ImageRecord> records;
  for (std::size_t r = 0; r < plan.records.size(); ++r) {
    if (!keep_record[r]) continue;
    renumbered[r] = records.size();
    records.push_back(std::move(plan.records[r]));
  }
  std::vector<PlannedImage> images;
  for (std::size_t i = 0; i < plan.images.size(); ++i) {
    if (shard_of[i] != shard.index) continue;
    images.push_back(std::move(plan.images[i]));
    images.back().record = renumbered[images.back().record];
  }
  plan.records = std::move(records);
  plan.images = std::move(images);
  // Other shards write into the same new directories: none is removed as
  // unused, since this shard cannot know that theirs stay empty.
  plan.new_directories.clear();
}

}  // namespace conc::image
