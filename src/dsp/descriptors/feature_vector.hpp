// The named feature vector earshot-features-v1: summary statistics over a whole mono signal of
// the frame features (MFCC, spectral shape, zero-crossing rate, RMS, YIN pitch), plus level,
// silence and modulation measures, in a fixed order with stable names. Tree models consume it
// by name, so the names, their order and their definitions (docs/features.md) are a contract:
// a change to any of them is a new version (earshot-features-v2), never an edit of v1.
//
//   auto extractor = dsp::FeatureExtractor::create();          // once; immutable, shareable
//   auto values = extractor->compute(pcm, 22050);              // Result<std::vector<float>>
//   auto at16k = dsp::FeatureExtractor::create(16000);         // the registry's SAMPLE_RATE
//   std::span<const std::string> names = dsp::feature_names(); // same length and order
//
// Contract of v1:
//   * input: mono float PCM in [-1, 1] at the extractor's rate: kFeatureSampleRate (22050 Hz,
//     what `earshot features --type vector` uses) unless created with another (8-48 kHz; the
//     model registry computes at SAMPLE_RATE, 16 kHz by default, and a model must be served at
//     the rate it was trained at). Everything below is in samples or Hz, so only the mel range
//     (0..rate/2) and the frame duration change with the rate. Resampling and downmixing are the
//     caller's job (audio::MonoResampler); a signal at another rate is refused.
//   * frames: 2048 samples (92.9 ms at 22050 Hz), hop 512 (23.2 ms, 43.07 frames/s), centred (frame
//   t on
//     sample 512 t), every frame feature on the same grid: 1 + samples / 512 frames.
//     STFT: periodic Hann, zero padding. MFCC: 128 Slaney mel bands 0..rate/2 Hz (Slaney
//     norm), power_to_db(ref 1, amin 1e-10, top_db 80), orthonormal DCT-II, coefficients 0..12.
//     ZCR: edge padding; RMS: zero padding; YIN: librosa 0.11, fmin 65.4 Hz (C2), fmax 2093 Hz
//     (C7), trough threshold 0.1, zero padding.
//   * every value is finite for every accepted input, silence included (docs/features.md gives
//     each feature's value on silence).
//
// Errors (invalid_input): another sample rate, an empty signal, a NaN or infinite sample.
// Thread-safety: a FeatureExtractor is immutable; compute() may run on many threads at once.
// Memory per call: about 0.6 KB per frame (mel bands and frame features), plus fixed buffers.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "dsp/descriptors/spectral_descriptors.hpp"
#include "dsp/descriptors/temporal_descriptors.hpp"
#include "dsp/descriptors/yin.hpp"
#include "dsp/spectral/mfcc.hpp"

namespace earshot::dsp {

inline constexpr std::string_view kFeatureSetName = "earshot-features-v1";
inline constexpr int kFeatureSampleRate = 22050;
inline constexpr int kMinFeatureSampleRate = 8000;
inline constexpr int kMaxFeatureSampleRate = 48000;

// The names of earshot-features-v1, in order (built once; valid for the program's life).
std::span<const std::string> feature_names();

class FeatureExtractor {
 public:
  // Configures every frame feature of the contract at `sample_rate`. Errors: invalid_input for
  // a rate outside kMinFeatureSampleRate..kMaxFeatureSampleRate.
  static core::Result<FeatureExtractor> create(int sample_rate = kFeatureSampleRate);

  int sample_rate() const { return sample_rate_; }

  // One value per name of feature_names(), in that order.
  core::Result<std::vector<float>> compute(std::span<const float> signal, int sample_rate) const;

 private:
  FeatureExtractor(int sample_rate, Mfcc mfcc, SpectralDescriptors spectral, ZeroCrossingRate zcr,
                   FrameRms rms, Yin yin);
  // Spectral shape and mel power of every frame, from one power STFT.
  void compute_spectral_frames(std::span<const float> signal, SpectralFrameFeatures& shape,
                               Matrix& mel) const;

  int sample_rate_;
  Mfcc mfcc_;
  SpectralDescriptors spectral_;
  ZeroCrossingRate zcr_;
  FrameRms rms_;
  Yin yin_;
};

}  // namespace earshot::dsp
