// Kaldi's triangular mel filterbank, built as torchaudio.compliance.kaldi.get_mel_banks builds
// it (no VTLN warping), stored sparsely: each filter keeps only its non-zero run of FFT bins.
//
//   auto banks = dsp::KaldiMelBanks::create({.num_bins = 128, .padded_window_size = 512});
//   banks->apply(power.values.data(), frames, power.cols, mel.values.data(), mel.cols);
//
// Kaldi's mel scale is 1127 ln(1 + f / 700). Filter b rises linearly in mel from
// low + b * delta to its peak at low + (b + 1) * delta and falls to zero at
// low + (b + 2) * delta, delta = (mel(high_freq) - mel(low_freq)) / (num_bins + 1); no
// normalisation. The weights are computed in double and rounded once, as torchaudio's are when it
// runs in float64 (its float32 run is further off; see the .cpp). The Nyquist bin always has
// weight zero.
//
// Immutable once created; share it between threads freely.
#pragma once

#include <cstddef>
#include <vector>

#include "core/result.hpp"
#include "dsp/spectral/matrix.hpp"
#include "dsp/spectral/sparse_filterbank.hpp"

namespace earshot::dsp {

struct KaldiMelBankOptions {
  int num_bins = 23;                // > 3, as torchaudio requires
  int padded_window_size = 512;     // FFT size; even, >= 2
  double sample_frequency = 16000;  // Hz, > 0
  double low_freq = 20;             // Hz, in [0, nyquist)
  double high_freq = 0;             // Hz; <= 0 means nyquist + high_freq; in (low_freq, nyquist]
};

class KaldiMelBanks {
 public:
  // Errors: invalid_input, naming the option, for any value out of the ranges above.
  static core::Result<KaldiMelBanks> create(const KaldiMelBankOptions& options);

  int num_bins() const { return static_cast<int>(bank_.filter_count()); }
  // Bins of the one-sided spectrum the filters apply to: padded_window_size / 2 + 1.
  int num_fft_bins() const { return static_cast<int>(bank_.bin_count()); }

  // out[f * out_stride + b] = sum_k power[f * power_stride + k] * weight(b, k) for `frames`
  // rows. Each row of `power` holds num_fft_bins() values. Sums over each filter's non-zero
  // run only: a few dozen bins instead of all of them (see kaldi_mel_banks.cpp for timings).
  void apply(const float* power, std::size_t frames, std::size_t power_stride, float* out,
             std::size_t out_stride) const;

  // The filters as torchaudio returns them after fbank pads a zero Nyquist column:
  // num_bins() × num_fft_bins().
  Matrix dense() const;

 private:
  KaldiMelBanks() = default;

  SparseFilterbank bank_;
};

}  // namespace earshot::dsp
