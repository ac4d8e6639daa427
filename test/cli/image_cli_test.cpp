// conc image end to end: flags, usage errors, reports, exit codes, signals,
// and the streaming strategy's memory.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "process.h"
#include "temp_dir.h"

using conc::test::run_process;
using conc::test::slurp;
using conc::test::TempDir;
namespace fs = std::filesystem;

namespace {

const std::string kConc = CONC_BINARY;

// A binary PPM (P6) of `w` x `h` smooth RGB: stb reads it, and conc's
// JPEG/PNG writers turn it into the other test inputs.
std::string ppm(std::uint32_t w, std::uint32_t h) {
  std::string out = "P6\n" + std::to_string(w) + " " + std::to_string(h) + "\n255\n";
  out.reserve(out.size() + std::size_t{w} * h * 3);
  for (std::uint32_t y = 0; y < h; ++y) {
    for (std::uint32_t x = 0; x < w; ++x) {
      out.push_back(static_cast<char>((x * 255) / (w == 1 ? 1 : w - 1)));
      out.push_back(static_cast<char>((y * 255) / (h == 1 ? 1 : h - 1)));
      out.push_back(static_cast<char>(((x + y) * 7) & 0xff));
    }
  }
  return out;
}

// Converts `src` to `dst` with conc itself (type from dst's extension).
void convert(const std::string& src, const std::string& dst) {
  const auto r = run_process({kConc, "image", "-q", "-o", dst, src});
  REQUIRE(r.exit_code == 0);
}

std::size_t files_under(const fs::path& dir) {
  std::size_t n = 0;
  if (!fs::exists(dir)) return 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) n += e.is_regular_file() ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("image --filter help and --strategy help list the choices") {
  const auto f = run_process({kConc, "image", "--filter", "help"});
  CHECK(f.exit_code == 0);
  for (const char* name : {"\n  blur:SIGMA", "\n  resize:", "\n  median:RADIUS", "\n  crop:WxH+X+Y", "\n  grayscale"}) {
    CHECK(f.out.find(name) != std::string::npos);
  }
  const auto s = run_process({kConc, "image", "--strategy", "help"});
  CHECK(s.exit_code == 0);
  CHECK(s.out.rfind("channels  decode -> each filter -> encode", 0) == 0);
  for (const char* name : {"\nseq  ", "\nimages  ", "\npool  ", "\nsteal  "})
    CHECK(s.out.find(name) != std::string::npos);
}

TEST_CASE("image usage errors exit 2 and leave the -o file alone") {
  TempDir dir;
  const std::string in = dir.write("in.ppm", ppm(8, 8));
  const std::string out = dir.write("out.png", "precious");
  auto usage = [&](std::vector<std::string> args, const std::string& err) {
    std::vector<std::string> argv = {kConc, "image"};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = run_process(argv);
    INFO(args.front());
    CHECK(r.exit_code == 2);
    CHECK(r.err == err);
    CHECK(r.out.empty());
    CHECK(slurp(out) == "precious");
  };
  usage({"-f", "nosuch", "-o", out, in}, "conc image: unknown filter 'nosuch' (see 'conc image --filter help')\n");
  usage({"-f", "blur:-1", "-o", out, in},
        "conc image: filter 'blur:-1': SIGMA must be a number from 0.1 to 1000, not '-1' (see 'conc image --filter "
        "help')\n");
  usage({"-f", "resize:0x0", "-o", out, in},
        "conc image: filter 'resize:0x0': W must be a whole number from 1 to 1000000, not '0' (see 'conc image "
        "--filter help')\n");
  usage({in},
        "conc image: -o OUT is required (a file for a single input, else a directory), or --in-place (see 'conc image "
        "--help')\n");
  usage({"--in-place", "-o", out, in},
        "conc image: --in-place and -o cannot be used together (see 'conc image --help')\n");
  usage({"--in-place", "--type", "png", in},
        "conc image: --in-place keeps each file's type: --type cannot be used with it (see 'conc image --help')\n");
  usage({"--quality", "0", "-o", out, in},
        "conc image: --quality: expected a whole number from 1 to 100, got '0' (see 'conc image --help')\n");
  usage({"--max-pixels", "-5", "-o", out, in},
        "conc image: --max-pixels: expected a whole number from 1 to 1099511627776, got '-5' (see 'conc image "
        "--help')\n");
  usage({"--type", "jpg", "-o", out, in},
        "conc image: -o " + out + ": the name says png, --type says jpg (see 'conc image --help')\n");
  const std::string tif = dir.path.string() + "/x.TIF";
  usage({"-o", tif, in}, "conc image: -o " + tif +
                             ": conc cannot write TIF (it writes jpg, png, webp, bmp and tga) (see 'conc image "
                             "--help')\n");
  CHECK_FALSE(fs::exists(tif));
  usage({"-o", tif, in, out}, "conc image: -o " + tif +
                                  ": several inputs need a directory (end it with / to make one) (see 'conc image "
                                  "--help')\n");
  CHECK_FALSE(fs::exists(tif));
  usage({"-o", dir.path.string() + "/o", in, in}, "conc image: " + dir.path.string() + "/o/in.png: both " + in +
                                                      " and " + in +
                                                      " would be written there (see 'conc image --help')\n");
}

TEST_CASE("image: one file to -o FILE, type from its extension, report on stdout") {
  TempDir dir;
  const std::string in = dir.write("in.ppm", ppm(64, 48));
  const std::string out = (dir.path / "out.png").string();
  const auto r = run_process({kConc, "image", "-f", "invert", "-f", "resize:50%", "-o", out, in});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Matches(in + " -> " + out + " 32x24 [0-9]+ ms\n"));
  CHECK(r.err == "conc image: 1 image written, 0 failed, 0 skipped (not images)\n");
  CHECK(slurp(out).substr(1, 3) == "PNG");
  const auto json = run_process({kConc, "image", "--format", "json", "-q", "-o", out, in});
  CHECK(json.exit_code == 0);
  CHECK_THAT(json.out, Catch::StartsWith("{\"images\":[{\"input\":\"" + in + "\",\"output\":\"" + out +
                                         "\",\"width\":64,\"height\":48,\"milliseconds\":"));
  CHECK_THAT(json.out,
             Catch::EndsWith("\"streamed\":false,\"status\":\"ok\"}],\"written\":1,\"failed\":0,\"skipped\":0}\n"));
  CHECK(json.err.empty());
}

