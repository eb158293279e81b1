// Analysis windows, as librosa/scipy (periodic or symmetric) and Kaldi define them.
//
//   auto w = dsp::make_window(dsp::WindowType::hann, 2048, dsp::WindowSymmetry::periodic);
//
// Periodic windows (librosa's default, torch.hann_window's default) are the first `length`
// points of a symmetric window of length + 1: the right choice for spectral analysis with
// overlapping frames. Symmetric windows (Kaldi's) reach zero at both ends.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace earshot::dsp {

enum class WindowType {
  rectangular,
  hann,
  hamming,   // 0.54 - 0.46 cos
  povey,     // Kaldi's: hann ** 0.85
  blackman,  // 0.42 - 0.5 cos + 0.08 cos(2x), Kaldi's blackman_coeff
};

enum class WindowSymmetry { periodic, symmetric };

// `length` >= 1. A window of length 1 is {1}.
std::vector<float> make_window(WindowType type, int length, WindowSymmetry symmetry);

// "hann", "hanning" (Kaldi's name), "hamming", "povey", "blackman", "rectangular"; nothing for
// an unknown name.
std::optional<WindowType> parse_window_type(std::string_view name);

}  // namespace earshot::dsp
