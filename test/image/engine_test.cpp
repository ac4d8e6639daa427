// The image engine: every strategy and thread count writes the same bytes;
// the batch plan (outputs, collisions, what is an image); bad images.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "image/image.h"
#include "image/image_error.h"
#include "image_files.h"
#include "temp_dir.h"
#include "test_images.h"

namespace fs = std::filesystem;
using namespace conc::image;
using conc::image::testing::exif_with_orientation;
using conc::image::testing::load_image;
using conc::image::testing::make_test_image;
using conc::image::testing::save_image;
using conc::test::slurp;
using conc::test::TempDir;

namespace {

struct Captured {
  std::vector<std::string> lines;
  conc::common::Diagnostics diag{"image", [this](std::string_view l) { lines.emplace_back(l); }};
};

Options options_for(const std::string& out, std::vector<std::string> inputs, const std::vector<std::string>& chain) {
  Options o;
  o.output = out;
  o.inputs = std::move(inputs);
  for (const auto& spec : chain) o.filters.push_back(parse_filter(spec));
  return o;
}

// Every regular file under `dir`, by relative path, with its bytes.
std::map<std::string, std::string> tree(const fs::path& dir) {
  std::map<std::string, std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) out[fs::relative(e.path(), dir).string()] = slurp(e.path());
  }
  return out;
}

Geometry geo(std::uint32_t w, std::uint32_t h, int channels, Depth depth = Depth::k8) {
  return Geometry{w, h, PixelFormat{channels, depth}};
}

// A mixed batch: one larger JPEG, several small PNGs (grey, RGBA, 16-bit),
// a JPEG stored sideways (EXIF orientation 6) and a text file.
void make_batch(const fs::path& in) {
  fs::create_directories(in / "sub");
  save_image(make_test_image(geo(400, 300, 3), 1, true), (in / "big.jpg").string(), ImageType::kJpeg);
  for (int i = 0; i < 6; ++i) {
    save_image(make_test_image(geo(40 + i, 30 + 2 * i, 3), 10 + i),
               (in / ("small" + std::to_string(i) + ".png")).string(), ImageType::kPng);
  }
  save_image(make_test_image(geo(33, 21, 1), 3), (in / "sub/grey.png").string(), ImageType::kPng);
  save_image(make_test_image(geo(29, 31, 4), 4), (in / "sub/rgba.png").string(), ImageType::kPng);
  save_image(make_test_image(geo(27, 19, 3, Depth::k16), 5), (in / "sub/deep.png").string(), ImageType::kPng);
  WriteOptions sideways;
  sideways.type = ImageType::kJpeg;
  sideways.metadata.exif = exif_with_orientation(6);
  sideways.keep_orientation = true;
  save_image(make_test_image(geo(48, 32, 3), 6, true), (in / "sub/phone.jpg").string(), sideways);
  std::ofstream(in / "notes.txt") << "not an image\n";
  const std::string whole = slurp(in / "big.jpg");
  std::ofstream(in / "cut.jpg", std::ios::binary) << whole.substr(0, whole.size() * 2 / 3);
}

}  // namespace