TEST_CASE("image: a bad image is one line and exit 1, the others are written") {
  TempDir dir;
  const std::string good = dir.write("in/good.ppm", ppm(16, 16));
  (void)dir.write("in/bad.png", "not a png at all");
  (void)dir.write("in/notes.txt", "hello");
  const std::string out = (dir.path / "out").string();
  const auto r = run_process({kConc, "image", "-f", "blur:1", "-o", out, (dir.path / "in").string()});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "conc image: " + (dir.path / "in/bad.png").string() +
                     ": not an image conc reads (JPEG, PNG, WebP, BMP, TGA, GIF, PSD, PNM, HDR)\n"
                     "conc image: 1 image written, 1 failed, 1 skipped (not images)\n");
  CHECK(fs::exists(dir.path / "out/good.png"));  // PPM is not written: PNG instead
  CHECK(files_under(dir.path / "out") == 1);
  const auto verbose =
      run_process({kConc, "image", "-v", "--log-level", "warn", "-o", out, (dir.path / "in").string()});
  CHECK(verbose.out.find((dir.path / "in/notes.txt").string() + ": skipped: not an image") != std::string::npos);

  // An entry the walk cannot read (a dangling link under -L) is a failure
  // counted with the others, though it has no image to be a record.
  fs::create_symlink("nowhere.png", dir.path / "in/dangling.png");
  const auto walked = run_process({kConc, "image", "-L", "-f", "invert", "--format", "json", "-o",
                                   (dir.path / "out-l").string(), (dir.path / "in").string()});
  CHECK(walked.exit_code == 1);
  CHECK(walked.err.find("conc image: " + (dir.path / "in/dangling.png").string() + ": No such file or directory\n") !=
        std::string::npos);
  CHECK(walked.err.find("conc image: 1 image written, 2 failed, 1 skipped (not images)\n") != std::string::npos);
  CHECK(walked.out.find(R"("written":1,"failed":2,"skipped":1})") != std::string::npos);
  fs::remove(dir.path / "in/dangling.png");

  // A named file that is missing reads as in every other command.
  const std::string missing = (dir.path / "missing.jpg").string();
  const auto gone = run_process({kConc, "image", "-f", "invert", "-o", out, missing, good});
  CHECK(gone.exit_code == 1);
  CHECK(gone.err == "conc image: " + missing +
                        ": No such file or directory\n"
                        "conc image: 1 image written, 1 failed, 0 skipped (not images)\n");
}

