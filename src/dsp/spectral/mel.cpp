// librosa.filters.mel, line for line in double precision (librosa/filters.py, core/convert.py).
#include "dsp/spectral/mel.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

namespace earshot::dsp {
namespace {

// Slaney's scale (Auditory Toolbox): 3 mels per 200 Hz up to 1 kHz, then log steps of
// ln(6.4) / 27 per mel.
constexpr double kSlaneyHzPerMel = 200.0 / 3.0;
constexpr double kSlaneyLogHz = 1000.0;
constexpr double kSlaneyLogMel = kSlaneyLogHz / kSlaneyHzPerMel;  // 15
const double kSlaneyLogStep = std::log(6.4) / 27.0;

core::Error invalid(std::string message) {
  return core::Error{core::ErrorCode::invalid_input, std::move(message)};
}

}  // namespace

core::Status validate(const MelOptions& options) {
  if (options.sample_rate < 1) return invalid("mel sample_rate must be at least 1 Hz");
  if (options.n_mels < 1) return invalid("mel n_mels must be at least 1");
  if (!std::isfinite(options.fmin) || options.fmin < 0.0) {
    return invalid("mel fmin must be a finite frequency >= 0 Hz");
  }
  const double fmax = options.fmax.value_or(options.sample_rate / 2.0);
  if (!std::isfinite(fmax) || fmax <= options.fmin) {
    return invalid("mel fmax (" + std::to_string(fmax) + " Hz) must be above fmin (" +
                   std::to_string(options.fmin) + " Hz)");
  }
  return {};
}

double hz_to_mel(double hz, MelScale scale) {
  if (scale == MelScale::htk) return 2595.0 * std::log10(1.0 + hz / 700.0);
  if (hz < kSlaneyLogHz) return hz / kSlaneyHzPerMel;
  return kSlaneyLogMel + std::log(hz / kSlaneyLogHz) / kSlaneyLogStep;
}

double mel_to_hz(double mel, MelScale scale) {
  if (scale == MelScale::htk) return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0);
  if (mel < kSlaneyLogMel) return mel * kSlaneyHzPerMel;
  return kSlaneyLogHz * std::exp(kSlaneyLogStep * (mel - kSlaneyLogMel));
}

core::Result<Matrix> mel_filterbank(const MelOptions& options, int n_fft) {
  if (auto valid = validate(options); !valid) return valid.error();
  if (n_fft < 1) return invalid("mel filterbank n_fft must be at least 1");
  const double fmax = options.fmax.value_or(options.sample_rate / 2.0);
  const auto n_mels = static_cast<std::size_t>(options.n_mels);
  const auto bins = static_cast<std::size_t>(n_fft / 2 + 1);

  // mel_frequencies(n_mels + 2, fmin, fmax): band edges evenly spaced in mels (np.linspace).
  std::vector<double> edges(n_mels + 2);
  const double low = hz_to_mel(options.fmin, options.scale);
  const double high = hz_to_mel(fmax, options.scale);
  const double step = (high - low) / static_cast<double>(n_mels + 1);
  for (std::size_t i = 0; i < edges.size(); ++i) {
    // np.linspace sets the last point exactly to the stop value.
    const double mel = i + 1 == edges.size() ? high : low + step * static_cast<double>(i);
    edges[i] = mel_to_hz(mel, options.scale);
  }

  Matrix bank(n_mels, bins);
  const double bin_hz = static_cast<double>(options.sample_rate) / n_fft;  // np.fft.rfftfreq
  for (std::size_t m = 0; m < n_mels; ++m) {
    const double left_width = edges[m + 1] - edges[m];
    const double right_width = edges[m + 2] - edges[m + 1];
    // Slaney's normalisation gives every triangle the same area.
    const double scale = options.norm == MelNorm::slaney ? 2.0 / (edges[m + 2] - edges[m]) : 1.0;
    for (std::size_t k = 0; k < bins; ++k) {
      const double f = bin_hz * static_cast<double>(k);
      const double rising = (f - edges[m]) / left_width;
      const double falling = (edges[m + 2] - f) / right_width;
      bank(m, k) = static_cast<float>(std::max(0.0, std::min(rising, falling)) * scale);
    }
  }
  return bank;
}

}  // namespace earshot::dsp
