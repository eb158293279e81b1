// Mel-frequency cepstral coefficients, librosa.feature.mfcc's semantics (dct_type 2,
// norm "ortho"): the orthonormal DCT-II over the mel axis of power_to_db(mel spectrogram),
// first n_mfcc coefficients, then optionally librosa's sinusoidal liftering
//   c_k *= 1 + (lifter / 2) sin(pi (k + 1) / lifter),   k = 0 .. n_mfcc - 1.
// torchaudio.transforms.MFCC computes the same (log_mels=False, norm "ortho", top_db 80).
//
//   auto mfcc = dsp::Mfcc::create({.mel = {.mel = {.sample_rate = 22050}}, .n_mfcc = 20});
//   if (!mfcc) return mfcc.error();
//   auto c = mfcc->compute(signal);   // Result<Matrix>: frames x 20
//
// Immutable once created and safe to share between threads. The DCT, with the lifter folded
// in, is one n_mfcc x n_mels matrix applied to blocks of frames by cblas_dgemm: in double
// precision, because c0 sums n_mels decibel values into magnitudes near 1000, where float32
// alone would spend the whole 1e-3 error budget. top_db, when set, floors the decibels relative
// to the loudest point of the whole signal, so the coefficients of a frame depend on the rest
// of the signal exactly as librosa's do.
#pragma once

#include <span>
#include <vector>

#include "core/result.hpp"
#include "dsp/spectral/decibels.hpp"
#include "dsp/spectral/matrix.hpp"
#include "dsp/spectral/mel_spectrogram.hpp"

namespace earshot::dsp {

struct MfccOptions {
  MelSpectrogramOptions mel = {};  // librosa's melspectrogram defaults: power 2, Slaney mel, norm
  PowerToDbOptions db = {};        // librosa's power_to_db defaults: ref 1, amin 1e-10, top_db 80
  int n_mfcc = 20;                 // 1 .. n_mels
  double lifter = 0.0;             // >= 0; 0: none
};

// The n_out x n_in orthonormal DCT-II (scipy.fftpack.dct(norm="ortho") as a matrix, first
// n_out rows): row k is sqrt((k == 0 ? 1 : 2) / n_in) cos(pi k (2n + 1) / (2 n_in)).
// Row-major, in double precision.
std::vector<double> dct_ii_ortho(int n_out, int n_in);

class Mfcc {
 public:
  // Errors: those of MelSpectrogram::create and validate(PowerToDbOptions), and invalid_input
  // for n_mfcc outside 1..n_mels or a negative or non-finite lifter.
  static core::Result<Mfcc> create(const MfccOptions& options);

  const MelSpectrogram& mel_spectrogram() const { return mel_; }
  int n_mfcc() const { return options_.n_mfcc; }

  // frames x n_mfcc. Errors as MelSpectrogram::compute.
  core::Result<Matrix> compute(std::span<const float> signal) const;

  // The coefficients of a log-mel spectrogram already in decibels (frames x n_mels), as
  // librosa.feature.mfcc(S=...) takes it. invalid_input if it does not have n_mels columns.
  core::Result<Matrix> from_log_mel(const Matrix& log_mel) const;

 private:
  Mfcc(MelSpectrogram mel, const MfccOptions& options, std::vector<double> dct);

  MelSpectrogram mel_;
  MfccOptions options_;
  std::vector<double> dct_;  // n_mfcc x n_mels, row-major, each row scaled by its lifter weight
};

}  // namespace earshot::dsp
