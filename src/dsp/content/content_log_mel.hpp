// The spectrogram of earshot's content classifier, content-log-mel-v1: the 64-band log-mel
// levels of one 1 s window of mono 16 kHz audio, which the shipped content CNN reads
// (analysis/content_cnn.hpp) and content-features-v1 summarises (content_features.hpp).
//
//   const auto& log_mel = dsp::ContentLogMel::instance();
//   std::vector<float> levels(dsp::ContentLogMel::kLevels);
//   log_mel.compute(window, levels);          // levels[t * 64 + b] = L[t][b]
//   ContentLogMel::band_shape(levels, shape);  // 64 values, as content-features-v1's first block
//
// Contract of v1: STFT n_fft 512 (32 ms), periodic Hann, hop 160 (10 ms), centred with zero
// padding: 101 frames per 1 s window. Mel: 64 Slaney bands 0..8000 Hz, Slaney norm, power 2.
// L[t][b] = 10 log10(mel + 1e-8) in dB (so at least -80). A window shorter than 1 s (the end of
// a file) is zero-padded; NaN or infinite samples are treated as 0. tools/train computes the
// same levels with NumPy and checks them against earshot's before it trains.
//
// Thread-safety: immutable; compute() may run on many threads at once.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "dsp/spectral/matrix.hpp"
#include "dsp/spectral/mel_spectrogram.hpp"

namespace earshot::dsp {

class ContentLogMel {
 public:
  static constexpr std::string_view kName = "content-log-mel-v1";
  static constexpr int kSampleRate = 16000;
  static constexpr std::size_t kWindowSamples = 16000;  // 1 s
  static constexpr int kFftSize = 512;                  // 32 ms
  static constexpr int kHop = 160;                      // 10 ms
  static constexpr std::size_t kFrames = 101;
  static constexpr std::size_t kBands = 64;
  static constexpr std::size_t kLevels = kFrames * kBands;
  static constexpr float kFloor = 1e-8f;  // added to the mel power before the logarithm

  // The one configured instance (the mel filterbank and FFT plan are built once).
  static const ContentLogMel& instance();

  // The window as the spectrogram reads it: kWindowSamples samples, zero-padded, non-finite
  // samples replaced by 0.
  static std::vector<float> padded_window(std::span<const float> window);
  // The mel power (kFrames x kBands) of a padded_window().
  Matrix mel_power(std::span<const float> padded) const;
  // L[t][b] of `window` into `levels` (kLevels values, time-major).
  void compute(std::span<const float> window, std::span<float> levels) const;
  // The mean over frames of each band's level minus the mean over all levels (kBands values):
  // the spectrum's shape with the window's gain taken out.
  static void band_shape(std::span<const float> levels, std::span<float> shape);

 private:
  explicit ContentLogMel(MelSpectrogram mel);
  MelSpectrogram mel_;
};

}  // namespace earshot::dsp
