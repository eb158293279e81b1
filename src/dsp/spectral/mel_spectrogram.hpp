// Mel spectrogram, librosa.feature.melspectrogram's semantics: |STFT|^power (power 2 by
// default) projected onto a mel filterbank, one row of n_mels values per frame.
//
//   auto mel = dsp::MelSpectrogram::create({.stft = {.n_fft = 2048, .hop_length = 512},
//                                           .mel = {.sample_rate = 22050, .n_mels = 128}});
//   if (!mel) return mel.error();
//   auto s = mel->compute(signal);   // Result<Matrix>: frames x 128
//
// Immutable once created and safe to share between threads; compute() allocates its scratch
// (one FFT buffer, one spectrum row or block) once per call, never per frame.
//
// The projection: each filter is a triangle over a few neighbouring bins (at most 2 * bins
// non-zero weights in all against n_mels * bins in the dense matrix: 2018 against 131200 for
// librosa's defaults), so by default (MelProduct::sparse) every frame's power spectrum is
// reduced to n_mels short dot products while it is still in L1 cache. MelProduct::dense is the
// product as the architecture note first planned it, one cblas_sgemm per block of frames; it
// does 65x the arithmetic and measured slower on one core (bench_spectral, 60 s at 22050 Hz,
// n_fft 2048, 128 mels): projection alone 1.5 ms sparse against 23 ms sgemm with the kernel
// Debian's OpenBLAS 0.3.21 picks on the Xeon of bench/README.md (family 6 model 207, which it
// does not recognise: it falls back to "Prescott"), 4.7 ms with OPENBLAS_CORETYPE=SkylakeX; whole
// mel spectrogram 9 ms against 30 ms (14 ms). It is kept as the benchmark's baseline and a
// cross-check in the tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/result.hpp"
#include "dsp/spectral/matrix.hpp"
#include "dsp/spectral/mel.hpp"
#include "dsp/spectral/sparse_filterbank.hpp"
#include "dsp/spectral/stft.hpp"

namespace earshot::dsp {

enum class MelProduct {
  sparse,  // per frame, dot products over each filter's non-zero bins (default: faster)
  dense,   // per block of frames, spectrum block x filterbank^T with cblas_sgemm
};

struct MelSpectrogramOptions {
  StftOptions stft = {};  // power 2 (librosa's default) gives the power mel spectrogram
  MelOptions mel = {};
  MelProduct product = MelProduct::sparse;
};

class MelSpectrogram {
 public:
  // Errors: those of Stft::create and mel_filterbank (invalid_input, naming the option).
  static core::Result<MelSpectrogram> create(const MelSpectrogramOptions& options);

  const Stft& stft() const { return stft_; }
  const MelOptions& mel_options() const { return mel_options_; }
  // n_mels x (n_fft / 2 + 1), as mel_filterbank() gives it.
  const Matrix& filterbank() const { return filterbank_; }
  std::size_t frame_count(std::size_t samples) const { return stft_.frame_count(samples); }

  // frames x n_mels. Errors as Stft::compute (empty signal, or shorter than n_fft uncentred).
  core::Result<Matrix> compute(std::span<const float> signal) const;

  // The mel spectrogram of a spectrogram already computed with this STFT's power (frames x
  // (n_fft / 2 + 1)), as librosa.feature.melspectrogram(S=...) takes it. invalid_input if the
  // column count differs.
  core::Result<Matrix> from_spectrogram(const Matrix& spectrogram) const;

  // The building block of both, for callers that compute the STFT themselves a block of frames
  // at a time (Stft::compute_frames): `rows` spectrum rows of stft().bin_count() values in
  // `spectrum` -> `rows` rows of n_mels values in `out`, with this object's product.
  void project(std::span<const float> spectrum, std::size_t rows, std::span<float> out) const;

 private:
  MelSpectrogram(Stft stft, const MelOptions& mel_options, Matrix filterbank, MelProduct product);
  // `rows` spectrum rows of bin_count() values -> `rows` rows of n_mels values.
  void project_sparse(const float* spectrum, std::size_t rows, float* out) const;
  void project_dense(const float* spectrum, std::size_t rows, float* out) const;

  Stft stft_;
  MelOptions mel_options_;
  Matrix filterbank_;
  MelProduct product_;
  SparseFilterbank sparse_;  // the same filters, for the sparse product
};

}  // namespace earshot::dsp
