#include "dsp/content/content_log_mel.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace earshot::dsp {
namespace {

MelSpectrogram make_mel() {
  auto mel = MelSpectrogram::create(
      {.stft = {.n_fft = ContentLogMel::kFftSize, .hop_length = ContentLogMel::kHop},
       .mel = {.sample_rate = ContentLogMel::kSampleRate,
               .n_mels = static_cast<int>(ContentLogMel::kBands),
               .fmin = 0.0,
               .fmax = 8000.0}});
  if (!mel) throw std::logic_error("content log-mel: " + mel.error().message);
  return std::move(*mel);
}

}  // namespace

ContentLogMel::ContentLogMel(MelSpectrogram mel) : mel_(std::move(mel)) {}

const ContentLogMel& ContentLogMel::instance() {
  static const ContentLogMel log_mel(make_mel());
  return log_mel;
}

std::vector<float> ContentLogMel::padded_window(std::span<const float> window) {
  std::vector<float> signal(kWindowSamples, 0.0f);
  const std::size_t count = std::min(window.size(), kWindowSamples);
  for (std::size_t i = 0; i < count; ++i) {
    signal[i] = std::isfinite(window[i]) ? window[i] : 0.0f;
  }
  return signal;
}

Matrix ContentLogMel::mel_power(std::span<const float> padded) const {
  auto mel = mel_.compute(padded);
  if (!mel) throw std::logic_error("content log-mel: " + mel.error().message);
  if (mel->rows != kFrames) throw std::logic_error("content log-mel: not 101 frames per window");
  return std::move(*mel);
}

void ContentLogMel::compute(std::span<const float> window, std::span<float> levels) const {
  if (levels.size() != kLevels)
    throw std::invalid_argument("content log-mel: levels must hold 101 x 64 values");
  const Matrix power = mel_power(padded_window(window));
  for (std::size_t t = 0; t < kFrames; ++t) {
    const auto row = power.row(t);
    for (std::size_t b = 0; b < kBands; ++b) {
      levels[t * kBands + b] = 10.0f * std::log10(row[b] + kFloor);
    }
  }
}

void ContentLogMel::band_shape(std::span<const float> levels, std::span<float> shape) {
  if (levels.size() != kLevels || shape.size() != kBands)
    throw std::invalid_argument("content log-mel: band_shape takes 101 x 64 levels, gives 64");
  std::vector<double> band_sums(kBands, 0.0);
  double total = 0.0;
  for (std::size_t t = 0; t < kFrames; ++t) {
    for (std::size_t b = 0; b < kBands; ++b) {
      band_sums[b] += levels[t * kBands + b];
      total += levels[t * kBands + b];
    }
  }
  const double overall = total / static_cast<double>(kLevels);
  for (std::size_t b = 0; b < kBands; ++b) {
    shape[b] = static_cast<float>(band_sums[b] / kFrames - overall);
  }
}

}  // namespace earshot::dsp