TEST_CASE("image --in-place replaces inputs, and keeps one whose filter fails") {
  TempDir dir;
  const std::string small = (dir.path / "small.png").string();
  const std::string big = (dir.path / "big.png").string();
  const std::string ppm_small = dir.write("s.ppm", ppm(10, 10));
  const std::string ppm_big = dir.write("b.ppm", ppm(40, 30));
  convert(ppm_small, small);
  convert(ppm_big, big);
  const std::string before = slurp(small);
  const auto r = run_process({kConc, "image", "--in-place", "-q", "-f", "crop:20x20+1+1", small, big});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "conc image: " + small + ": crop 20x20+1+1 reaches outside the 10x10 image\n");
  CHECK(slurp(small) == before);
  const auto after = run_process({kConc, "image", "-q", "--format", "json", "-o", (dir.path / "x.png").string(), big});
  CHECK(after.out.find("\"width\":20,\"height\":20") != std::string::npos);
  for (const auto& e : fs::directory_iterator(dir.path)) CHECK(e.path().filename().string().rfind(".conc-", 0) != 0);
}

TEST_CASE("image: SIGINT stops the run, exit 130, no temporary left") {
  TempDir dir;
  // A JPEG: the channels strategy streams it, so the stop ends a stream.
  const std::string ppm_file = dir.write("big.ppm", ppm(3000, 2000));
  fs::create_directories(dir.path / "in");
  convert(ppm_file, (dir.path / "in/big.jpg").string());
  fs::remove(ppm_file);
  const std::string out = (dir.path / "out").string();
  for (const char* strategy : {"channels", "seq"}) {
    const auto r = run_process({"/bin/bash", "-c",
                                "'" + kConc + "' image -s " + strategy + " -j 2 -f median:12 -f blur:20 -o '" + out +
                                    "' '" + (dir.path / "in").string() +
                                    "' & pid=$!; "
                                    "for i in $(seq 200); do m=$(awk '/SigCgt/{print $2}' /proc/$pid/status); "
                                    "(( 0x$m & 0x2 )) && break; sleep 0.05; done; sleep 0.3; "
                                    "kill -INT $pid; wait $pid; echo $?"});
    INFO(strategy);
    CHECK(r.out == "130\n");
    CHECK(r.err == "conc image: interrupted\n");
    CHECK(files_under(dir.path / "out") == 0);
  }
}

#if !defined(__SANITIZE_THREAD__) && !defined(__SANITIZE_ADDRESS__) && defined(NDEBUG)
// A memory check, not a timing: the decoded 8000x6000 image alone is 144 MB;
// streamed in strips, the whole run stays far below it. ru_maxrss is a
// process-wide high-water mark, so the run gets a process of its own.
TEST_CASE("image: the channels strategy streams a big JPEG blur in bounded memory") {
  TempDir dir;
  const std::string big_ppm = dir.write("big.ppm", ppm(8000, 6000));
  const std::string big = (dir.path / "big.jpg").string();
  convert(big_ppm, big);
  fs::remove(big_ppm);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const std::string out = (dir.path / "out.jpg").string();
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::execl(kConc.c_str(), kConc.c_str(), "image", "-q", "-s", "channels", "-j", "2", "-f", "blur:3", "-o", out.c_str(),
            big.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  rusage ru{};
  REQUIRE(::wait4(pid, &status, 0, &ru) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  const long peak_mb = ru.ru_maxrss / 1024;  // KiB on Linux
  INFO("peak RSS " << peak_mb << " MB");
  CHECK(peak_mb < 100);
}
#endif
