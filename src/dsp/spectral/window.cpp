#include "dsp/spectral/window.hpp"

#include <cmath>
#include <numbers>

namespace earshot::dsp {

std::vector<float> make_window(WindowType type, int length, WindowSymmetry symmetry) {
  std::vector<float> window(static_cast<std::size_t>(std::max(length, 0)), 1.0f);
  if (length <= 1 || type == WindowType::rectangular) return window;
  // A periodic window of N points is a symmetric one of N + 1 points without its last point.
  const double denominator = symmetry == WindowSymmetry::periodic ? length : length - 1;
  for (int n = 0; n < length; ++n) {
    const double x = 2.0 * std::numbers::pi * n / denominator;
    double value = 1.0;
    switch (type) {
      case WindowType::hann:
        value = 0.5 - 0.5 * std::cos(x);
        break;
      case WindowType::hamming:
        value = 0.54 - 0.46 * std::cos(x);
        break;
      case WindowType::povey:
        value = std::pow(0.5 - 0.5 * std::cos(x), 0.85);
        break;
      case WindowType::blackman:
        value = 0.42 - 0.5 * std::cos(x) + 0.08 * std::cos(2.0 * x);
        break;
      case WindowType::rectangular:
        break;
    }
    window[static_cast<std::size_t>(n)] = static_cast<float>(value);
  }
  return window;
}

std::optional<WindowType> parse_window_type(std::string_view name) {
  if (name == "hann" || name == "hanning") return WindowType::hann;
  if (name == "hamming") return WindowType::hamming;
  if (name == "povey") return WindowType::povey;
  if (name == "blackman") return WindowType::blackman;
  if (name == "rectangular" || name == "boxcar" || name == "ones") return WindowType::rectangular;
  return std::nullopt;
}

}  // namespace earshot::dsp
