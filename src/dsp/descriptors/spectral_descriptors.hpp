// Frame-wise spectral shape descriptors with librosa's definitions (librosa.feature.
// spectral_centroid, spectral_bandwidth, spectral_rolloff, spectral_flatness), computed from a
// magnitude spectrogram whose bin k lies at k * sample_rate / n_fft Hz.
//
//   auto descriptors = dsp::SpectralDescriptors::create({.sample_rate = 22050, .n_fft = 2048});
//   if (!descriptors) return descriptors.error();
//   dsp::SpectralFrameFeatures features;
//   auto status = descriptors->compute(magnitude, features);  // rows of magnitude are frames
//
// Definitions, per frame of magnitudes S[k] >= 0 at frequencies f[k]:
//   centroid  = sum f[k] S[k] / sum S[k]                                   (Hz)
//   bandwidth = (sum S[k] / sum S[j] * |f[k] - centroid|^p)^(1/p)           (Hz, p = 2)
//   rolloff   = smallest f[k] whose cumulative sum S[0..k] reaches roll_percent of the total
//   flatness  = geometric mean / arithmetic mean of max(amin, S[k]^power)    (0..1)
// A silent frame (all zeros) has centroid, bandwidth and rolloff 0 and flatness 1, as librosa
// gives: nothing is ever NaN or infinite for finite non-negative input.
//
// An instance is immutable once created (frequencies precomputed) and safe to share between
// threads; compute() allocates only the output vectors, never per frame.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "core/result.hpp"
#include "dsp/spectral/matrix.hpp"

namespace earshot::dsp {

struct SpectralDescriptorOptions {
  int sample_rate = 22050;       // Hz, > 0
  int n_fft = 2048;              // > 0; the spectrogram has n_fft / 2 + 1 columns
  double roll_percent = 0.85;    // (0, 1): share of the total magnitude below the roll-off
  double bandwidth_p = 2.0;      // > 0: order of the bandwidth's deviation norm
  double flatness_amin = 1e-10;  // > 0: floor on S^power before the logarithm
  double flatness_power = 2.0;   // > 0: flatness of S^power (2 = power spectrum)
};

// One value per frame for each descriptor; all four vectors have one entry per row.
struct SpectralFrameFeatures {
  std::vector<float> centroid;   // Hz
  std::vector<float> bandwidth;  // Hz
  std::vector<float> rolloff;    // Hz
  std::vector<float> flatness;   // dimensionless, [0, 1]
};

// The four descriptors of one frame.
struct SpectralFrame {
  double centroid = 0.0;
  double bandwidth = 0.0;
  double rolloff = 0.0;
  double flatness = 1.0;
};

class SpectralDescriptors {
 public:
  // Errors: invalid_input for a rate, FFT size or option out of range.
  static core::Result<SpectralDescriptors> create(SpectralDescriptorOptions options = {});

  const SpectralDescriptorOptions& options() const { return options_; }
  std::size_t bins() const { return frequencies_.size(); }

  // `magnitude` holds frames as rows and bins() columns of non-negative magnitudes.
  // Errors: invalid_input when the column count is not n_fft / 2 + 1.
  core::Status compute(const Matrix& magnitude, SpectralFrameFeatures& out) const;

  // The descriptors of one frame; `magnitude.size()` must equal bins().
  SpectralFrame compute_frame(std::span<const float> magnitude) const;

 private:
  explicit SpectralDescriptors(SpectralDescriptorOptions options);

  SpectralDescriptorOptions options_;
  std::vector<double> frequencies_;  // Hz of each bin: k * sample_rate / n_fft
};

}  // namespace earshot::dsp