TEST_CASE("image: every strategy and -j 1,2,3 write byte-identical files", "[engine]") {
  TempDir dir;
  make_batch(dir.path / "in");
  // The big JPEG spans many bands at -j2 and -j3 (5- and 7-row bands), and
  // resize:20% shrinks it on load and box-averages the PNGs first.
  const std::vector<std::pair<EdgeMode, std::vector<std::string>>> chains = {
      {EdgeMode::kClamp, {"blur:1.5", "resize:50%"}},
      {EdgeMode::kReflect, {"sharpen:1,0.8", "grayscale", "crop:20x10+2+3"}},
      {EdgeMode::kWrap, {"median:1", "rotate:90", "box:2"}},
      {EdgeMode::kReflect, {"sobel", "conv:0,-1,0,-1,5,-1,0,-1,0", "levels:10,240"}},
      {EdgeMode::kClamp, {"resize:20%", "fit:40x40", "sepia", "flop"}},
  };
  for (const auto& [edge, chain] : chains) {
    std::map<std::string, std::string> reference;
    std::string reference_name;
    for (const auto& s : strategies()) {
      for (std::size_t threads : {1, 2, 3}) {
        if (s.id == Strategy::kSeq && threads > 1) continue;
        const std::string name = std::string(s.name) + "-j" + std::to_string(threads);
        const fs::path out = dir.path / ("out-" + name);
        Options o = options_for(out.string(), {(dir.path / "in").string()}, chain);
        o.edge = edge;
        o.strategy = s.id;
        o.threads = threads;
        o.band_rows = threads == 1 ? 0 : threads == 2 ? 5 : 7;  // band edges must not show
        Captured c;
        const Result r = process_images(o, c.diag, {}, nullptr);
        INFO(name << " chain " << chain.front());
        REQUIRE(c.lines.size() == 1);
        CHECK(c.lines[0] == "conc image: " + (dir.path / "in/cut.jpg").string() + ": truncated JPEG data");
        const auto files = tree(out);
        CHECK(files.size() == 11);
        // Every image reported once: eleven written, the cut one failed.
        CHECK(std::count_if(r.images.begin(), r.images.end(),
                            [](const ImageRecord& i) { return i.status == Status::kOk; }) == 11);
        CHECK(std::count_if(r.images.begin(), r.images.end(),
                            [](const ImageRecord& i) { return i.status == Status::kFailed; }) == 1);
        if (s.id == Strategy::kChannels) {  // one lane of stages per worker, each stage counted in every lane
          REQUIRE(r.stats.stages.size() == chain.size() + 2);
          for (const auto& stage : r.stats.stages) CHECK(stage.workers == threads);
        }
        if (reference.empty()) {
          reference = files;
          reference_name = name;
        } else {
          INFO("differs from " << reference_name);
          CHECK(files == reference);
        }
        fs::remove_all(out);
      }
    }
  }
}

TEST_CASE("image: the sideways JPEG is turned upright and the records say what happened", "[engine]") {
  TempDir dir;
  make_batch(dir.path / "in");
  Options o = options_for((dir.path / "out").string(), {(dir.path / "in").string()}, {"blur:1"});
  o.strategy = Strategy::kChannels;
  Captured c;
  const Result r = process_images(o, c.diag, {}, nullptr);
  REQUIRE(r.images.size() == 13);
  std::map<std::string, const ImageRecord*> by_name;
  for (const auto& rec : r.images) by_name[fs::path(rec.input).filename().string()] = &rec;
  CHECK(by_name["notes.txt"]->status == Status::kSkipped);
  CHECK(by_name["phone.jpg"]->status == Status::kOk);
  CHECK(by_name["phone.jpg"]->width == 32);  // stored 48x32, orientation 6: a quarter turn
  CHECK(by_name["phone.jpg"]->height == 48);
  CHECK_FALSE(by_name["phone.jpg"]->streamed);  // the turn needs every row
  CHECK(by_name["big.jpg"]->streamed);
  CHECK(by_name["grey.png"]->streamed);
  const Image upright = load_image((dir.path / "out/sub/phone.jpg").string());
  CHECK(upright.geometry().width == 32);
  CHECK(r.stages.whole_images == 1);
}

TEST_CASE("image: output names follow --type and --suffix, and mirror the tree", "[engine]") {
  TempDir dir;
  make_batch(dir.path / "in");
  Options o = options_for((dir.path / "out").string(), {(dir.path / "in").string()}, {"invert"});
  o.type = ImageType::kWebp;
  o.suffix = "-x";
  Captured c;
  (void)process_images(o, c.diag, {}, nullptr);
  CHECK(c.lines.size() == 1);  // cut.jpg
  CHECK(fs::exists(dir.path / "out/big-x.webp"));
  CHECK(fs::exists(dir.path / "out/sub/deep-x.webp"));
  CHECK_FALSE(fs::exists(dir.path / "out/notes.txt"));
}

