// MFCC: mel spectrogram -> decibels -> one matrix product (DCT-II with the lifter folded in).
#include "dsp/spectral/mfcc.hpp"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>
#include <utility>

#include "dsp/spectral/blas_threads.hpp"

namespace earshot::dsp {
namespace {

// Frames per product: bounds the double-precision copies to 256 x n_mels values.
constexpr std::size_t kBlockFrames = 256;

core::Error invalid(std::string message) {
  return core::Error{core::ErrorCode::invalid_input, std::move(message)};
}

}  // namespace

std::vector<double> dct_ii_ortho(int n_out, int n_in) {
  std::vector<double> dct(static_cast<std::size_t>(n_out) * static_cast<std::size_t>(n_in));
  for (int k = 0; k < n_out; ++k) {
    const double scale = std::sqrt((k == 0 ? 1.0 : 2.0) / n_in);
    for (int n = 0; n < n_in; ++n) {
      dct[static_cast<std::size_t>(k * n_in + n)] =
          scale * std::cos(std::numbers::pi * k * (2.0 * n + 1.0) / (2.0 * n_in));
    }
  }
  return dct;
}

core::Result<Mfcc> Mfcc::create(const MfccOptions& options) {
  auto mel = MelSpectrogram::create(options.mel);
  if (!mel) return mel.error();
  if (auto ok = validate(options.db); !ok) return ok.error();
  const int n_mels = options.mel.mel.n_mels;
  if (options.n_mfcc < 1 || options.n_mfcc > n_mels) {
    return invalid("MFCC n_mfcc must be between 1 and n_mels (" + std::to_string(n_mels) +
                   "), not " + std::to_string(options.n_mfcc));
  }
  if (!std::isfinite(options.lifter) || options.lifter < 0.0) {
    return invalid("MFCC lifter must be a non-negative number (0: none)");
  }
  std::vector<double> dct = dct_ii_ortho(options.n_mfcc, n_mels);
  if (options.lifter > 0.0) {
    // librosa counts the lifter's sine from 1 for coefficient 0.
    for (int k = 0; k < options.n_mfcc; ++k) {
      const double lift =
          1.0 + options.lifter / 2.0 * std::sin(std::numbers::pi * (k + 1) / options.lifter);
      for (int n = 0; n < n_mels; ++n) dct[static_cast<std::size_t>(k * n_mels + n)] *= lift;
    }
  }
  use_single_threaded_blas();
  return Mfcc(std::move(*mel), options, std::move(dct));
}

Mfcc::Mfcc(MelSpectrogram mel, const MfccOptions& options, std::vector<double> dct)
    : mel_(std::move(mel)), options_(options), dct_(std::move(dct)) {}

core::Result<Matrix> Mfcc::compute(std::span<const float> signal) const {
  auto mel = mel_.compute(signal);
  if (!mel) return mel.error();
  if (auto ok = power_to_db_in_place(mel->values, options_.db); !ok) return ok.error();
  return from_log_mel(*mel);
}

core::Result<Matrix> Mfcc::from_log_mel(const Matrix& log_mel) const {
  const auto n_mels = static_cast<std::size_t>(options_.mel.mel.n_mels);
  if (log_mel.cols != n_mels) {
    return invalid("log-mel spectrogram has " + std::to_string(log_mel.cols) +
                   " bands, the MFCC was configured for " + std::to_string(n_mels));
  }
  const auto n_mfcc = static_cast<std::size_t>(options_.n_mfcc);
  Matrix out(log_mel.rows, n_mfcc);
  // Double precision: c0 sums n_mels values near -100 dB to about -1100, where float32's step
  // is 1e-4 and a float32 product loses ten of them (1e-3, the whole error budget).
  std::vector<double> in_block(kBlockFrames * n_mels);
  std::vector<double> out_block(kBlockFrames * n_mfcc);
  for (std::size_t t = 0; t < log_mel.rows; t += kBlockFrames) {
    const std::size_t rows = std::min(kBlockFrames, log_mel.rows - t);
    const auto in = std::span(log_mel.values).subspan(t * n_mels, rows * n_mels);
    std::copy(in.begin(), in.end(), in_block.begin());
    // out = log_mel x dct^T: frames x n_mels times n_mels x n_mfcc.
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(rows),
                static_cast<int>(n_mfcc), static_cast<int>(n_mels), 1.0, in_block.data(),
                static_cast<int>(n_mels), dct_.data(), static_cast<int>(n_mels), 0.0,
                out_block.data(), static_cast<int>(n_mfcc));
    std::copy_n(out_block.begin(), rows * n_mfcc, out.row(t).begin());
  }
  return out;
}

}  // namespace earshot::dsp
