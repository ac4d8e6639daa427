// neighbourhood_filters.cpp: the neighbourhood family's rows of the filter
// table (blur, box, sharpen, sobel, median, conv): their arguments, ranges
// and help. The filters themselves live in gaussian.cpp, box.cpp,
// sobel.cpp, median.cpp and convolution.cpp.
#include <array>
#include <cmath>
#include <functional>

#include "filter_args.h"
#include "filter_registry.h"
#include "image/image_error.h"
#include "neighbourhood.h"

namespace conc::image {
namespace {

using Maker = std::function<std::unique_ptr<Filter>(const Geometry&, EdgeMode)>;

/// A parsed spec: its arguments live in the captured maker.
class NeighbourhoodSpec final : public SpecBase {
 public:
  NeighbourhoodSpec(const std::string& text, Maker make) : SpecBase(text), make_(std::move(make)) {}
  [[nodiscard]] std::unique_ptr<Filter> bind(const Geometry& input, const BindContext& context) const override {
    if (input.width == 0 || input.height == 0) throw ImageError("filter '" + text() + "': the image is empty");
    return make_(input, context.edge);
  }

 private:
  Maker make_;
};

std::unique_ptr<FilterSpec> spec(const std::string& text, Maker make) {
  return std::make_unique<NeighbourhoodSpec>(text, std::move(make));
}

constexpr double kMinSigma = 0.1;
constexpr double kMaxSigma = 1000;

std::unique_ptr<FilterSpec> parse_blur(const std::string& text, std::string_view args) {
  const auto a = expect_args(text, args, 1, 1, "blur:SIGMA");
  const double sigma = parse_number(text, a[0], "SIGMA", kMinSigma, kMaxSigma);
  return spec(text, [sigma](const Geometry& g, EdgeMode e) { return make_gaussian(g, e, sigma, false, 0.0); });
}

std::unique_ptr<FilterSpec> parse_sharpen(const std::string& text, std::string_view args) {
  const auto a = expect_args(text, args, 1, 2, "sharpen:SIGMA[,AMOUNT]");
  const double sigma = parse_number(text, a[0], "SIGMA", kMinSigma, kMaxSigma);
  const double amount = a.size() > 1 ? parse_number(text, a[1], "AMOUNT", 0, 10) : 1.0;
  return spec(text,
              [sigma, amount](const Geometry& g, EdgeMode e) { return make_gaussian(g, e, sigma, true, amount); });
}

std::unique_ptr<FilterSpec> parse_box(const std::string& text, std::string_view args) {
  const auto a = expect_args(text, args, 1, 1, "box:RADIUS");
  const auto radius = static_cast<std::uint32_t>(parse_whole(text, a[0], "RADIUS", 1, 10000));
  return spec(text, [radius](const Geometry& g, EdgeMode e) { return make_box(g, e, radius); });
}

std::unique_ptr<FilterSpec> parse_median(const std::string& text, std::string_view args) {
  const auto a = expect_args(text, args, 1, 1, "median:RADIUS");
  const auto radius = static_cast<std::uint32_t>(parse_whole(text, a[0], "RADIUS", 1, 1000));
  return spec(text, [radius](const Geometry& g, EdgeMode e) { return make_median(g, e, radius); });
}

std::unique_ptr<FilterSpec> parse_sobel(const std::string& text, std::string_view args) {
  expect_args(text, args, 0, 0, "sobel");
  return spec(text, [](const Geometry& g, EdgeMode e) { return make_sobel(g, e); });
}

std::unique_ptr<FilterSpec> parse_conv(const std::string& text, std::string_view args) {
  constexpr std::size_t kMaxSide = 31;
  const auto a = expect_args(text, args, 1, kMaxSide * kMaxSide, "conv:k1,k2,... (n*n weights, n odd from 1 to 31)");
  const auto n = static_cast<std::size_t>(std::lround(std::sqrt(static_cast<double>(a.size()))));
  if (n * n != a.size() || n % 2 == 0) {
    bad_filter(text, "needs n*n weights for an odd n from 1 to 31, not " + std::to_string(a.size()));
  }
  std::vector<double> weights;
  double sum = 0;
  for (const std::string_view field : a) {
    weights.push_back(parse_number(text, field, "a weight", -1e6, 1e6));
    sum += weights.back();
  }
  // A kernel summing to 0 (edges, embossing) is used as written.
  std::vector<float> kernel;
  for (const double w : weights) kernel.push_back(static_cast<float>(sum != 0 ? w / sum : w));
  return spec(text, [n, kernel](const Geometry& g, EdgeMode e) {
    return make_convolution(g, e, static_cast<std::uint32_t>(n), kernel);
  });
}

constexpr std::array kEntries = {
    FilterEntry{"blur", "SIGMA",
                "Gaussian blur, radius ceil(3*SIGMA), on premultiplied colour (alpha blurred too); SIGMA 0.1 to 1000",
                parse_blur},
    FilterEntry{"box", "RADIUS", "mean of the (2*RADIUS+1)^2 window, every channel; RADIUS 1 to 10000 (whole)",
                parse_box},
    FilterEntry{"sharpen", "SIGMA[,AMOUNT]",
                "unsharp mask v + AMOUNT*(v - blur:SIGMA) on premultiplied colour; SIGMA 0.1 to 1000, AMOUNT 0 to 10 "
                "(default 1)",
                parse_sharpen},
    FilterEntry{"sobel", "", "gradient magnitude of the 3x3 Sobel kernels on each colour channel; alpha kept",
                parse_sobel},
    FilterEntry{"median", "RADIUS", "median of the (2*RADIUS+1)^2 window, each channel; RADIUS 1 to 1000 (whole)",
                parse_median},
    FilterEntry{"conv", "k1,k2,...",
                "n x n kernel row by row, n odd from 1 to 31, divided by its sum unless that is 0; colour only, alpha "
                "kept",
                parse_conv},
};

}  // namespace

std::span<const FilterEntry> neighbourhood_filter_entries() { return kEntries; }

}  // namespace conc::image