TEST_CASE("image: collisions are refused before anything is written", "[engine]") {
  TempDir dir;
  const auto img = make_test_image(geo(8, 8, 3));
  fs::create_directories(dir.path / "a");
  fs::create_directories(dir.path / "b");
  save_image(img, (dir.path / "a/x.png").string(), ImageType::kPng);
  save_image(img, (dir.path / "b/x.png").string(), ImageType::kPng);
  std::ofstream(dir.path / "a/notes.jpg") << "not an image\n";
  Captured c;
  const std::string out = (dir.path / "out").string();
  auto two = options_for(
      out, {(dir.path / "a/notes.jpg").string(), (dir.path / "a/x.png").string(), (dir.path / "b/x.png").string()}, {});
  CHECK_THROWS_WITH(process_images(two, c.diag, {}, nullptr), out + "/x.png: both " + (dir.path / "a/x.png").string() +
                                                                  " and " + (dir.path / "b/x.png").string() +
                                                                  " would be written there");
  CHECK(c.lines.empty());  // the usage error alone: not the text file's line before it
  CHECK_FALSE(fs::exists(out));

  auto onto_input =
      options_for((dir.path / "a").string(), {(dir.path / "a/x.png").string(), (dir.path / "b/x.png").string()}, {});
  CHECK_THROWS_WITH(process_images(onto_input, c.diag, {}, nullptr),
                    Catch::Contains("would replace the input") || Catch::Contains("would be written there"));

  // An output directory inside an input tree: its files could be earlier
  // outputs or the user's images.
  auto inside_input = options_for((dir.path / "a/thumbs").string(), {(dir.path / "a").string()}, {});
  CHECK_THROWS_WITH(process_images(inside_input, c.diag, {}, nullptr),
                    "-o " + (dir.path / "a/thumbs").string() + ": lies inside the input " + (dir.path / "a").string() +
                        ": conc cannot tell earlier outputs there from your images (choose a directory outside the "
                        "inputs)");
  CHECK_FALSE(fs::exists(dir.path / "a/thumbs"));

  // A tree written into itself, or named inside -o, is still the input.
  auto into_itself = options_for((dir.path / "a").string(), {(dir.path / "a").string()}, {});
  CHECK_THROWS_WITH(process_images(into_itself, c.diag, {}, nullptr),
                    (dir.path / "a/x.png").string() + ": would replace the input " + (dir.path / "a/x.png").string() +
                        " (use --in-place to replace inputs)");
  auto named_inside = options_for(dir.path.string(), {(dir.path / "b").string()}, {});
  CHECK(process_images(named_inside, c.diag, {}, nullptr).images.at(0).status == Status::kOk);
  CHECK(fs::exists(dir.path / "x.png"));

  auto single_onto_itself = options_for((dir.path / "a/x.png").string(), {(dir.path / "a/x.png").string()}, {});
  CHECK_THROWS_WITH(process_images(single_onto_itself, c.diag, {}, nullptr),
                    (dir.path / "a/x.png").string() + ": would replace the input " + (dir.path / "a/x.png").string() +
                        " (use --in-place to replace inputs)");

  const std::string file = (dir.path / "file").string();
  std::ofstream(file) << "x";
  auto into_file = options_for(file, {(dir.path / "a").string()}, {});
  CHECK_THROWS_WITH(process_images(into_file, c.diag, {}, nullptr),
                    "-o " + file + ": is not a directory, and the inputs need one");
  CHECK(slurp(file) == "x");
}

TEST_CASE("image: bad images are reported, the others written, nothing partial left", "[engine]") {
  TempDir dir;
  const fs::path in = dir.path / "in";
  fs::create_directories(in);
  save_image(make_test_image(geo(64, 48, 3), 1, true), (in / "good.jpg").string(), ImageType::kJpeg);
  const std::string good = slurp(in / "good.jpg");
  std::ofstream(in / "cut.jpg", std::ios::binary) << good.substr(0, good.size() / 2);
  std::ofstream(in / "empty.png", std::ios::binary) << "";
  std::ofstream(in / "text.jpg", std::ios::binary) << "hello\n";
  std::ofstream(in / "readme", std::ios::binary) << "hello\n";
  save_image(make_test_image(geo(300, 200, 3)), (in / "huge.png").string(), ImageType::kPng);
  fs::create_directories(in / "only-bad/deeper");
  std::ofstream(in / "only-bad/deeper/cut.jpg", std::ios::binary) << good.substr(0, good.size() / 2);
  for (const auto& s : strategies()) {
    Options o = options_for((dir.path / "out").string(), {in.string()}, {"blur:1"});
    o.strategy = s.id;
    o.threads = 2;
    o.read.max_pixels = 50'000;
    Captured c;
    const Result r = process_images(o, c.diag, {}, nullptr);
    INFO(s.name);
    REQUIRE(c.lines.size() == 5);
    std::sort(c.lines.begin(), c.lines.end());
    CHECK(c.lines[0] == "conc image: " + (in / "cut.jpg").string() + ": truncated JPEG data");
    CHECK(c.lines[1] == "conc image: " + (in / "empty.png").string() + ": empty file");
    CHECK(c.lines[2] ==
          "conc image: " + (in / "huge.png").string() + ": declares 300x200 pixels, more than --max-pixels 50000");
    CHECK(c.lines[3] == "conc image: " + (in / "only-bad/deeper/cut.jpg").string() + ": truncated JPEG data");
    CHECK(c.lines[4] == "conc image: " + (in / "text.jpg").string() +
                            ": not an image conc reads (JPEG, PNG, WebP, BMP, TGA, GIF, PSD, PNM, HDR)");
    const auto files = tree(dir.path / "out");
    CHECK(files.size() == 1);
    CHECK(files.count("good.jpg") == 1);
    // Nothing else either: no directory made for images that all failed.
    CHECK(std::distance(fs::recursive_directory_iterator(dir.path / "out"), fs::recursive_directory_iterator()) == 1);
    fs::remove_all(dir.path / "out");
  }
}

