// The features of earshot's content classifier (speech / music / noise), content-features-v1:
// summary statistics of a 64-band log-mel spectrogram and of a few frame measures over one
// window of mono 16 kHz audio. The model in models/content was trained on exactly these values,
// computed by this code (tools/train runs it through earshot-content-features), so training and
// inference cannot drift apart; any change to a definition is a new version and a new model.
//
//   const auto& extractor = dsp::ContentFeatures::instance();
//   std::vector<float> features(dsp::ContentFeatures::kSize);
//   extractor.compute(window, features);   // window: kWindowSamples samples at 16 kHz
//
// Contract of v1 (values in order):
//   frames: the spectrogram of content-log-mel-v1 (content_log_mel.hpp): 101 frames of 64
//     mel bands per 1 s window; L[t][b] = 10 log10(mel + 1e-8) (dB, floor -80).
//   [0, 64)    band shape: mean over frames of L[.][b], minus the mean of L over all bands and
//              frames (so a gain change leaves it unchanged)
//   [64, 128)  band dynamics: standard deviation over frames of L[.][b]
//   [128, 192) band change: mean over frames of |L[t][b] - L[t-1][b]|
//   192, 193   frame level E[t] = 10 log10(sum_b mel + 1e-8) relative to its mean: std, and the
//              fraction of frames more than 10 dB below the mean (pauses)
//   194, 195   spectral flux sqrt(mean_b (L[t][b] - L[t-1][b])^2): mean, std
//   196, 197   flatness (geometric over arithmetic mean of mel power, in dB): mean, std
//   198, 199   centroid of mel power over band index / 63: mean, std
//   200, 201   zero-crossing rate per 400-sample frame (hop 160): mean, std
//   202        syllabic modulation: share of the energy envelope's spectrum (E[t], mean removed)
//              in 3-8 Hz among 1-20 Hz
// The level of the window itself is deliberately absent: loudness says nothing about the class,
// and silence is decided by level before the model is asked.
//
// Thread-safety: immutable; compute() may run on many threads at once.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "dsp/content/content_log_mel.hpp"

namespace earshot::dsp {

class ContentFeatures {
 public:
  static constexpr std::string_view kName = "content-features-v1";
  static constexpr int kSampleRate = ContentLogMel::kSampleRate;
  static constexpr std::size_t kWindowSamples = ContentLogMel::kWindowSamples;  // 1 s
  static constexpr std::size_t kBands = ContentLogMel::kBands;
  static constexpr std::size_t kSize = 3 * kBands + 11;

  static const ContentFeatures& instance();

  // `window` may be shorter than kWindowSamples (the end of a file): it is zero-padded. `out`
  // must hold kSize values. NaN or infinite samples are treated as 0.
  void compute(std::span<const float> window, std::span<float> out) const;
};

}  // namespace earshot::dsp
