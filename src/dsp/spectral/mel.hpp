// The mel scale and triangular mel filterbanks, as librosa.filters.mel defines them (and
// torchaudio.functional.melscale_fbanks reproduces): Slaney's scale (linear below 1 kHz,
// logarithmic above) or HTK's (2595 log10(1 + f / 700)), n_mels + 2 points evenly spaced in mels
// between fmin and fmax, triangles over the FFT bin frequencies, and optionally Slaney's area
// normalisation (each filter scaled by 2 / its width in Hz).
//
//   auto bank = dsp::mel_filterbank({.sample_rate = 22050, .n_mels = 128}, 2048);
//   // bank->rows == 128, bank->cols == 1025
//
// Computed in double precision, then rounded to float, like librosa's float64 formulas.
#pragma once

#include <cstddef>
#include <optional>

#include "core/result.hpp"
#include "dsp/spectral/matrix.hpp"

namespace earshot::dsp {

enum class MelScale {
  slaney,  // librosa's default (htk=False); torchaudio's mel_scale="slaney"
  htk,     // librosa's htk=True; torchaudio's default
};

enum class MelNorm {
  none,    // peak 1 triangles (librosa norm=None; torchaudio's default)
  slaney,  // equal area: librosa's default norm="slaney"
};

struct MelOptions {
  int sample_rate = 22050;  // Hz, >= 1
  int n_mels = 128;         // >= 1
  double fmin = 0.0;        // Hz, >= 0
  std::optional<double> fmax =
      std::nullopt;  // Hz, > fmin; none: sample_rate / 2. May exceed Nyquist.
  MelScale scale = MelScale::slaney;
  MelNorm norm = MelNorm::slaney;
};

// invalid_input, naming the option, for a non-positive rate or mel count, a negative or
// non-finite fmin, or fmax <= fmin.
core::Status validate(const MelOptions& options);

double hz_to_mel(double hz, MelScale scale);
double mel_to_hz(double mel, MelScale scale);

// The n_mels x (n_fft / 2 + 1) filterbank (rows are filters). Errors as validate(), and
// invalid_input for n_fft < 1. Filters too narrow to cover any bin are all zeros, as librosa
// gives them (it warns; here the caller may check).
core::Result<Matrix> mel_filterbank(const MelOptions& options, int n_fft);

}  // namespace earshot::dsp
