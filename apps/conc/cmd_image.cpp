// conc image: flags in, engine call, report out.
#include <iostream>
#include <memory>

#include "command.h"
#include "commands.h"
#include "common/diagnostics.h"
#include "common/exit_code.h"
#include "image/filter.h"
#include "image/image.h"
#include "image/report.h"
#include "shared_options.h"

namespace conc::cli {
namespace {

struct ImageFlags {
  std::vector<std::string> paths;
  std::vector<std::string> filters;
  std::string type;
  int quality = 90;
  std::string suffix;
  bool in_place = false;
  std::string edge = "clamp";
  std::string decoder = "native";
  bool no_auto_orient = false;
  bool strip = false;
  std::uint64_t max_pixels = 268'435'456;
  bool follow = false;
  std::optional<common::Shard> shard;
  // Parsed by validate, used by run.
  std::vector<std::shared_ptr<const image::FilterSpec>> chain;
};

// --max-pixels: the guard against decompression bombs; 2^40 is far beyond
// any image that fits in memory, and keeps width * height from overflowing.
constexpr std::uint64_t kMaxMaxPixels = std::uint64_t{1} << 40;

void validate(ImageFlags& f, const SharedOptions& o) {
  const bool has_output = o.output != "-";
  if (f.in_place && has_output) throw UsageError("--in-place and -o cannot be used together");
  // Each shard deals the images by their pixels as it finds them: an image
  // an earlier shard rewrote in place would be dealt anew.
  if (f.in_place && f.shard) throw UsageError("--in-place and --shard cannot be used together: give -o DIR");
  if (!f.in_place && !has_output) {
    throw UsageError("-o OUT is required (a file for a single input, else a directory), or --in-place");
  }
  if (f.in_place && !f.type.empty())
    throw UsageError("--in-place keeps each file's type: --type cannot be used with it");
  if (f.in_place && !f.suffix.empty())
    throw UsageError("--in-place keeps each file's name: --suffix cannot be used with it");
  if (f.suffix.find('/') != std::string::npos) throw UsageError("--suffix cannot hold '/': '" + f.suffix + "'");
  if (f.paths.empty()) throw UsageError("no input: name image files or directories");
  f.chain.clear();
  for (const auto& spec : f.filters) {
    try {
      f.chain.push_back(image::parse_filter(spec));
    } catch (const image::FilterSyntaxError& e) {
      throw UsageError(e.what(), "--filter help");
    }
  }
}

int run(const ImageFlags& f, RunContext& ctx) {
  image::Options o;
  o.inputs = f.paths;
  o.filters = f.chain;
  o.output = f.in_place ? "" : ctx.options.output;
  o.in_place = f.in_place;
  if (!f.type.empty()) o.type = image::writable_type_by_name(f.type);
  o.quality = f.quality;
  o.suffix = f.suffix;
  o.edge = f.edge == "reflect" ? image::EdgeMode::kReflect
           : f.edge == "wrap"  ? image::EdgeMode::kWrap
                               : image::EdgeMode::kClamp;
  o.read.decoder = f.decoder == "stb" ? image::Decoder::kStb : image::Decoder::kNative;
  o.read.max_pixels = f.max_pixels;
  o.auto_orient = !f.no_auto_orient;
  o.strip = f.strip;
  o.strategy = strategy_of(image::strategies(), ctx.options.strategy);
  o.threads = ctx.options.threads;
  o.shard = f.shard;
  o.walk.follow_symlinks = f.follow;
  o.walk.skip = ctx.own_files;
  if (!ctx.options.stats_json.empty()) o.reserved.push_back(ctx.options.stats_json);

  image::Result result;
  common::ProgressBar progress(ctx.progress, "image", "images");
  try {
    result = image::process_images(o, ctx.diagnostics, ctx.stop, &progress);
  } catch (const image::PlanError& e) {
    progress.finish();
    throw UsageError(common::printable_name(e.what()));  // it names files: one line whatever their names
  }
  progress.finish();
  ctx.stats = std::move(result.stats);
  // Interrupted: no report, as no command commits its output on exit 130
  // (DESIGN.md section 4); the images written so far are whole.
  if (ctx.stop.stop_requested()) return common::kExitInterrupted;
  const auto format = ctx.options.format == "json" ? image::ReportFormat::kJson : image::ReportFormat::kText;
  image::write_report(ctx.output, result, format, ctx.options.verbose > 0);
  if (!ctx.options.quiet) std::cerr << "conc image: " << image::summary_line(result) << "\n";
  return ctx.diagnostics.errors() > 0 ? common::kExitInputFailed : common::kExitOk;
}

}  // namespace

Command image_command() {
  auto flags = std::make_shared<ImageFlags>();
  Command c;
  c.name = "image";
  c.summary = "filter chains over images and trees, streamed in strips, parallel across and within images";
  c.examples = {
      "conc image -f resize:50% -o small/ photos/",
      "conc image -f blur:2 -f sharpen:1,0.5 -o out.jpg in.jpg",
      "conc image -f fit:1600x1600 --type webp --quality 80 -o web/ photos/",
      "conc image --filter help",
  };
  c.details =
      "\nFormats: JPEG (libjpeg-turbo), PNG (libpng, 8 and 16 bit) and WebP (libwebp; an animation's first\n"
      "frame) are read and written; BMP and TGA are read and written; GIF (first frame), PSD (composite),\n"
      "binary PNM and HDR (tone-mapped to 8 bit) are read only (written as PNG unless --type says otherwise).\n"
      "TIFF, AVIF and HEIC are not supported. Images are recognised by their content; inside a directory a\n"
      "file that is no image is skipped unless its name claims an image type.\n"
      "\nOutput: -o FILE for a single input file (its extension picks the type unless --type), else -o DIR,\n"
      "which mirrors the input trees (created when missing). Every file is written to a temporary name and\n"
      "renamed, so no reader sees half an image and an interrupted run leaves nothing behind. Inputs are\n"
      "never replaced without --in-place; two outputs on one path, or an output on an input, is a usage\n"
      "error before any work, and so is -o DIR inside an input tree (conc could not tell its earlier outputs\n"
      "there from your images). The report (one record per image) goes to stdout.\n";
  c.strategies = strategy_choices(image::strategies());
  c.formats = {"text", "json"};
  c.output_help =
      "where images go: FILE for a single input file, else DIR mirroring the inputs (required unless --in-place)";
  c.add_options = [flags](CLI::App& app) {
    app.add_option("paths", flags->paths, "image files and directories (walked recursively)")->type_name("PATH");
    app.add_option("-f,--filter", flags->filters,
                   "a filter, NAME or NAME:ARGS, applied in the order given (repeat for a chain; 'help' lists them)")
        ->type_name("FILTER")
        ->allow_extra_args(false);  // -f A -f B; `-f A in.jpg` must not read in.jpg as a filter
    app.add_option(
           "--type", flags->type,
           "output type: png, jpg, webp, bmp or tga (default: -o FILE's extension, else the input's, else png); "
           "jpg has no alpha (colour is composited over black) and webp, bmp and tga keep 8 bits")
        ->type_name("TYPE")
        ->check(CLI::IsMember({"png", "jpg", "jpeg", "webp", "bmp", "tga"}));
    app.add_option("--quality", flags->quality, "JPEG and WebP quality, 1 to 100 (default 90)")
        ->type_name("Q")
        ->check(whole_number(1, 100));
    app.add_option("--suffix", flags->suffix, "added to each output's name before the extension (e.g. -small)")
        ->type_name("TEXT");
    app.add_flag("--in-place", flags->in_place, "replace each input with its result (same name and type)");
    app.add_option("--edge", flags->edge,
                   "pixels past the border for neighbourhood filters and resizing: clamp (default), reflect, wrap")
        ->type_name("MODE")
        ->check(CLI::IsMember({"clamp", "reflect", "wrap"}));
    app.add_option("--decoder", flags->decoder,
                   "native (libjpeg-turbo, libpng; default) or stb (stb_image decodes the pixels of JPEG and PNG too: "
                   "the reference decoder; their metadata still comes from the native header read)")
        ->type_name("NAME")
        ->check(CLI::IsMember({"native", "stb"}));
    app.add_flag("--no-auto-orient", flags->no_auto_orient,
                 "keep the stored pixels: do not turn the image by its EXIF orientation (the tag is kept in JPEG and "
                 "PNG outputs; WebP, BMP and TGA outputs carry no metadata)");
    app.add_flag("--strip", flags->strip, "write no metadata (ICC profile, EXIF)");
    app.add_option("--max-pixels", flags->max_pixels,
                   "refuse an image whose header (or a filter's result) has more pixels, 1 to " +
                       std::to_string(kMaxMaxPixels) + " (default 268435456)")
        ->type_name("N")
        ->check(whole_number(1, kMaxMaxPixels));
    add_shard_option(app, flags->shard,
                     "images, dealt by pixels biggest first to the least-loaded shard, each writing its outputs into "
                     "the shared output tree (no merge needed)");
    app.add_flag("-L,--follow", flags->follow, "follow symbolic links inside directories (loops are reported)");
  };
  c.listing = [flags]() -> std::optional<std::string> {
    for (const auto& f : flags->filters) {
      if (f == "help") return image::filter_help();
    }
    return std::nullopt;
  };
  c.validate = [flags](const SharedOptions& o) { validate(*flags, o); };
  c.run = [flags](RunContext& ctx) { return run(*flags, ctx); };
  return c;
}

}  // namespace conc::cli