TEST_CASE("image: a crop outside one image fails that image only", "[engine]") {
  TempDir dir;
  save_image(make_test_image(geo(10, 10, 3)), (dir.path / "small.png").string(), ImageType::kPng);
  save_image(make_test_image(geo(40, 40, 3)), (dir.path / "big.png").string(), ImageType::kPng);
  Options o = options_for((dir.path / "out").string(),
                          {(dir.path / "small.png").string(), (dir.path / "big.png").string()}, {"crop:20x20+5+5"});
  Captured c;
  const Result r = process_images(o, c.diag, {}, nullptr);
  REQUIRE(c.lines.size() == 1);
  CHECK(c.lines[0] ==
        "conc image: " + (dir.path / "small.png").string() + ": crop 20x20+5+5 reaches outside the 10x10 image");
  CHECK(r.images[1].status == Status::kOk);
  CHECK(r.images[1].width == 20);
}

TEST_CASE("image: a stop request writes nothing more and leaves no temporary", "[engine]") {
  TempDir dir;
  make_batch(dir.path / "in");
  for (const auto& s : strategies()) {
    std::stop_source stop;
    stop.request_stop();
    Options o = options_for((dir.path / "out").string(), {(dir.path / "in").string()}, {"blur:2"});
    o.strategy = s.id;
    Captured c;
    (void)process_images(o, c.diag, stop.get_token(), nullptr);
    CHECK(c.lines.empty());
    CHECK(tree(dir.path / "out").empty());
  }
}

TEST_CASE("image: a stop mid-run leaves only whole images, each as a full run writes it, and no temporary",
          "[engine]") {
  TempDir dir;
  make_batch(dir.path / "in");
  fs::rename(dir.path / "in/cut.jpg", dir.path / "in/more5-cut.jpg");  // met mid-walk
  for (int i = 0; i < 12; ++i) {  // enough images that some are in flight when the stop comes
    save_image(make_test_image(geo(90, 70, 3), 40 + i),
               (dir.path / "in" / ("more" + std::to_string(i) + ".png")).string(), ImageType::kPng);
  }
  const std::vector<std::string> chain = {"blur:2", "resize:80%"};
  Captured full;
  (void)process_images(options_for((dir.path / "ref").string(), {(dir.path / "in").string()}, chain), full.diag, {},
                       nullptr);
  const auto reference = tree(dir.path / "ref");
  REQUIRE(reference.size() == 23);
  for (const auto& s : strategies()) {
    INFO(s.name);
    std::stop_source stop;
    // The truncated JPEG's error line stops the run, from whichever
    // thread found it, while other images are being read and written.
    std::vector<std::string> lines;
    conc::common::Diagnostics diag("image", [&](std::string_view l) {
      lines.emplace_back(l);
      stop.request_stop();
    });
    Options o = options_for((dir.path / "out").string(), {(dir.path / "in").string()}, chain);
    o.strategy = s.id;
    o.threads = 2;
    o.band_rows = 8;
    (void)process_images(o, diag, stop.get_token(), nullptr);
    CHECK(lines.size() == 1);
    for (const auto& [name, bytes] : tree(dir.path / "out")) {
      INFO(name);
      CHECK(name.find(".conc-") == std::string::npos);
      REQUIRE(reference.count(name) == 1);
      CHECK(bytes == reference.at(name));
    }
    fs::remove_all(dir.path / "out");
  }
}

TEST_CASE("image: ICC and EXIF are carried into JPEG and PNG outputs, upright, and --strip drops them", "[engine]") {
  TempDir dir;
  WriteOptions w;
  w.type = ImageType::kJpeg;
  w.metadata.exif = exif_with_orientation(6);
  w.metadata.icc = conc::image::testing::icc_profile(300);
  w.keep_orientation = true;
  const std::string in = (dir.path / "phone.jpg").string();
  save_image(make_test_image(geo(24, 16, 3), 2, true), in, w);
  for (const ImageType type : {ImageType::kJpeg, ImageType::kPng}) {
    for (const bool strip : {false, true}) {
      const std::string out =
          (dir.path / (std::string("out") + (strip ? "-strip" : "") + std::string(extension(type)))).string();
      Options o = options_for(out, {in}, {"invert"});
      o.strip = strip;
      Captured c;
      (void)process_images(o, c.diag, {}, nullptr);
      REQUIRE(c.lines.empty());
      const auto reader = open_reader(out, ReadOptions{});
      const Metadata& m = reader->info().metadata;
      INFO(type_name(type) << (strip ? " stripped" : ""));
      CHECK(reader->info().geometry.width == 16);  // turned upright
      if (strip) {
        CHECK(m.icc.empty());
        CHECK(m.exif.empty());
      } else {
        CHECK(m.icc == w.metadata.icc);
        CHECK_FALSE(m.exif.empty());
        CHECK(m.orientation == 1);  // the pixels are upright now
      }
    }
  }
  // --no-auto-orient keeps the stored pixels, so the tag must stay.
  Options raw = options_for((dir.path / "raw.jpg").string(), {in}, {"invert"});
  raw.auto_orient = false;
  Captured c;
  (void)process_images(raw, c.diag, {}, nullptr);
  const auto reader = open_reader((dir.path / "raw.jpg").string(), ReadOptions{});
  CHECK(reader->info().geometry.width == 24);
  CHECK(reader->info().metadata.orientation == 6);
}

TEST_CASE("image: a resize past --max-pixels fails that image before anything is sized for it", "[engine]") {
  TempDir dir;
  save_image(make_test_image(geo(10, 10, 3)), (dir.path / "small.png").string(), ImageType::kPng);
  Options o =
      options_for((dir.path / "out.png").string(), {(dir.path / "small.png").string()}, {"resize:1000000x1000000"});
  Captured c;
  const Result r = process_images(o, c.diag, {}, nullptr);
  REQUIRE(c.lines.size() == 1);
  CHECK(c.lines[0] == "conc image: " + (dir.path / "small.png").string() +
                          ": filter 'resize:1000000x1000000' would make 1000000x1000000 pixels, more than "
                          "--max-pixels 268435456");
  CHECK(r.images[0].status == Status::kFailed);
  CHECK_FALSE(fs::exists(dir.path / "out.png"));
}

TEST_CASE("image: damage the JPEG decoder tolerates is written, with one warning line", "[engine]") {
  TempDir dir;
  const std::string good = (dir.path / "good.jpg").string();
  save_image(make_test_image(geo(48, 32, 3), 1, true), good, ImageType::kJpeg);
  std::string bytes = slurp(good);
  // The scan cut short by an end-of-image marker: libjpeg fills the rest and
  // warns "premature end of data segment", as viewers show such files.
  bytes = bytes.substr(0, bytes.find("\xff\xda") + 40) + "\xff\xd9";
  const std::string damaged = dir.write("damaged.jpg", bytes);
  for (const auto& s : strategies()) {
    Options o = options_for((dir.path / "out.png").string(), {damaged}, {"invert"});
    o.strategy = s.id;
    Captured c;
    const Result r = process_images(o, c.diag, {}, nullptr);
    INFO(s.name);
    REQUIRE(c.lines.size() == 1);
    CHECK_THAT(c.lines[0], Catch::StartsWith("conc image: " + damaged + ": Corrupt JPEG data: "));
    CHECK(c.diag.errors() == 0);
    CHECK(r.images[0].status == Status::kOk);
  }
}
